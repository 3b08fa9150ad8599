package web_test

import (
	"bytes"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUploadLeavesNoTemporaryFiles replays the audit's upload: a vendor
// posts template files larger than the panel keeps in memory, and far
// larger than any template may be, to the upload and preview pages. The
// oversized ones are refused, and no multipart temporary file stays on disk
// after any of them.
func TestUploadLeavesNoTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where mime/multipart would put its files
	h := newHarness(t)
	v := h.signIn(vendor)
	post := func(path string, size int) response {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("launch_output", "siteUrl")
		fw, _ := mw.CreateFormFile("template_file", "template.json")
		// A valid template padded with a long description.
		pad := strings.Repeat("x", max(size-len(siteTemplate), 0))
		_, _ = fw.Write([]byte(strings.Replace(siteTemplate, `"contentVersion": "1.0.0.0",`, `"contentVersion": "1.0.0.0", "metadata": {"description": "`+pad+`"},`, 1)))
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return v.do(req)
	}
	const path = "/vendor/products/5/arm-template"
	for _, c := range []struct {
		path    string
		size    int
		refused bool
	}{
		{path + "/preview", 3 << 20, false}, // under the 4 MiB limit, over what multipart keeps in memory by default
		{path + "/preview", 24 << 20, true},
		{path, 24 << 20, true},
		{path, 5 << 20, true},
	} {
		res := post(c.path, c.size)
		if refused := res.StatusCode >= 400; refused != c.refused {
			t.Errorf("%s with %d bytes: %d, want refused=%v", c.path, c.size, res.StatusCode, c.refused)
		}
		var left []string
		_ = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), "multipart-") {
				if info, err := os.Stat(p); err == nil {
					left = append(left, d.Name()+" "+info.Name())
				}
			}
			return nil
		})
		if len(left) > 0 {
			t.Fatalf("%s with %d bytes left temporary files: %v", c.path, c.size, left)
		}
	}
}
