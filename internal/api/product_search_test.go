package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestProductSearch: GET /api/v1/products?q= finds products by words of
// their name or description or their vendor's name, in any case, with
// LIKE's wildcards taken as they are, within what the caller may see; a
// search too long is a 422 naming q.
func TestProductSearch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, p := range []catalog.Product{
			{Name: "Cloud Backup", Description: "Offsite copies of 100% of your files"},
			{Name: "Mail_Relay", Description: "An SMTP relay"},
		} {
			p.Type, p.Published = catalog.TypeSaaS, true
			if _, err := storetest.Listing(e.st).CreateProduct(ctx, e.w.VendorA.Principal, p); err != nil {
				t.Fatal(err)
			}
		}
		names := func(token, q string) []string {
			t.Helper()
			r := e.call("GET", "/api/v1/products?limit=200&q="+url.QueryEscape(q), token, nil).must(t, http.StatusOK)
			var out []string
			for _, it := range r.body["items"].([]any) {
				out = append(out, it.(map[string]any)["name"].(string))
			}
			slices.Sort(out)
			return out
		}
		c := e.w.C1.Token
		for q, want := range map[string]string{
			"BACKUP":                              "Cloud Backup",
			"offsite copies":                      "Cloud Backup",
			"100%":                                "Cloud Backup",
			"_":                                   "Mail_Relay",
			strings.ToUpper(e.w.VendorB.Org.Name): e.w.ProductB.Name,
			"no such words":                       "",
		} {
			if got := strings.Join(names(c, q), ","); got != want {
				t.Errorf("q=%q: %q, want %q", q, got, want)
			}
		}
		// A draft is found by its vendor, never by a customer.
		if got := names(c, e.w.DraftA.Name); len(got) != 0 {
			t.Errorf("a customer's search finds a draft: %v", got)
		}
		if got := names(e.w.VendorA.Token, e.w.DraftA.Name); !slices.Contains(got, e.w.DraftA.Name) {
			t.Errorf("the vendor's search does not find its draft: %v", got)
		}
		r := e.call("GET", "/api/v1/products?q="+strings.Repeat("a", 101), c, nil).must(t, http.StatusUnprocessableEntity)
		r.isProblem(t)
		if !strings.Contains(string(r.raw), `"q"`) && !strings.Contains(string(r.raw), "query.q") {
			t.Errorf("the problem does not name q: %s", r.raw)
		}
	})
}
