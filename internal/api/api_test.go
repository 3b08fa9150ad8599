package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

func TestHealth(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		e.call("GET", "/healthz", "", nil).must(t, http.StatusOK)
		if r := e.call("GET", "/readyz", "", nil).must(t, http.StatusOK); r.str("status") != "ready" {
			t.Fatalf("readyz %s", r.raw)
		}
	})
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, store.SQLite)
	r := e.call("GET", "/api/v1/products", "", nil).must(t, http.StatusUnauthorized)
	r.isProblem(t)
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	e.call("GET", "/api/v1/products", "mct_not_a_real_token", nil).must(t, http.StatusUnauthorized).isProblem(t)
	// A token shown once at creation works, and is listed without its secret.
	tok := e.call("POST", "/api/v1/tokens", e.w.C1.Token, map[string]any{"name": "ci"}).must(t, http.StatusCreated)
	secret := tok.str("token")
	e.call("GET", "/api/v1/me", secret, nil).must(t, http.StatusOK)
	list := e.call("GET", "/api/v1/tokens", secret, nil).must(t, http.StatusOK)
	if strings.Contains(string(list.raw), secret) {
		t.Fatal("the token list shows a secret")
	}
	// A viewer reads and quotes, but changes nothing.
	viewer := e.call("POST", "/api/v1/users", e.w.C1.Token, map[string]any{"organization_id": e.w.C1.Org.ID, "email": "viewer@c1.test", "role": "viewer"}).must(t, http.StatusCreated)
	vt := e.call("POST", "/api/v1/tokens", e.w.C1.Token, map[string]any{"name": "viewer", "user_id": viewer.id()}).must(t, http.StatusCreated).str("token")
	e.call("GET", "/api/v1/subscriptions", vt, nil).must(t, http.StatusOK)
	e.call("POST", "/api/v1/quotes", vt, map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 2}).must(t, http.StatusOK)
	e.call("POST", "/api/v1/orders", vt, map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 2}).must(t, http.StatusForbidden).isProblem(t)
	// An admin changes roles; nobody demotes the last admin, itself.
	e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", viewer.id()), e.w.C1.Token, map[string]any{"name": "Vera"}).must(t, http.StatusOK)
	e.call("PATCH", fmt.Sprintf("/api/v1/users/%d", e.w.C1.User.ID), e.w.C1.Token, map[string]any{"role": "viewer"}).must(t, http.StatusConflict).isProblem(t)
	// A manager may not manage users.
	mgr := e.call("POST", "/api/v1/users", e.w.C1.Token, map[string]any{"organization_id": e.w.C1.Org.ID, "email": "mgr@c1.test", "role": "manager"}).must(t, http.StatusCreated)
	mt := e.call("POST", "/api/v1/tokens", e.w.C1.Token, map[string]any{"name": "mgr", "user_id": mgr.id()}).must(t, http.StatusCreated).str("token")
	e.call("POST", "/api/v1/users", mt, map[string]any{"organization_id": e.w.C1.Org.ID, "email": "x@c1.test", "role": "admin"}).must(t, http.StatusForbidden)
	e.call("POST", "/api/v1/users", e.w.C1.Token, map[string]any{"organization_id": e.w.C1.Org.ID, "email": "mgr@c1.test", "role": "admin"}).must(t, http.StatusConflict).isProblem(t)
}

