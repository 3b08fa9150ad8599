package web

import (
	"errors"
	"net/http"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
)

// maxBody bounds every request body the panel reads. Forms are small; the
// largest is an ARM template upload (maxTemplate, Azure's own limit), with
// room for the multipart framing and the mapping fields beside it.
const maxBody = maxTemplate + 256<<10

// limitBodies caps each request's body at maxBody: reading past it fails,
// and the handler answers as for any malformed form.
func limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

// parseUpload parses a multipart form in memory (bodies are capped at
// maxBody, so nothing needs a temporary file) and returns a function that
// removes whatever the parser still put on disk: handlers defer it, since
// the server's own cleanup sees only the request it was handed, not the
// copy (r.WithContext) a handler parses.
func parseUpload(r *http.Request) (cleanup func(), err error) {
	err = r.ParseMultipartForm(maxBody)
	cleanup = func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}
	if err == nil && r.MultipartForm != nil {
		// The front door checked the query and URL-encoded forms; a
		// multipart form's text fields pass the same guard here.
		if ref := frontdoor.CheckValues("form field", r.MultipartForm.Value); ref != nil {
			return cleanup, mercato.Errorf(mercato.EINVALID, "%s", ref.Message)
		}
	}
	return cleanup, err
}

// tooLarge reports whether err is a body read past maxBody.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
