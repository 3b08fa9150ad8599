package api_test

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestSecretConfiguration: a parameter marked secret (a password, an ARM
// securestring) is sealed at rest, shown only to the subscription's
// provider (the product's vendor, through the native and the
// Cloudesire-compatible API; the platform for the products its connectors
// provision) and masked for the customer, its channel, the platform on a
// vendor's product, in lists and on orders (issue 16, item 9).
func TestSecretConfiguration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		w := e.w
		const password = "hunter2-Correct-Horse"
		params := []catalog.Parameter{{Name: "subdomain", Type: catalog.ParamString}, {Name: "admin_password", Type: catalog.ParamString, Secret: true}}
		product := func(owner storetest.Tenant, typ catalog.ProductType) int64 {
			p, err := storetest.Listing(e.st).CreateProduct(ctx, owner.Principal, catalog.Product{Name: "Secret " + string(typ), Type: typ, Published: true, Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			return storetest.Plan(t, e.st, owner.Principal, p.ID, "Plan", `{"currency":"EUR","period":"P1M","model":"flat","amount":"1.00"}`).ID
		}
		order := func(plan int64) (sub, ord int64) {
			r := e.call(http.MethodPost, "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": plan, "quantity": 1,
				"configuration": map[string]any{"subdomain": "acme", "admin_password": password}})
			if r.status != http.StatusCreated && r.status != http.StatusOK {
				t.Fatalf("order: %d %s", r.status, r.raw)
			}
			if strings.Contains(string(r.raw), password) {
				t.Fatalf("the order's answer shows the secret: %s", r.raw)
			}
			return int64(r.body["subscription_id"].(float64)), int64(r.body["id"].(float64))
		}
		saas, saasOrder := order(product(w.VendorA, catalog.TypeSaaS))

		// At rest: neither the subscription's nor the order's row holds it.
		for _, q := range []string{"SELECT configuration FROM subscriptions WHERE id = $1", "SELECT configuration FROM orders WHERE subscription_id = $1"} {
			var raw string
			if err := e.st.DB().QueryRowContext(ctx, q, saas).Scan(&raw); err != nil && err != sql.ErrNoRows {
				t.Fatal(err)
			}
			if strings.Contains(raw, password) || !strings.Contains(raw, "acme") {
				t.Fatalf("stored %s", raw)
			}
		}
		path := "/api/v1/subscriptions/" + strconv.FormatInt(saas, 10)
		shown := func(token, url string) string {
			r := e.call(http.MethodGet, url, token, nil)
			if r.status != http.StatusOK {
				t.Fatalf("GET %s: %d %s", url, r.status, r.raw)
			}
			switch {
			case strings.Contains(string(r.raw), password):
				return "revealed"
			case strings.Contains(string(r.raw), subscription.Masked):
				return "masked"
			}
			return "absent: " + string(r.raw)
		}
		for _, c := range []struct {
			who, token, url, want string
		}{
			{"the vendor (provider)", w.VendorA.Token, path, "revealed"},
			{"the customer", w.C1.Token, path, "masked"},
			{"its reseller", w.R1.Token, path, "masked"},
			{"its distributor", w.D1.Token, path, "masked"},
			{"the platform, on a vendor's product", w.Platform.Token, path, "masked"},
			{"the vendor's list", w.VendorA.Token, "/api/v1/subscriptions?limit=100", "masked"},
			{"the order", w.C1.Token, "/api/v1/orders/" + strconv.FormatInt(saasOrder, 10), "masked"},
			{"the vendor through the Cloudesire API", w.VendorA.Token, "/api/subscription/" + strconv.FormatInt(saas, 10), "revealed"},
			{"the customer through the Cloudesire API", w.C1.Token, "/api/subscription/" + strconv.FormatInt(saas, 10), "masked"},
		} {
			if got := shown(c.token, c.url); got != c.want {
				t.Errorf("%s: %s, want %s", c.who, got, c.want)
			}
		}
		// A product the platform's connectors provision: the platform is its
		// provider (the ARM connector passes it as a securestring).
		arm, _ := order(product(w.VendorB, catalog.TypeARMTemplate))
		armPath := "/api/v1/subscriptions/" + strconv.FormatInt(arm, 10)
		if got := shown(w.Platform.Token, armPath); got != "revealed" {
			t.Errorf("the platform on its connector's product: %s", got)
		}
		if got := shown(w.C1.Token, armPath); got != "masked" {
			t.Errorf("the customer on the connector's product: %s", got)
		}
	})
}
