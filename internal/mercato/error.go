// Package mercato holds the domain vocabulary shared by every other package:
// application errors with a code that the HTTP layer maps to a status in one
// place, and the field-level details of a validation failure.
package mercato

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. The HTTP layer maps each to one status code.
const (
	EINVALID      = "invalid"      // the request is malformed or breaks a rule (422)
	ENOTFOUND     = "not_found"    // unknown, or not visible to the caller (404)
	ECONFLICT     = "conflict"     // the current state forbids it (409)
	EUNAUTHORIZED = "unauthorized" // no valid credentials (401)
	EFORBIDDEN    = "forbidden"    // visible, but the caller's role may not do it (403)
	EINTERNAL     = "internal"     // anything else (500)
)

// FieldError names one invalid input: Path is the JSON location
// (for example "pricing.tiers[1].up_to") and Message says what is wrong.
type FieldError struct {
	Path    string
	Message string
	Value   any
}

// Error is an application error: a code, a message safe to show to users,
// optional field errors, and an optional wrapped cause that is never shown.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Path, f.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error carrying the given field errors.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// NotFound returns an ENOTFOUND error for an entity kind and id.
func NotFound(kind string, id any) *Error {
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("%s %v not found", kind, id)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EINTERNAL for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the *Error's message,
// or a generic text for internal errors so that nothing leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// Fields returns the field errors carried by err, if any.
func Fields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// FieldErrors accumulates field errors during validation.
type FieldErrors []FieldError

// Add records a field error.
func (fe *FieldErrors) Add(path, format string, args ...any) {
	*fe = append(*fe, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, else an EINVALID *Error.
func (fe FieldErrors) Err(message string) error {
	if len(fe) == 0 {
		return nil
	}
	return Invalid(message, fe...)
}

// Prefixed returns err with prefix added to the path of every field error,
// for nested objects validated on their own (a plan's "pricing.").
func Prefixed(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Path = prefix + f.Path
		out.Fields[i] = f
	}
	return &out
}
