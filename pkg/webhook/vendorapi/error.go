package vendorapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels that an [*Error] matches with [errors.Is], by status.
var (
	ErrBadRequest   = errors.New("vendorapi: bad request")  // 400: invalid, or a move the state does not allow
	ErrUnauthorized = errors.New("vendorapi: unauthorized") // 401: missing or wrong credentials
	ErrForbidden    = errors.New("vendorapi: forbidden")    // 403: the user's role may not do this
	ErrNotFound     = errors.New("vendorapi: not found")    // 404: no such resource, or not the caller's to see
)

// ErrorHolder is one entry of a Cloudesire error body.
type ErrorHolder struct {
	// Key names what is wrong: a field ("deploymentStatus", "[0].endpoint")
	// or a kind ("notFound", "conflict").
	Key string `json:"key"`
	// Error is the human text.
	Error string `json:"error"`
	// ExtraFields holds details some errors carry.
	ExtraFields map[string]any `json:"extraFields,omitempty"`
}

// Error is an answer other than 2xx.
type Error struct {
	Method string
	Path   string // as passed, relative to the API base
	// StatusCode is the answer's HTTP status.
	StatusCode int
	// Holders are the body's errorHolders; empty when the body had none.
	Holders []ErrorHolder
	// Body is the answer's body when it was not a Cloudesire error body
	// (cut to 1 KiB), e.g. a proxy's error page.
	Body string
}

func newError(method, path string, status int, raw []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status}
	var body struct {
		ErrorHolders []ErrorHolder `json:"errorHolders"`
	}
	if err := json.Unmarshal(raw, &body); err == nil && len(body.ErrorHolders) > 0 {
		e.Holders = body.ErrorHolders
		return e
	}
	s := strings.TrimSpace(string(raw))
	if len(s) > 1024 {
		s = s[:1024] + "…"
	}
	e.Body = s
	return e
}

// Error is "vendorapi: METHOD path: status: key: text; key: text".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vendorapi: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	for i, h := range e.Holders {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if h.Key != "" {
			b.WriteString(h.Key + ": ")
		}
		b.WriteString(h.Error)
	}
	if len(e.Holders) == 0 && e.Body != "" {
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

// Is matches the sentinel of e's status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	}
	return false
}
