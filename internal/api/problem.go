package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
)

// problemType is the API's response transformer that makes every problem
// body name its type, which huma leaves out by default. It is set on the
// API's own configuration (New), not on huma's package-wide NewError.
func problemType(_ huma.Context, _ string, v any) (any, error) {
	if m, ok := v.(*huma.ErrorModel); ok && m.Type == "" {
		m.Type = "about:blank"
	}
	return v, nil
}

// statusOf is the one mapping of domain error codes to HTTP statuses.
var statusOf = map[string]int{
	mercato.EINVALID:      http.StatusUnprocessableEntity,
	mercato.ENOTFOUND:     http.StatusNotFound,
	mercato.ECONFLICT:     http.StatusConflict,
	mercato.EUNAUTHORIZED: http.StatusUnauthorized,
	mercato.EFORBIDDEN:    http.StatusForbidden,
	mercato.EINTERNAL:     http.StatusInternalServerError,
}

// problem turns a domain error into an RFC 9457 problem: the status from
// its code, its user-safe message as the detail, and one entry per invalid
// field. Internal errors are logged and shown only as "internal error".
func (s *Server) problem(ctx context.Context, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	code := mercato.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		s.log.ErrorContext(ctx, "request failed", "err", err)
	}
	var details []error
	for _, f := range mercato.Fields(err) {
		details = append(details, &huma.ErrorDetail{Location: "body." + f.Path, Message: f.Message, Value: f.Value})
	}
	return huma.NewError(status, mercato.ErrorMessage(err), details...)
}

// RenderRefusal writes the front door's refusals of /api/v1 (and of the
// API's other paths) as problems: 401 with a Bearer challenge, 429 with
// Retry-After.
func RenderRefusal(w http.ResponseWriter, _ *http.Request, ref frontdoor.Refusal) {
	switch ref.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="mercato", error="invalid_token"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", ref.RetryAfterSeconds())
	}
	writeProblem(w, ref.Status, ref.Message)
}

// writeProblem writes a problem body outside huma's operations.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(huma.ErrorModel{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}
