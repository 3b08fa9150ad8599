package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// operation is one way to act on a subscription through the API.
type operation struct {
	name   string
	method string
	suffix string
	body   any
}

var operations = []operation{
	{"pay", http.MethodPost, "/pay", nil},
	{"approve", http.MethodPost, "/approve", nil},
	{"reject", http.MethodPost, "/reject", map[string]any{"reason": "not eligible for this product"}},
	{"suspend", http.MethodPost, "/suspend", nil},
	{"resume", http.MethodPost, "/resume", nil},
	{"terminate", http.MethodPost, "/terminate", nil},
	{"retry", http.MethodPost, "/retry", nil},
	{"renew", http.MethodPost, "/renew", nil},
	{"report POST_CONFIGURATION", http.MethodPatch, "", map[string]any{"deployment_status": "POST_CONFIGURATION"}},
	{"report DEPLOYED", http.MethodPatch, "", map[string]any{"deployment_status": "DEPLOYED"}},
	{"report FAILED", http.MethodPatch, "", map[string]any{"deployment_status": "FAILED"}},
	{"report UNDEPLOYED", http.MethodPatch, "", map[string]any{"deployment_status": "UNDEPLOYED"}},
	{"report PAYMENT_EXPIRED", http.MethodPatch, "", map[string]any{"deployment_status": "PAYMENT_EXPIRED"}},
	{"change seats", http.MethodPatch, "", map[string]any{"quantity": 7}},
}

// legal is the specification of the lifecycle, written out by hand: for each
// starting status, the operations that succeed and the status they lead to.
// Every other pair must answer 409 and change nothing.
var legal = map[subscription.Status]map[string]subscription.Status{
	subscription.WaitingPayment: {
		"pay": subscription.Pending, "terminate": subscription.Undeployed, "report UNDEPLOYED": subscription.Undeployed,
		"report PAYMENT_EXPIRED": subscription.PaymentExpired, "change seats": subscription.WaitingPayment,
	},
	subscription.PaymentExpired: {},
	subscription.RequiresApproval: {
		// A report of UNDEPLOYED would be a rejection, which takes a
		// reason (POST …/reject): a conflict.
		"approve": subscription.Pending, "reject": subscription.Undeployed, "terminate": subscription.Undeployed,
		"change seats": subscription.RequiresApproval,
	},
	subscription.Pending: {
		"terminate": subscription.UndeploySent, "report POST_CONFIGURATION": subscription.PostConfiguration,
		"report DEPLOYED": subscription.Deployed, "report FAILED": subscription.Failed, "change seats": subscription.Pending,
	},
	subscription.PostConfiguration: {
		"terminate": subscription.UndeploySent, "report DEPLOYED": subscription.Deployed, "report FAILED": subscription.Failed,
		"change seats": subscription.PostConfiguration,
	},
	subscription.Deployed: {
		"suspend": subscription.Stopped, "terminate": subscription.UndeploySent, "renew": subscription.Deployed,
		"change seats": subscription.Deployed,
	},
	subscription.Failed: {
		"retry": subscription.Pending, "terminate": subscription.UndeploySent, "change seats": subscription.Failed,
	},
	subscription.Stopped: {
		"resume": subscription.Deployed, "terminate": subscription.UndeploySent, "renew": subscription.Stopped,
		"report DEPLOYED": subscription.Deployed, "change seats": subscription.Stopped,
	},
	subscription.UndeploySent: {
		"report UNDEPLOYED": subscription.Undeployed,
	},
	subscription.Undeployed: {},
}

