package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// MaxBodySize is the largest body [Handler] reads: 1 MiB, far above any
// notification.
const MaxBodySize = 1 << 20

// Handler returns an http.Handler that receives deliveries: it verifies each
// request with v, parses its body and calls fn with the request's context.
// It answers
//
//   - 405 (with Allow: POST) to any method but POST;
//   - 413 to a body larger than [MaxBodySize];
//   - 401 when [Verifier.Verify] refuses the signature;
//   - 500 when v has no usable secret ([ErrMalformedSecret]), or when fn
//     returns an error, so that the sender retries later;
//   - 400 when the body is not a notification (see [Parse]);
//   - 204 when fn returns nil.
//
// Error answers carry a short plain-text reason; fn's error text is not sent.
// Handler panics if v or fn is nil.
func Handler(v *Verifier, fn func(ctx context.Context, n Notification) error) http.Handler {
	if v == nil || fn == nil {
		panic("webhook: Handler with a nil Verifier or function")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			if errors.Is(err, ErrMalformedSecret) {
				http.Error(w, "receiver misconfigured", http.StatusInternalServerError)
				return
			}
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		n, err := Parse(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := fn(r.Context(), n); err != nil {
			http.Error(w, "notification not processed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
