package cloudesire

import (
	"log/slog"
	"net/http"
	"sort"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// TestOpenAPICoversEveryRoute: every route New registers is in the
// document, and the document has nothing New does not serve, so the two
// cannot drift apart.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	h := New(Services{}, slog.New(slog.DiscardHandler))
	served := map[string]bool{}
	for _, r := range h.routes {
		served[r] = true
	}
	documented := map[string]bool{}
	for path, item := range OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
			http.MethodPatch: item.Patch, http.MethodDelete: item.Delete, http.MethodHead: item.Head} {
			if op == nil {
				continue
			}
			documented[method+" "+path] = true
			if op.OperationID == "" || op.Description == "" || len(op.Tags) == 0 {
				t.Errorf("%s %s: operation id, description or tag missing", method, path)
			}
		}
	}
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !served[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is not in the OpenAPI document", r)
	}
	for _, d := range extra {
		t.Errorf("the OpenAPI document has %s, which the handler does not serve", d)
	}
	if len(served) < 12 {
		t.Fatalf("only %d routes recorded", len(served))
	}
}