// reach creates a subscription and drives it to status with the store.
func reach(t *testing.T, e *env, gated catalog.Plan, status subscription.Status) int64 {
	t.Helper()
	ctx := context.Background()
	w, admin := e.w, e.w.Platform.Principal
	customer, plan := w.C1.Org.ID, w.PlanA.ID
	switch status {
	case subscription.WaitingPayment, subscription.PaymentExpired:
		customer = w.C1b.Org.ID // not on account
	case subscription.RequiresApproval:
		plan = gated.ID
	}
	o, err := app.Ordering(e.st).PlaceOrder(ctx, admin, subscription.OrderRequest{CustomerID: customer, PlanID: plan, Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	path := map[subscription.Status][]subscription.Action{
		subscription.PaymentExpired:    {subscription.ActionExpirePayment},
		subscription.PostConfiguration: {subscription.ActionConfigure},
		subscription.Deployed:          {subscription.ActionDeploy},
		subscription.Failed:            {subscription.ActionFail},
		subscription.Stopped:           {subscription.ActionDeploy, subscription.ActionSuspend},
		subscription.UndeploySent:      {subscription.ActionDeploy, subscription.ActionTerminate},
		subscription.Undeployed:        {subscription.ActionDeploy, subscription.ActionTerminate, subscription.ActionConfirmUndeploy},
	}[status]
	for _, a := range path {
		if _, err := app.Lifecycle(e.st).Act(ctx, admin, o.SubscriptionID, a); err != nil {
			t.Fatalf("reach %s: %s: %v", status, a, err)
		}
	}
	sub, _ := e.st.Subscription(ctx, admin, o.SubscriptionID)
	if sub.Status != status {
		t.Fatalf("reached %s, want %s", sub.Status, status)
	}
	return sub.ID
}

// TestSubscriptionTransitions tries every operation from every status, over
// HTTP, on both engines: legal ones move the subscription and write exactly
// one event; illegal ones answer 409 with a problem and write nothing; a
// report of the status a subscription already has answers 200 and writes
// nothing.
func TestSubscriptionTransitions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		gatedProduct, err := storetest.Listing(e.st).CreateProduct(context.Background(), e.w.VendorA.Principal, catalog.Product{Name: "Gated", Type: catalog.TypeService, Published: true, RequiresApproval: true})
		if err != nil {
			t.Fatal(err)
		}
		gated := storetest.Plan(t, e.st, e.w.VendorA.Principal, gatedProduct.ID, "Gated", `{"currency":"EUR","model":"per_unit","unit_amount":"1"}`)
		for _, from := range subscription.Statuses {
			for _, op := range operations {
				t.Run(fmt.Sprintf("%s/%s", from, op.name), func(t *testing.T) {
					id := reach(t, e, gated, from)
					before := storetest.Counts(t, e.st)
					r := e.call(op.method, fmt.Sprintf("/api/v1/subscriptions/%d%s", id, op.suffix), e.w.Platform.Token, op.body)
					want, ok := legal[from][op.name]
					after := storetest.Counts(t, e.st)
					if op.name == "report "+string(from) {
						// Reporting the status it already has is an
						// idempotent success that writes nothing.
						r.must(t, http.StatusOK)
						if got := r.str("deployment_status"); got != string(from) || fmt.Sprint(before) != fmt.Sprint(after) {
							t.Fatalf("repeated report of %s: status %s, rows %v -> %v", from, got, before, after)
						}
						return
					}
					if !ok {
						r.must(t, http.StatusConflict).isProblem(t)
						if fmt.Sprint(before) != fmt.Sprint(after) {
							t.Fatalf("illegal %s from %s wrote rows: %v -> %v", op.name, from, before, after)
						}
						return
					}
					r.must(t, http.StatusOK)
					if got := r.str("deployment_status"); got != string(want) {
						t.Fatalf("%s from %s: status %s, want %s", op.name, from, got, want)
					}
					// The events a move writes: termination sends MODIFIED
					// (UNDEPLOY_SENT) and DELETED at once, so its end sends
					// nothing more; ending with nothing provisioned sends
					// DELETED; every other move MODIFIED.
					wantTypes := []string{"MODIFIED"}
					switch {
					case want == subscription.UndeploySent:
						wantTypes = []string{"MODIFIED", "DELETED"}
					case want == subscription.Undeployed && from == subscription.UndeploySent:
						wantTypes = nil
					case want == subscription.Undeployed:
						wantTypes = []string{"DELETED"}
					}
					evs, _, _ := e.st.ListEvents(context.Background(), e.w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: id}, store.Page{Limit: 200})
					var got []string
					for _, ev := range evs[len(evs)-(after["events"]-before["events"]):] {
						got = append(got, ev.Type)
					}
					if fmt.Sprint(got) != fmt.Sprint(wantTypes) {
						t.Fatalf("%s from %s wrote events %v, want %v", op.name, from, got, wantTypes)
					}
				})
			}
		}
	})
}

// TestLifecycleRoles checks who may do what to a subscription they can see.
func TestLifecycleRoles(t *testing.T) {
	e := newEnv(t, store.SQLite)
	w := e.w
	sub := func() int64 {
		o, err := app.Ordering(e.st).PlaceOrder(context.Background(), w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		return o.SubscriptionID
	}
	path := func(id int64, s string) string { return fmt.Sprintf("/api/v1/subscriptions/%d%s", id, s) }
	deploy := map[string]any{"deployment_status": "DEPLOYED"}

	id := sub()
	e.call("PATCH", path(id, ""), w.C1.Token, deploy).must(t, http.StatusForbidden).isProblem(t)     // customers do not provision
	e.call("PATCH", path(id, ""), w.R1.Token, deploy).must(t, http.StatusForbidden).isProblem(t)     // nor resellers
	e.call("PATCH", path(id, ""), w.VendorB.Token, deploy).must(t, http.StatusNotFound).isProblem(t) // another vendor does not see it
	e.call("PATCH", path(id, ""), w.VendorA.Token, deploy).must(t, http.StatusOK)
	e.call("POST", path(id, "/suspend"), w.C1.Token, nil).must(t, http.StatusForbidden)
	e.call("POST", path(id, "/suspend"), w.R1.Token, nil).must(t, http.StatusOK)
	e.call("POST", path(id, "/resume"), w.D1.Token, nil).must(t, http.StatusOK)
	e.call("POST", path(id, "/terminate"), w.VendorA.Token, nil).must(t, http.StatusForbidden)
	e.call("POST", path(id, "/renew"), w.R1.Token, nil).must(t, http.StatusForbidden)
	e.call("POST", path(id, "/terminate"), w.C1.Token, nil).must(t, http.StatusOK)
	r := e.call("PATCH", path(id, ""), w.VendorA.Token, map[string]any{"deployment_status": "UNDEPLOYED"}).must(t, http.StatusOK)
	if r.str("deployment_status") != "UNDEPLOYED" {
		t.Fatalf("status %s", r.raw)
	}
	// A status report cannot be mixed with a change, and an empty PATCH is refused.
	id = sub()
	e.call("PATCH", path(id, ""), w.Platform.Token, map[string]any{"deployment_status": "DEPLOYED", "quantity": 2}).must(t, http.StatusUnprocessableEntity).isProblem(t)
	e.call("PATCH", path(id, ""), w.Platform.Token, map[string]any{}).must(t, http.StatusUnprocessableEntity).isProblem(t)
}
