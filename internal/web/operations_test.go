package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// orderNeedingApproval makes the demo's first product need approval and
// orders it as Adatum: the new subscription waits for the operator.
func orderNeedingApproval(t *testing.T, h *harness, nonce string) int64 {
	t.Helper()
	ctx := context.Background()
	yes := true
	if _, err := app.New(h.st, app.Options{}).Catalog.UpdateProduct(ctx, h.admin, 1, listing.ProductUpdate{RequiresApproval: &yes}); err != nil {
		t.Fatal(err)
	}
	if res := h.signIn(customer).post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {"1"}, "nonce": {nonce},
		"cfg.company_subdomain": {"adatum-" + nonce}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", res.StatusCode)
	}
	subs, _, err := h.st.ListSubscriptions(ctx, h.admin, store.SubscriptionFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	sub := subs[len(subs)-1]
	if sub.Status != subscription.RequiresApproval {
		t.Fatalf("the order is %s, not awaiting approval", sub.Status)
	}
	return sub.ID
}

// The operator approves an order that needs approval, fails and retries
// its provisioning, suspends and resumes it, and rejects another; each
// page offers only the steps its status allows, and nobody else gets
// them.
func TestOperatorLifecycleSteps(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.signIn(admin)
	id := orderNeedingApproval(t, h, "ops1")
	path := "/subscriptions/" + itoa(id)
	offers := func(want ...subscription.Action) {
		t.Helper()
		body := op.get(path).Body
		for _, a := range []subscription.Action{subscription.ActionApprove, subscription.ActionReject, subscription.ActionRetry,
			subscription.ActionFail, subscription.ActionSuspend, subscription.ActionResume} {
			has := strings.Contains(body, `id="op-`+string(a)+`"`)
			wanted := false
			for _, w := range want {
				wanted = wanted || w == a
			}
			if has != wanted {
				t.Errorf("%s: offers %s = %v, want %v", path, a, has, wanted)
			}
		}
	}
	step := func(a subscription.Action, want subscription.Status) {
		t.Helper()
		res := op.post(path+"/operations", url.Values{"action": {string(a)}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", a, res.StatusCode)
		}
		sub, err := h.st.Subscription(ctx, h.admin, id)
		if err != nil || sub.Status != want {
			t.Fatalf("after %s: %s (%v), want %s", a, sub.Status, err, want)
		}
	}
	offers(subscription.ActionApprove, subscription.ActionReject)
	// A customer cannot approve its own order.
	c := h.signIn(customer)
	if body := c.get(path).Body; strings.Contains(body, `id="operations"`) {
		t.Errorf("the customer is offered the operator's steps")
	}
	c.post(path+"/operations", url.Values{"action": {"approve"}})
	if sub, _ := h.st.Subscription(ctx, h.admin, id); sub.Status != subscription.RequiresApproval {
		t.Fatalf("the customer approved its order: %s", sub.Status)
	}
	// A step that is not the operator's, or none, changes nothing.
	for _, a := range []string{"deploy", "", "terminate"} {
		op.post(path+"/operations", url.Values{"action": {a}})
		if sub, _ := h.st.Subscription(ctx, h.admin, id); sub.Status != subscription.RequiresApproval {
			t.Fatalf("%q moved it to %s", a, sub.Status)
		}
	}

	step(subscription.ActionApprove, subscription.Pending)
	offers(subscription.ActionFail)
	step(subscription.ActionFail, subscription.Failed)
	offers(subscription.ActionRetry)
	step(subscription.ActionRetry, subscription.Pending)
	if _, err := app.Lifecycle(h.st).SetStatus(ctx, h.admin, id, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	offers(subscription.ActionSuspend)
	step(subscription.ActionSuspend, subscription.Stopped)
	offers(subscription.ActionResume)
	step(subscription.ActionResume, subscription.Deployed)

	// A rejection takes the reason the customer reads: none, or one too
	// long, is refused beside the field (as typed) and changes nothing.
	other := orderNeedingApproval(t, h, "ops2")
	otherPath := "/subscriptions/" + itoa(other)
	for _, bad := range []string{"", "   ", strings.Repeat("é", subscription.MaxRejectionReason+1)} {
		res := op.post(otherPath+"/operations", url.Values{"action": {"reject"}, "reason": {bad}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="reject-error"`) || !strings.Contains(res.Body, `aria-describedby="reject-error"`) ||
			(bad != "" && !strings.Contains(res.Body, bad)) {
			t.Fatalf("reject with reason %q: %d\n%s", bad, res.StatusCode, res.Body)
		}
		if sub, _ := h.st.Subscription(ctx, h.admin, other); sub.Status != subscription.RequiresApproval || sub.RejectionReason != "" {
			t.Fatalf("a refused rejection moved it to %s (%q)", sub.Status, sub.RejectionReason)
		}
	}
	reason := "Your company is not eligible for this product in your country."
	if res := op.post(otherPath+"/operations", url.Values{"action": {"reject"}, "reason": {"  " + reason + " "}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %d", res.StatusCode)
	}
	if sub, _ := h.st.Subscription(ctx, h.admin, other); sub.Status != subscription.Undeployed || sub.RejectionReason != reason {
		t.Fatalf("rejected order is %s with reason %q", sub.Status, sub.RejectionReason)
	}
	// The customer reads why on its subscription's page, in its language.
	if body := c.get(otherPath).Body; !strings.Contains(body, `id="rejected"`) || !strings.Contains(body, reason) || !strings.Contains(visibleText(body), "The marketplace's operator rejected this order:") {
		t.Fatalf("the customer's page lacks the reason:\n%s", body)
	}
	c.post("/language", url.Values{"lang": {"it"}, "next": {"/profile"}})
	if body := c.get(otherPath).Body; !strings.Contains(visibleText(body), "L'operatore del marketplace ha rifiutato questo ordine:") || !strings.Contains(body, reason) {
		t.Fatalf("the customer's page in Italian lacks the reason:\n%s", body)
	}
}