// TestQuotes prices every model through the API; each total was worked out
// by hand.
func TestQuotes(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		v := e.w.VendorA
		for _, c := range []struct {
			name, pricing string
			quantity      int
			usage         map[string]string
			total         string
			lines         []string // amounts of the lines, in order
		}{
			{"flat", `{"currency":"EUR","model":"flat","amount":"29.00"}`, 7, nil, "29.00", []string{"29.00"}},
			{"per unit with setup fee", `{"currency":"EUR","model":"per_unit","unit_amount":"8.00","setup_fee":"50.00"}`, 3, nil, "74.00", []string{"24.00", "50.00"}},
			{"volume (Cloudesire's example)", `{"currency":"EUR","model":"volume","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3"}]}`, 15, nil, "45.00", []string{"45.00"}},
			{"graduated (Cloudesire's example)", `{"currency":"EUR","model":"graduated","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3"}]}`, 15, nil, "63.00", []string{"45.00", "18.00"}},
			{"graduated with flat amounts", `{"currency":"EUR","model":"graduated","tiers":[{"up_to":10,"unit_amount":"5.00","flat_amount":"10"},{"up_to":null,"unit_amount":"4.00","flat_amount":"2"}]}`, 12, nil, "70.00", []string{"60.00", "10.00"}},
			{"package", `{"currency":"EUR","model":"package","package_size":10,"amount":"20.00"}`, 25, nil, "60.00", []string{"60.00"}},
			{"yen has no minor unit", `{"currency":"JPY","model":"per_unit","unit_amount":"333.5"}`, 3, nil, "1000", []string{"1000"}},
			{"metric usage", `{"currency":"EUR","model":"flat","amount":"10.00","metrics":[{"name":"storage","unit":"GB","model":"per_unit","unit_amount":"0.10"}]}`, 1,
				map[string]string{"storage": "120.5"}, "22.05", []string{"10.00", "12.05"}},
			{"half-even rounding", `{"currency":"EUR","model":"per_unit","unit_amount":"0.125"}`, 1, nil, "0.12", []string{"0.12"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				plan := storetest.Plan(t, e.st, v.Principal, e.w.ProductA.ID, c.name, c.pricing)
				body := map[string]any{"plan_id": plan.ID, "quantity": c.quantity}
				if c.usage != nil {
					body["usage"] = c.usage
				}
				// A customer is quoted in its own currency (EUR): the yen
				// plan is quoted by its vendor, in yen.
				token := e.w.C2.Token
				if strings.Contains(c.pricing, `"JPY"`) {
					token = v.Token
				}
				r := e.call("POST", "/api/v1/quotes", token, body).must(t, http.StatusOK)
				var q struct {
					Total string `json:"total"`
					Lines []struct {
						Amount string `json:"amount"`
					} `json:"lines"`
					Shares []struct {
						Role   string `json:"role"`
						Amount string `json:"amount"`
					} `json:"shares"`
				}
				if err := json.Unmarshal(r.raw, &q); err != nil {
					t.Fatal(err)
				}
				var amounts []string
				for _, l := range q.Lines {
					amounts = append(amounts, l.Amount)
				}
				if q.Total != c.total || fmt.Sprint(amounts) != fmt.Sprint(c.lines) {
					t.Fatalf("total %s lines %v, want %s %v: %s", q.Total, amounts, c.total, c.lines, r.raw)
				}
				if len(q.Shares) < 2 || q.Shares[0].Role != "vendor" || q.Shares[1].Role != "platform" {
					t.Fatalf("shares %s", r.raw)
				}
			})
		}
		// Pricing is validated before anything is written, with the field named.
		r := e.call("POST", fmt.Sprintf("/api/v1/products/%d/plans", e.w.ProductA.ID), v.Token, map[string]any{"name": "bad",
			"pricing": map[string]any{"currency": "EUR", "model": "graduated", "tiers": []any{map[string]any{"up_to": 10, "unit_amount": "1"}}}}).
			must(t, http.StatusUnprocessableEntity)
		r.isProblem(t)
		if !strings.Contains(string(r.raw), "body.pricing.tiers[0].up_to") {
			t.Fatalf("problem does not name the tier: %s", r.raw)
		}
		e.call("POST", "/api/v1/quotes", e.w.C2.Token, map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 1, "usage": map[string]string{"nope": "1"}}).
			must(t, http.StatusUnprocessableEntity).isProblem(t)
	})
}

func TestOrderIdempotencyKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		body := map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 4, "configuration": map[string]any{"subdomain": "acme"}}
		call := func(key string, body any) response {
			req, _ := http.NewRequest("POST", e.url+"/api/v1/orders", strings.NewReader(toJSON(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.w.C1.Token)
			req.Header.Set("Idempotency-Key", key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var r response
			r.status, r.header = res.StatusCode, res.Header
			_ = json.NewDecoder(res.Body).Decode(&r.body)
			return r
		}
		first := call("k-1", body)
		if first.status != http.StatusCreated || first.body["subscription_id"] == nil || first.str("total") != "40.00" {
			t.Fatalf("first: %d %v", first.status, first.body)
		}
		again := call("k-1", body)
		if again.status != http.StatusCreated || again.id() != first.id() || again.body["subscription_id"] != first.body["subscription_id"] {
			t.Fatalf("retry: %v vs %v", again.body, first.body)
		}
		body["quantity"] = 5
		if r := call("k-1", body); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("reused key, other body: %d %v", r.status, r.body)
		}
		subs := e.call("GET", "/api/v1/subscriptions", e.w.C1.Token, nil).must(t, http.StatusOK)
		if n := len(subs.itemIDs("id")); n != 1 {
			t.Fatalf("%d subscriptions after retries, want 1", n)
		}
	})
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestOpenAPI checks the generated document: OpenAPI 3.1, every operation
// documented, money as strings, and the wire names of the issue.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t, store.SQLite)
	r := e.call("GET", "/openapi.json", "", nil).must(t, http.StatusOK)
	if r.str("openapi") != "3.1.0" {
		t.Fatalf("openapi %q", r.str("openapi"))
	}
	doc := string(r.raw)
	for _, want := range []string{`"/api/v1/products/{id}/plans"`, `"/api/v1/quotes"`, `"/api/v1/orders"`, `"/api/v1/subscriptions/{id}/terminate"`,
		`"next_cursor"`, `"up_to"`, `"unit_amount"`, `"package_size"`, `"setup_fee"`, `"trial_days"`, `"deployment_status"`, `"Idempotency-Key"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("OpenAPI document lacks %s", want)
		}
	}
	var parsed struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Type any `json:"type"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.raw, &parsed); err != nil {
		t.Fatal(err)
	}
	if typ := fmt.Sprint(parsed.Components.Schemas["Pricing"].Properties["amount"].Type); typ != "string" {
		t.Fatalf("pricing.amount is %s, want string", typ)
	}
}

// TestPagination walks a list with cursors.
func TestPagination(t *testing.T) {
	e := newEnv(t, store.SQLite)
	seen := map[float64]bool{}
	path := "/api/v1/organizations?limit=4"
	for pages := 0; pages < 10; pages++ {
		r := e.call("GET", path, e.w.Platform.Token, nil).must(t, http.StatusOK)
		for _, id := range r.itemIDs("id") {
			if seen[float64(id)] {
				t.Fatalf("id %d twice", id)
			}
			seen[float64(id)] = true
		}
		next, _ := r.body["next_cursor"].(string)
		if next == "" {
			break
		}
		path = "/api/v1/organizations?limit=4&cursor=" + next
	}
	if len(seen) != 10 {
		t.Fatalf("saw %d organizations, want 10", len(seen))
	}
}
