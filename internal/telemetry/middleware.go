package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, if any.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validID accepts a caller's X-Request-Id only if it is short and plain,
// so that it cannot forge log lines.
var validID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// EnsureRequestID gives r its request id unless it has one: the caller's
// X-Request-Id when plain, else a new one, echoed in the answer and carried
// in the context for the logs. Middleware and the front door both call it,
// so whichever runs first sets the id and the other keeps it.
func EnsureRequestID(w http.ResponseWriter, r *http.Request) *http.Request {
	if RequestID(r.Context()) != "" {
		return r
	}
	id := r.Header.Get("X-Request-Id")
	if !validID.MatchString(id) {
		id = newID()
	}
	w.Header().Set("X-Request-Id", id)
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
}

// Middleware wraps the whole server: it gives every request an id (the
// caller's X-Request-Id when plain, else a new one) echoed in the answer and
// carried in the context for the logs, sets the security headers, counts
// the request by route and status, and times it.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		ctx, span := startServerSpan(r)
		r = EnsureRequestID(w, r.WithContext(ctx))
		next.ServeHTTP(rec, r)
		// The mux sets the matched pattern on the request it routed, which
		// is this one: a route, never a raw path, so labels stay few.
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		endServerSpan(span, route, rec.status)
		httpRequests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		httpDuration.WithLabelValues(route, r.Method).Observe(time.Since(start).Seconds())
	})
}

type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// LogHandler adds the request id of the record's context to every log line.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(attrs)}
}

func (l logHandler) WithGroup(name string) slog.Handler { return logHandler{l.Handler.WithGroup(name)} }
