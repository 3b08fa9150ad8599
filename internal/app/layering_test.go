package app_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mercato-market/mercato/"

// imports lists what the non-test Go files of a package directory (under
// the module root) import.
func imports(t *testing.T, dir string) map[string]bool {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, dir, e.Name()), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			out[path] = true
		}
	}
	return out
}

// TestLayering keeps the layers apart: the transports hold service
// interfaces and never the store; the application services know neither
// SQL (the store) nor HTTP.
func TestLayering(t *testing.T) {
	for _, dir := range []string{"internal/api", "internal/api/cloudesire", "internal/web", "internal/stripehook"} {
		for _, banned := range []string{module + "internal/store", module + "internal/app"} {
			if imports(t, dir)[banned] {
				t.Errorf("transport %s imports %s", dir, banned)
			}
		}
	}
	services := []string{"accounts", "billingrun", "overview", "channel", "charging", "coupons", "lifecycle", "listing", "messaging", "notify", "ordering", "payments", "provisioning", "usage", "webhooks"}
	for _, svc := range services {
		dir := "internal/" + svc
		for _, banned := range []string{module + "internal/store", "net/http", "database/sql"} {
			if imports(t, dir)[banned] {
				t.Errorf("service %s imports %s", dir, banned)
			}
		}
	}
}
