package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenAPICommand writes each document, to standard output and to a
// file, and refuses what it does not know.
func TestOpenAPICommand(t *testing.T) {
	for _, c := range []struct {
		args    []string
		version string
		paths   int
	}{
		{[]string{"openapi"}, "3.1.0", 50},
		{[]string{"openapi", "--openapi", "3.0"}, "3.0.3", 50},
		{[]string{"openapi", "--api", "cloudesire"}, "3.1.0", 10},
	} {
		var stdout, stderr bytes.Buffer
		if code := Run(context.Background(), c.args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr.String())
		}
		var doc struct {
			OpenAPI string         `json:"openapi"`
			Paths   map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.OpenAPI != c.version || len(doc.Paths) < c.paths {
			t.Fatalf("%v: %v, openapi %q, %d paths", c.args, err, doc.OpenAPI, len(doc.Paths))
		}
	}
	out := filepath.Join(t.TempDir(), "cloudesire.json")
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"openapi", "--api", "cloudesire", "--out", out}, &stdout, &stderr); code != 0 || stdout.Len() != 0 {
		t.Fatalf("--out: exit %d, stdout %d bytes: %s", code, stdout.Len(), stderr.String())
	}
	if b, err := os.ReadFile(out); err != nil || !json.Valid(b) {
		t.Fatalf("--out wrote %d bytes: %v", len(b), err)
	}
	for _, args := range [][]string{{"openapi", "--api", "v2"}, {"openapi", "--openapi", "2.0"}} {
		if code := Run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
