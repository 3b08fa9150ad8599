package cloudesire

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Mount is the API's part of the URL space for the front door.
// POST /api/login may be sent by a read-only role (it changes nothing of
// the marketplace but the caller's own tokens), and its Basic password is
// the login's to check.
func Mount() frontdoor.Mount {
	login := []string{"GET " + Prefix + "login", "POST " + Prefix + "login"}
	return frontdoor.Mount{Prefix: Prefix, Render: RenderRefusal, Reads: login[1:], Logins: login}
}

// RenderRefusal writes the front door's refusals as Cloudesire errors.
func RenderRefusal(w http.ResponseWriter, _ *http.Request, ref frontdoor.Refusal) {
	key := "internal"
	switch ref.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="mercato"`)
		key = "unauthorized"
	case http.StatusForbidden:
		key = "forbidden"
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", ref.RetryAfterSeconds())
		key = "tooManyRequests"
	case http.StatusBadRequest:
		key = "invalid"
	case http.StatusRequestEntityTooLarge:
		key = "tooLarge"
	}
	writeError(w, ref.Status, key, ref.Message)
}

// Errors.

// errorHolder is one error as the Java client's ErrorResponseEntry reads
// it: extraFields, the values of the key's %placeholders%, is always
// there (the DTO defaults it to an empty map); Mercato's keys have none.
type errorHolder struct {
	Key         string            `json:"key"`
	Error       string            `json:"error"`
	ExtraFields map[string]string `json:"extraFields"`
}

func holder(key, msg string) errorHolder {
	return errorHolder{Key: key, Error: msg, ExtraFields: map[string]string{}}
}

type errorBody struct {
	ErrorHolders []errorHolder `json:"errorHolders"`
}

func writeError(w http.ResponseWriter, status int, key, msg string) {
	writeJSON(w, status, errorBody{ErrorHolders: []errorHolder{holder(key, msg)}})
}

// statusOf maps domain error codes to the statuses Cloudesire clients know.
var statusOf = map[string]struct {
	status int
	key    string
}{
	mercato.EINVALID:      {http.StatusBadRequest, "invalid"},
	mercato.ECONFLICT:     {http.StatusBadRequest, "conflict"},
	mercato.ENOTFOUND:     {http.StatusNotFound, "notFound"},
	mercato.EUNAUTHORIZED: {http.StatusUnauthorized, "unauthorized"},
	mercato.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "tooLarge", fmt.Sprintf("the body exceeds %d bytes", maxBody))
		return
	}
	m, ok := statusOf[mercato.ErrorCode(err)]
	if !ok {
		h.log.ErrorContext(r.Context(), "cloudesire api", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error")
		return
	}
	body := errorBody{}
	for _, f := range mercato.Fields(err) {
		body.ErrorHolders = append(body.ErrorHolders, holder(f.Path, f.Message))
	}
	if len(body.ErrorHolders) == 0 {
		body.ErrorHolders = []errorHolder{holder(m.key, mercato.ErrorMessage(err))}
	}
	writeJSON(w, m.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// decode reads a JSON body whatever its Content-Type (vendor templates
// send none).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return mercato.Invalid("invalid body", mercato.FieldError{Path: te.Field, Message: "must be " + te.Type.String()})
		}
		return mercato.Errorf(mercato.EINVALID, "the body is not the JSON expected: %s", truncate(err.Error(), 200))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, mercato.Invalid("invalid id", mercato.FieldError{Path: "id", Message: "must be a positive integer"})
	}
	return id, nil
}

// notFoundAs answers a resource's own not-found error when the owner it is
// read through is not found (its product, its plan), and other errors as
// they are.
func notFoundAs(err, notFound error) error {
	if mercato.ErrorCode(err) == mercato.ENOTFOUND {
		return notFound
	}
	return err
}
