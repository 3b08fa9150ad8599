package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
)

func init() {
	// Every problem body names its type; huma leaves it out by default.
	base := huma.NewError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		se := base(status, msg, errs...)
		if m, ok := se.(*huma.ErrorModel); ok && m.Type == "" {
			m.Type = "about:blank"
		}
		return se
	}
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

// writeProblem writes a problem body outside huma's operations.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(huma.ErrorModel{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}
