package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store"
)

// TestCheckoutAcceptsThePublisherTerms: an Azure Marketplace VM offer's
// checkout shows the publisher's terms (links and summary) and a checkbox,
// in English and Italian; an order without the box ticked comes back with
// the error beside it and nothing placed; ticked, the order is placed and
// the acceptance recorded with it.
func TestCheckoutAcceptsThePublisherTerms(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	vms, _, err := h.st.ListProducts(ctx, h.admin, catalog.ProductFilter{Type: catalog.TypeAzureMarketplaceVM}, store.Page{Limit: 10})
	if err != nil || len(vms) == 0 {
		t.Fatalf("the demo's VM offer: %v", err)
	}
	vm := vms[0]
	terms, ok := vm.Terms()
	if !ok || len(terms.Links()) != 3 {
		t.Fatalf("the demo's VM offer has no terms: %+v", vm.Metadata)
	}
	plans, _, err := h.st.ListPlans(ctx, h.admin, vm.ID, nil, store.Page{Limit: 10})
	if err != nil || len(plans) == 0 {
		t.Fatalf("plans: %v", err)
	}
	page := "/products/" + itoa(vm.ID)
	c := h.signIn(customer)
	res := c.get(page)
	for _, want := range []string{`name="accept_terms"`, `href="` + terms.LicenseLink + `"`, `href="` + terms.PrivacyLink + `"`,
		`href="` + terms.MarketplaceLink + `"`, "Publisher&#39;s terms", "I accept the publisher&#39;s terms"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("checkout lacks %s", want)
		}
	}
	if !strings.Contains(visibleText(res.Body), terms.Summary) {
		t.Error("checkout lacks the terms' summary")
	}

	form := url.Values{"plan_id": {itoa(plans[0].ID)}, "quantity": {"1"}, "nonce": {"terms-1"}, "cfg.global_prefix": {"ubuntuweb"}}
	before, _, _ := h.st.ListOrders(ctx, h.admin, store.OrderFilter{}, store.Page{})
	res = c.post(page+"/order", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Accept the publisher&#39;s terms to place the order.") ||
		!strings.Contains(res.Body, `aria-describedby="accept_terms-err"`) {
		t.Fatalf("order without the terms: %d\n%s", res.StatusCode, visibleText(res.Body))
	}
	if after, _, _ := h.st.ListOrders(ctx, h.admin, store.OrderFilter{}, store.Page{}); len(after) != len(before) {
		t.Fatalf("an order without the terms was placed")
	}
	form.Set("accept_terms", "on")
	form.Set("nonce", "terms-2")
	res = c.post(page+"/order", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/subscriptions/") {
		t.Fatalf("order with the terms: %d\n%s", res.StatusCode, visibleText(res.Body))
	}
	subPage := res.Header.Get("Location")
	// Who accepted, when, which terms: on the subscription for everyone
	// who sees it (the thank-you note is in English, read here).
	if body := visibleText(c.get(subPage).Body); !strings.Contains(body, "Accepted at checkout on") || !strings.Contains(body, "version "+terms.Version()) {
		t.Errorf("the subscription does not show the acceptance:\n%s", body)
	}
	if body := visibleText(h.signIn(vendor).get(subPage).Body); !strings.Contains(body, "Accepted at checkout on") {
		t.Errorf("the vendor does not see the acceptance:\n%s", body)
	}
	after, _, _ := h.st.ListOrders(ctx, h.admin, store.OrderFilter{}, store.Page{})
	if len(after) != len(before)+1 {
		t.Fatalf("orders %d then %d", len(before), len(after))
	}
	o := after[len(after)-1]
	u, err := h.st.UserByEmail(ctx, customer)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Ordering(h.st).TermsAcceptance(ctx, h.admin, o.SubscriptionID)
	if err != nil || a == nil || a.UserID != u.ID || a.OrganizationID != u.OrganizationID || a.Version != terms.Version() {
		t.Fatalf("acceptance %+v %v", a, err)
	}

	// In Italian: the terms' words are Italian, none of the catalogue's
	// English is left (the links and the vendor's summary are data).
	if res := c.post("/language", url.Values{"lang": {"it"}, "next": {"/profile"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switch to Italian: %d", res.StatusCode)
	}
	text := visibleText(c.get(page).Body)
	for _, want := range []string{"Condizioni dell'editore", "Accetto le condizioni dell'editore", "Condizioni di licenza", "Informativa sulla privacy"} {
		if !strings.Contains(text, want) {
			t.Errorf("Italian checkout lacks %q", want)
		}
	}
	for _, en := range englishSentences(t) {
		if strings.Contains(text, en) {
			t.Errorf("Italian checkout: English left: %q", en)
		}
	}
	if body := visibleText(c.get(subPage).Body); !strings.Contains(body, "Accettate al checkout il") {
		t.Errorf("the acceptance in Italian:\n%s", body)
	}
	form.Set("nonce", "terms-3")
	form.Del("accept_terms")
	if res := c.post(page+"/order", form); !strings.Contains(visibleText(res.Body), "Accetta le condizioni dell'editore per effettuare l'ordine.") {
		t.Errorf("the refusal in Italian:\n%s", visibleText(res.Body))
	}
}
