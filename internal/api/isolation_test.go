package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// victim holds the ids of the first channel's rows that the attackers aim at.
type victim struct {
	orgs, users, tokens, orders, subs []int64
	customer, reseller, user, token   int64
	order, sub, draft, draftPlan      int64
	planA                             int64
	// ids and lists hold the victim rows that features add (victimSetups).
	ids   map[string]int64
	lists map[string][]int64
}

// victimSetups let the tests of each feature create victim rows of their
// own before the probes run.
var victimSetups []func(t *testing.T, e *env, v *victim)

// probe is how one operation is aimed at the victim's rows. Either the
// request must fail with a 4xx and write nothing (wantStatus), or it lists
// and must show none of the victim's ids (listKey names them).
type probe struct {
	method, path string
	body         any
	wantStatus   []int
	list         func(v victim) []int64 // forbidden ids in a list answer
	listKey      string
	self         bool // answers about the caller itself (GET /me)
}

// extraProbes lets the tests of each feature add the probes of its own
// operations (in their own files, from an init function).
var extraProbes []func(v victim) map[string]probe

func probes(v victim) map[string]probe {
	notFound := []int{http.StatusNotFound}
	refused := []int{http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity}
	sub := fmt.Sprintf("/api/v1/subscriptions/%d", v.sub)
	ps := map[string]probe{
		"list-organizations":  {method: "GET", path: "/api/v1/organizations?limit=200", list: func(v victim) []int64 { return v.orgs }, listKey: "id"},
		"get-organization":    {method: "GET", path: fmt.Sprintf("/api/v1/organizations/%d", v.customer), wantStatus: notFound},
		"update-organization": {method: "PATCH", path: fmt.Sprintf("/api/v1/organizations/%d", v.customer), body: map[string]any{"name": "pwned"}, wantStatus: notFound},
		"create-organization": {method: "POST", path: "/api/v1/organizations", body: map[string]any{"kind": "customer", "name": "x", "parent_id": v.reseller}, wantStatus: refused},
		"list-users":          {method: "GET", path: "/api/v1/users?limit=200", list: func(v victim) []int64 { return v.users }, listKey: "id"},
		"get-user":            {method: "GET", path: fmt.Sprintf("/api/v1/users/%d", v.user), wantStatus: notFound},
		"create-user":         {method: "POST", path: "/api/v1/users", body: map[string]any{"organization_id": v.customer, "email": "mole@evil.test", "role": "admin"}, wantStatus: refused},
		"update-user":         {method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", v.user), body: map[string]any{"role": "viewer"}, wantStatus: notFound},
		"delete-user":         {method: "DELETE", path: fmt.Sprintf("/api/v1/users/%d", v.user), wantStatus: notFound},
		"resend-invitation":   {method: "POST", path: fmt.Sprintf("/api/v1/users/%d/invitation", v.user), wantStatus: notFound},
		"get-me":              {method: "GET", path: "/api/v1/me", self: true},
		"update-me":           {method: "PATCH", path: "/api/v1/me", body: map[string]any{}, self: true}, // one's own profile only; an empty change writes nothing
		"list-tokens":         {method: "GET", path: "/api/v1/tokens", list: func(v victim) []int64 { return v.tokens }, listKey: "id"},
		"create-token":        {method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "user_id": v.user}, wantStatus: notFound},
		"delete-token":        {method: "DELETE", path: fmt.Sprintf("/api/v1/tokens/%d", v.token), wantStatus: notFound},
		"list-products":       {method: "GET", path: "/api/v1/products?limit=200", list: func(v victim) []int64 { return []int64{v.draft} }, listKey: "id"},
		"get-product":         {method: "GET", path: fmt.Sprintf("/api/v1/products/%d", v.draft), wantStatus: notFound},
		"create-product":      {method: "POST", path: "/api/v1/products", body: map[string]any{"vendor_id": v.customer, "name": "x", "type": "saas"}, wantStatus: refused},
		"update-product":      {method: "PATCH", path: fmt.Sprintf("/api/v1/products/%d", v.draft), body: map[string]any{"published": true}, wantStatus: notFound},
		"delete-product":      {method: "DELETE", path: fmt.Sprintf("/api/v1/products/%d", v.draft), wantStatus: notFound},
		"list-plans":          {method: "GET", path: fmt.Sprintf("/api/v1/products/%d/plans", v.draft), wantStatus: notFound},
		"create-plan":         {method: "POST", path: fmt.Sprintf("/api/v1/products/%d/plans", v.draft), body: map[string]any{"name": "x", "pricing": map[string]any{"currency": "EUR", "model": "flat", "amount": "0"}}, wantStatus: notFound},
		"get-plan":            {method: "GET", path: fmt.Sprintf("/api/v1/plans/%d", v.draftPlan), wantStatus: notFound},
		"update-plan":         {method: "PATCH", path: fmt.Sprintf("/api/v1/plans/%d", v.draftPlan), body: map[string]any{"name": "x"}, wantStatus: notFound},
		"delete-plan":         {method: "DELETE", path: fmt.Sprintf("/api/v1/plans/%d", v.draftPlan), wantStatus: notFound},
		"list-prices":         {method: "GET", path: fmt.Sprintf("/api/v1/organizations/%d/prices", v.reseller), wantStatus: notFound},
		"set-price":           {method: "PUT", path: fmt.Sprintf("/api/v1/organizations/%d/prices/%d", v.reseller, v.planA), body: map[string]any{"kind": "percentage", "value": "90"}, wantStatus: notFound},
		"delete-price":        {method: "DELETE", path: fmt.Sprintf("/api/v1/organizations/%d/prices/%d", v.reseller, v.planA), wantStatus: notFound},
		"create-quote":        {method: "POST", path: "/api/v1/quotes", body: map[string]any{"plan_id": v.draftPlan, "quantity": 1}, wantStatus: notFound},
		"create-order":        {method: "POST", path: "/api/v1/orders", body: map[string]any{"customer_id": v.customer, "plan_id": v.planA, "quantity": 1}, wantStatus: refused},
		"list-orders":         {method: "GET", path: "/api/v1/orders?limit=200", list: func(v victim) []int64 { return v.orders }, listKey: "id"},
		"get-order":           {method: "GET", path: fmt.Sprintf("/api/v1/orders/%d", v.order), wantStatus: notFound},
		"list-subscriptions":  {method: "GET", path: "/api/v1/subscriptions?limit=200", list: func(v victim) []int64 { return v.subs }, listKey: "id"},
		"get-subscription":    {method: "GET", path: sub, wantStatus: notFound},
		"update-subscription": {method: "PATCH", path: sub, body: map[string]any{"quantity": 99}, wantStatus: notFound},
		"list-events":         {method: "GET", path: "/api/v1/events?entity=Subscription&limit=200", list: func(v victim) []int64 { return v.subs }, listKey: "entity_id"},
	}
	ps["cancel-scheduled-change"] = probe{method: "DELETE", path: sub + "/scheduled-change", wantStatus: notFound}
	ps["cancel-scheduled-termination"] = probe{method: "DELETE", path: sub + "/scheduled-termination", wantStatus: notFound}
	ps["list-plan-prices"] = probe{method: "GET", path: fmt.Sprintf("/api/v1/plans/%d/prices", v.draftPlan), wantStatus: notFound}
	for _, more := range extraProbes {
		for id, p := range more(v) {
			ps[id] = p
		}
	}
	for _, a := range []string{"pay", "approve", "suspend", "resume", "terminate", "retry", "renew", "convert"} {
		ps[a+"-subscription"] = probe{method: "POST", path: sub + "/" + a, wantStatus: notFound}
	}
	ps["reject-subscription"] = probe{method: "POST", path: sub + "/reject", body: map[string]any{"reason": "not eligible"}, wantStatus: notFound}
	return ps
}

