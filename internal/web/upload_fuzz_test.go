package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseUpload feeds the panel's multipart parser (the ARM template
// upload's) arbitrary bodies under arbitrary boundaries, capped as every
// body is (limitBodies): nothing may panic, text fields that pass are
// UTF-8 without NUL, and no temporary file outlives the request.
func FuzzParseUpload(f *testing.F) {
	tmp := f.TempDir()
	f.Setenv("TMPDIR", tmp)
	f.Add("XyZ", []byte("--XyZ\r\nContent-Disposition: form-data; name=\"template\"\r\n\r\n{}\r\n--XyZ--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"template_file\"; filename=\"t.json\"\r\nContent-Type: application/json\r\n\r\n{\"resources\":[]}\r\n--b\r\nContent-Disposition: form-data; name=\"launch_output\"\r\n\r\nurl\r\n--b--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\x00\xff\r\n--b--\r\n"))
	f.Add("", []byte("not multipart"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"\"\r\n\r\n"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		if strings.ContainsAny(boundary, "\r\n\"") {
			return
		}
		r := httptest.NewRequest(http.MethodPost, "/vendor/products/1/arm-template", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxBody)
		cleanup, err := parseUpload(r)
		if err == nil && r.MultipartForm != nil {
			for name, vals := range r.MultipartForm.Value {
				for _, v := range vals {
					if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
						t.Fatalf("field %q passed with %q", name, v)
					}
				}
			}
		}
		cleanup()
		left, _ := filepath.Glob(filepath.Join(tmp, "multipart-*"))
		if len(left) > 0 {
			for _, p := range left {
				_ = os.Remove(p)
			}
			t.Fatalf("temporary files left behind: %v", left)
		}
	})
}
