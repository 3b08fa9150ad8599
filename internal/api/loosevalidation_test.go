package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestLooseValidationRefused replays the audit's values that passed: a
// currency XXX, a country ZZ, an e-mail "not-an-email", names with
// bidirectional overrides, usage dated year 1. Each is a 422 naming the
// field, and nothing is written.
func TestLooseValidationRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		base := map[string]any{"kind": "customer", "name": "Valid Name", "parent_id": e.w.R1.Org.ID}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for a, b := range base {
				m[a] = b
			}
			m[k] = v
			return m
		}
		_, sub := storetest.MeteredSubscription(t, e.st, e.w)
		cases := []struct {
			name, method, path, token string
			body                      map[string]any
			field                     string
		}{
			{"currency XXX", "POST", "/api/v1/organizations", e.w.Platform.Token, with("currency", "XXX"), "currency"},
			{"country ZZ", "POST", "/api/v1/organizations", e.w.Platform.Token, with("country", "ZZ"), "country"},
			{"e-mail not-an-email", "POST", "/api/v1/organizations", e.w.Platform.Token, with("email", "not-an-email"), "email"},
			{"name with a bidi override", "POST", "/api/v1/organizations", e.w.Platform.Token, with("name", "Acme\u202egnp.exe"), "name"},
			{"user named with a bidi isolate", "POST", "/api/v1/users", e.w.Platform.Token,
				map[string]any{"organization_id": e.w.C1.Org.ID, "email": "new@c1.test", "name": "Eve\u2066", "role": "viewer"}, "name"},
			{"user e-mail not-an-email", "POST", "/api/v1/users", e.w.Platform.Token,
				map[string]any{"organization_id": e.w.C1.Org.ID, "email": "not-an-email", "role": "viewer"}, "email"},
			{"usage dated year 1", "POST", fmt.Sprintf("/api/v1/subscriptions/%d/usage", sub), e.w.VendorA.Token,
				map[string]any{"metric": "api_calls", "quantity": "1", "occurred_at": "0001-01-01T00:00:00Z"}, "period.start"},
		}
		for _, c := range cases {
			before := fmt.Sprint(storetest.Counts(t, e.st))
			r := e.call(c.method, c.path, c.token, c.body)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.raw), c.field) {
				t.Fatalf("%s: %d %s", c.name, r.status, r.raw)
			}
			r.isProblem(t)
			if after := fmt.Sprint(storetest.Counts(t, e.st)); after != before {
				t.Fatalf("%s: rows changed", c.name)
			}
		}
		// What should pass passes.
		e.call("POST", "/api/v1/organizations", e.w.Platform.Token, with("name", "Łódź Ελληνικά Căpșuni")).must(t, http.StatusCreated)
	})
}