// TestTenantIsolation walks every operation of the OpenAPI document as each
// tenant of the other channel (and a sibling customer of the same reseller)
// and proves that none reads or writes the first channel's rows. An
// operation without a probe fails the test, so new routes cannot be missed.
func TestTenantIsolation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		ctx := context.Background()
		o, err := app.Ordering(e.st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Lifecycle(e.st).SetStatus(ctx, w.VendorA.Principal, o.SubscriptionID, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		v := victim{
			orgs: []int64{w.C1.Org.ID, w.R1.Org.ID, w.D1.Org.ID}, users: []int64{w.C1.User.ID, w.R1.User.ID, w.D1.User.ID},
			tokens: []int64{w.C1.TokenID, w.R1.TokenID}, orders: []int64{o.ID}, subs: []int64{o.SubscriptionID},
			customer: w.C1.Org.ID, reseller: w.R1.Org.ID, user: w.C1.User.ID, token: w.C1.TokenID,
			order: o.ID, sub: o.SubscriptionID, draft: w.DraftA.ID, draftPlan: w.DraftPlan.ID, planA: w.PlanA.ID,
		}
		v.ids, v.lists = map[string]int64{}, map[string][]int64{}
		for _, setup := range victimSetups {
			setup(t, e, &v)
		}
		ps := probes(v)

		var ops []string
		for path, item := range e.server.OpenAPI().Paths {
			for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
				if op == nil {
					continue
				}
				ops = append(ops, op.OperationID)
				if _, ok := ps[op.OperationID]; !ok {
					t.Errorf("operation %s %s (%s) has no tenant isolation probe", method, path, op.OperationID)
				}
			}
		}
		sort.Strings(ops)
		if len(ops) < 30 {
			t.Fatalf("only %d operations in the OpenAPI document", len(ops))
		}

		attackers := map[string]storetest.Tenant{"c1b (sibling customer)": w.C1b, "c2": w.C2, "r2": w.R2, "d2": w.D2, "vendorB": w.VendorB}
		for _, id := range ops {
			p := ps[id]
			for name, a := range attackers {
				t.Run(id+"/"+name, func(t *testing.T) {
					before := storetest.Counts(t, e.st)
					r := e.call(p.method, p.path, a.Token, p.body)
					after := storetest.Counts(t, e.st)
					if fmt.Sprint(before) != fmt.Sprint(after) {
						t.Fatalf("%s %s as %s wrote rows: %v -> %v (%d %s)", p.method, p.path, name, before, after, r.status, r.raw)
					}
					switch {
					case p.self:
						r.must(t, http.StatusOK)
						if r.id() != a.User.ID {
							t.Fatalf("me = %d, want %d", r.id(), a.User.ID)
						}
					case p.list != nil:
						r.must(t, http.StatusOK)
						for _, got := range r.itemIDs(p.listKey) {
							if slices.Contains(p.list(v), got) {
								t.Fatalf("%s as %s shows the victim's %s %d: %s", id, name, p.listKey, got, r.raw)
							}
						}
					default:
						if !slices.Contains(p.wantStatus, r.status) {
							t.Fatalf("%s %s as %s: status %d, want one of %v: %s", p.method, p.path, name, r.status, p.wantStatus, r.raw)
						}
						r.isProblem(t)
					}
				})
			}
		}
		// The victim still sees its own rows: the probes aimed at real ones.
		e.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d", v.sub), w.C1.Token, nil).must(t, http.StatusOK)
		e.call("GET", fmt.Sprintf("/api/v1/products/%d", v.draft), w.VendorA.Token, nil).must(t, http.StatusOK)
		e.call("GET", fmt.Sprintf("/api/v1/organizations/%d/prices", v.reseller), w.R1.Token, nil).must(t, http.StatusOK)
		if r := e.call("GET", "/api/v1/subscriptions", w.VendorA.Token, nil).must(t, http.StatusOK); !slices.Contains(r.itemIDs("id"), v.sub) {
			t.Fatalf("the vendor does not see the subscription of its product: %s", r.raw)
		}
	})
}
