package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestQuoteDoesNotLeakAnotherChannel replays the audit's request: a quote
// naming another tenant's customer is refused as if the customer did not
// exist, and says nothing of that customer's reseller, distributor or
// markups; the customer's own reseller still quotes through its channel.
func TestQuoteDoesNotLeakAnotherChannel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		body := map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 1, "customer_id": e.w.C1.Org.ID}
		for name, token := range map[string]string{"customer of another channel": e.w.C2.Token, "reseller of another channel": e.w.R2.Token,
			"distributor of another channel": e.w.D2.Token, "vendor": e.w.VendorA.Token, "another customer of the same reseller": e.w.C1b.Token} {
			r := e.call("POST", "/api/v1/quotes", token, body)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d %s", name, r.status, r.raw)
			}
			r.isProblem(t)
			for _, leak := range []string{fmt.Sprintf(`"organization_id":%d`, e.w.R1.Org.ID), fmt.Sprintf(`"organization_id":%d`, e.w.D1.Org.ID), "reseller", "distributor"} {
				if strings.Contains(string(r.raw), leak) {
					t.Fatalf("%s: the answer tells %q: %s", name, leak, r.raw)
				}
			}
		}
		for name, token := range map[string]string{"its reseller": e.w.R1.Token, "its distributor": e.w.D1.Token, "the platform": e.w.Platform.Token, "itself": e.w.C1.Token} {
			if r := e.call("POST", "/api/v1/quotes", token, body); r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", name, r.status, r.raw)
			}
		}
	})
}
