package entra

import (
	"fmt"
	"net/http"
	"strconv"
)

// aadError is an OAuth error as Entra answers it: {"error",
// "error_description":"AADSTSnnnn: …\r\nTrace ID: …", "error_codes":[n],
// "timestamp", "trace_id", "correlation_id", "error_uri"}.
type aadError struct {
	Status  int
	Code    string // invalid_client, invalid_request, …
	AADSTS  int
	Message string
}

func aadInvalidRequest(code int, msg string) *aadError {
	return &aadError{Status: http.StatusBadRequest, Code: "invalid_request", AADSTS: code, Message: msg}
}

// ErrorBody is the JSON body of an Entra token error.
type ErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri,omitempty"`
}

func (e *Emulator) fail(w http.ResponseWriter, r *http.Request, ae *aadError) {
	now := e.now().UTC()
	trace := stableGUID("trace", randomID())
	corr := r.Header.Get("client-request-id")
	if corr == "" {
		corr = stableGUID("corr", randomID())
	}
	ts := now.Format("2006-01-02 15:04:05Z")
	desc := fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", ae.AADSTS, ae.Message, trace, corr, ts)
	e.log.DebugContext(r.Context(), "entra: token refused", "error", ae.Code, "aadsts", ae.AADSTS, "tenant", r.PathValue("tenant"))
	w.Header().Set("x-ms-request-id", trace)
	w.Header().Set("Cache-Control", "no-store, no-cache")
	if ae.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+r.Host+`"`)
	}
	writeJSON(w, ae.Status, ErrorBody{
		Error: ae.Code, ErrorDescription: desc, ErrorCodes: []int{ae.AADSTS},
		Timestamp: ts, TraceID: trace, CorrelationID: corr,
		ErrorURI: e.base(r) + "/error?code=" + strconv.Itoa(ae.AADSTS),
	})
}
