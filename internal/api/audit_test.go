package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// TestAuditLog checks that changes to prices, endpoints, users and
// subscriptions are recorded with their actor, and who sees them.
func TestAuditLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		e.call("PUT", fmt.Sprintf("/api/v1/organizations/%d/prices/%d", w.R1.Org.ID, w.PlanA.ID), w.R1.Token, map[string]any{"kind": "percentage", "value": "15"}).must(t, http.StatusOK)
		e.call("POST", "/api/v1/users", w.C1.Token, map[string]any{"organization_id": w.C1.Org.ID, "email": "new@c1.test", "role": "viewer"}).must(t, http.StatusCreated)
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 2}).must(t, http.StatusCreated)
		sub := int64(o.body["subscription_id"].(float64))
		e.call("PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", sub), w.VendorA.Token, map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)
		e.call("POST", fmt.Sprintf("/api/v1/subscriptions/%d/suspend", sub), w.R1.Token, nil).must(t, http.StatusOK)

		actions := func(token, query string) []string {
			r := e.call("GET", "/api/v1/audit-log?limit=200"+query, token, nil).must(t, http.StatusOK)
			var out []string
			for _, it := range r.body["items"].([]any) {
				out = append(out, it.(map[string]any)["action"].(string))
			}
			return out
		}
		all := actions(w.Platform.Token, "")
		for _, want := range []string{"price.set", "user.create", "order.place", "subscription.deploy", "subscription.suspend"} {
			if !slices.Contains(all, want) {
				t.Errorf("the audit log lacks %s: %v", want, all)
			}
		}
		// The reseller sees its own changes, not the customer's or the vendor's.
		if got := actions(w.R1.Token, ""); !slices.Equal(got, []string{"price.set", "subscription.suspend"}) {
			t.Errorf("reseller sees %v", got)
		}
		if got := actions(w.C2.Token, ""); len(got) != 0 {
			t.Errorf("another customer sees %v", got)
		}
		r := e.call("GET", fmt.Sprintf("/api/v1/audit-log?entity=subscription&entity_id=%d", sub), w.Platform.Token, nil).must(t, http.StatusOK)
		last := r.body["items"].([]any)[1].(map[string]any)
		if last["actor_user_id"].(float64) != float64(w.R1.User.ID) || fmt.Sprint(last["details"].(map[string]any)["deployment_status"]) != "[DEPLOYED STOPPED]" {
			t.Errorf("suspend entry %v", last)
		}
	})
}

func init() {
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		return map[string]probe{
			// The victim's users change things in setup; no attacker may see
			// them (ids of subscription entries are the victim's subscriptions).
			"list-audit-log": {method: "GET", path: "/api/v1/audit-log?limit=200&entity=subscription", list: func(v victim) []int64 { return v.subs }, listKey: "entity_id"},
		}
	})
}

// TestRenewalField checks the renewal call-to-action on a subscription.
func TestRenewalField(t *testing.T) {
	e := newEnv(t, "sqlite")
	o := e.call("POST", "/api/v1/orders", e.w.C1.Token, map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 2}).must(t, http.StatusCreated)
	sub := e.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d", int64(o.body["subscription_id"].(float64))), e.w.C1.Token, nil).must(t, http.StatusOK)
	r, ok := sub.body["renewal"].(map[string]any)
	if !ok || r["price"] != "20.00" || r["action"] != "renew" || r["due"] != true || r["date"] != sub.body["end_date"] {
		t.Fatalf("renewal %v (end %v)", sub.body["renewal"], sub.body["end_date"])
	}
}
