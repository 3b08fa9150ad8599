package partnercenter_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/entra"
	pcemu "github.com/mercato-market/mercato/internal/emulator/partnercenter"
	"github.com/mercato-market/mercato/internal/partnercenter"
	"github.com/shopspring/decimal"
)

// TestErrorCodeStringOrNumber: Microsoft's own examples write the error
// code as a string and as a number; both are read, with data and source.
func TestErrorCodeStringOrNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, code string }{
		{`{"code": "600008", "description": "The customer was not found.", "data": [{"field": "id"}], "source": "PartnerFD"}`, "600008"},
		{`{"code": 2000, "description": "The customer was not found.", "data": [{"field": "id"}], "source": "PartnerFD"}`, "2000"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/customers/x" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token": "t", "expires_in": 3600}`))
				return
			}
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(tc.body))
		}))
		c, err := partnercenter.New(partnercenter.Config{BaseURL: srv.URL, LoginURL: srv.URL, TenantID: "t", ClientID: "c", ClientSecret: "s"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetCustomer(context.Background(), "x")
		srv.Close()
		var pe *partnercenter.Error
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Source != "PartnerFD" || len(pe.Data) != 1 || pe.Description != "The customer was not found." {
			t.Fatalf("%s: %+v", tc.body, err)
		}
	}
}

// TestCustomerResources: the customer's users and its admin, subscribed
// SKUs, legacy upgrades and new-commerce transitions.
func TestCustomerResources(t *testing.T) {
	t.Parallel()
	r := newRig(t, entra.DemoClientSecret)
	ctx := context.Background()
	cu := newCustomer(t, r, "resources.onmicrosoft.com")

	admins, err := r.client.RoleMembers(ctx, cu.ID, partnercenter.CompanyAdministratorRole)
	if err != nil || len(admins) != 1 || admins[0].UserPrincipalName != "admin@resources.onmicrosoft.com" {
		t.Fatalf("the tenant's first admin: %+v %v", admins, err)
	}
	u, err := r.client.CreateUser(ctx, cu.ID, partnercenter.CustomerUser{UsageLocation: "IT", UserPrincipalName: "giulia@resources.onmicrosoft.com",
		FirstName: "Giulia", LastName: "Bianchi", DisplayName: "Giulia Bianchi"}, "Fresh-Passw0rd!")
	if err != nil || u.ID == "" {
		t.Fatalf("create user: %+v %v", u, err)
	}
	if _, err := r.client.CreateUser(ctx, cu.ID, partnercenter.CustomerUser{UsageLocation: "IT", UserPrincipalName: "x@elsewhere.example", DisplayName: "X"}, "Fresh-Passw0rd!"); err == nil {
		t.Fatal("a user outside the customer's domain was created")
	}
	if err := r.client.AddRoleMember(ctx, cu.ID, partnercenter.CompanyAdministratorRole, u); err != nil {
		t.Fatal(err)
	}
	if admins, _ = r.client.RoleMembers(ctx, cu.ID, partnercenter.CompanyAdministratorRole); len(admins) != 2 {
		t.Fatalf("admins %+v", admins)
	}
	if users, err := r.client.Users(ctx, cu.ID); err != nil || len(users) != 2 {
		t.Fatalf("users %+v %v", users, err)
	}

	// A legacy subscription: licences, then an upgrade to another offer.
	o, err := r.client.CreateOrder(ctx, cu.ID, partnercenter.Order{BillingCycle: "monthly", LineItems: []partnercenter.OrderLineItem{{OfferID: pcemu.LegacyBusinessBasicOffer, Quantity: 6}}})
	if err != nil {
		t.Fatal(err)
	}
	legacy := provisioned(t, r, cu.ID, o).LineItems[0].SubscriptionID
	skus, err := r.client.SubscribedSKUs(ctx, cu.ID)
	if err != nil || len(skus) != 1 || skus[0].ActiveUnits != 6 || skus[0].TotalUnits != 6 {
		t.Fatalf("subscribed SKUs %+v %v", skus, err)
	}
	ups, err := r.client.Upgrades(ctx, cu.ID, legacy)
	if err != nil || len(ups) != 1 || !ups[0].IsEligible {
		t.Fatalf("upgrades %+v %v", ups, err)
	}
	res, err := r.client.ApplyUpgrade(ctx, cu.ID, legacy, ups[0])
	if err != nil || res.TargetSubscriptionID == "" || res.SourceSubscriptionID != legacy {
		t.Fatalf("upgrade %+v %v", res, err)
	}
	if src, _ := r.client.GetSubscription(ctx, cu.ID, legacy); src.Status != "suspended" {
		t.Fatalf("the upgraded subscription is %s", src.Status)
	}

	// A new-commerce subscription moves 2 of its 5 seats to Business
	// Standard, with their licences.
	nc := checkout(t, r, cu.ID, pcemu.BusinessBasicProduct, 5)
	els, err := r.client.TransitionEligibilities(ctx, cu.ID, nc)
	if err != nil || len(els) != 1 || len(els[0].Eligibilities) != 2 || !els[0].Eligibilities[0].IsEligible {
		t.Fatalf("eligibilities %+v %v", els, err)
	}
	tr, err := r.client.CreateTransition(ctx, cu.ID, nc, partnercenter.Transition{ToCatalogItemID: els[0].CatalogItemID, Quantity: 2, TransitionType: "transition_with_license_transfer"})
	if err != nil || tr.Status != "complete" || tr.ToSubscriptionID == "" || tr.FromSubscriptionID != nc {
		t.Fatalf("transition %+v %v", tr, err)
	}
	if src, _ := r.client.GetSubscription(ctx, cu.ID, nc); src.Quantity != 3 {
		t.Fatalf("source keeps %d seats, want 3", src.Quantity)
	}
	if to, _ := r.client.GetSubscription(ctx, cu.ID, tr.ToSubscriptionID); to.Quantity != 2 {
		t.Fatalf("target has %d seats, want 2", to.Quantity)
	}
	if _, err := r.client.CreateTransition(ctx, cu.ID, nc, partnercenter.Transition{ToCatalogItemID: els[0].CatalogItemID, Quantity: 4, TransitionType: "transition_only"}); err == nil {
		t.Fatal("a transition of more seats than the subscription has was accepted")
	}
	if trs, _ := r.client.Transitions(ctx, cu.ID, nc); len(trs) != 1 {
		t.Fatalf("transitions %+v", trs)
	}
}

// checkout buys qty seats of product for a year, billed monthly, and
// returns the provisioned subscription.
func checkout(t *testing.T, r *rig, customerID, product string, qty int) string {
	t.Helper()
	ctx := context.Background()
	avs, err := r.client.Availabilities(ctx, product, "0001", "IT")
	if err != nil {
		t.Fatal(err)
	}
	cart, err := r.client.CreateCart(ctx, customerID, partnercenter.Cart{LineItems: []partnercenter.CartLineItem{{CatalogItemID: avs[0].CatalogItemID, Quantity: qty, BillingCycle: "monthly", TermDuration: "P1Y"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.client.Checkout(ctx, customerID, cart.ID)
	if err != nil || len(res.Orders) != 1 {
		t.Fatalf("checkout %+v %v", res, err)
	}
	return provisioned(t, r, customerID, res.Orders[0]).LineItems[0].SubscriptionID
}

// TestInvoiceReconciliation: new-commerce charges show as unbilled line
// items, then on the invoice, and add up to its total: what a partner
// matches with its own sales.
func TestInvoiceReconciliation(t *testing.T) {
	t.Parallel()
	r := newRig(t, entra.DemoClientSecret)
	ctx := context.Background()
	cu := newCustomer(t, r, "billed.onmicrosoft.com")
	basic := checkout(t, r, cu.ID, pcemu.BusinessBasicProduct, 4)       // 4 × 5.60
	standard := checkout(t, r, cu.ID, pcemu.BusinessStandardProduct, 2) // 2 × 11.70
	s, err := r.client.GetSubscription(ctx, cu.ID, basic)
	if err != nil {
		t.Fatal(err)
	}
	s.Quantity = 6 // 2 more × 5.60
	if _, err := r.client.UpdateSubscription(ctx, cu.ID, s); err != nil {
		t.Fatal(err)
	}
	unbilled, err := r.client.UnbilledLineItems(ctx, "EUR")
	if err != nil || len(unbilled) != 3 {
		t.Fatalf("unbilled %+v %v", unbilled, err)
	}
	want := map[string]string{basic + "/new": "22.4", standard + "/new": "23.4", basic + "/addQuantity": "11.2"}
	for _, l := range unbilled {
		if w, ok := want[l.SubscriptionID+"/"+l.ChargeType]; !ok || !l.Subtotal.Equal(decimal.RequireFromString(w)) || l.CustomerID != cu.ID || l.InvoiceNumber != "" {
			t.Fatalf("unbilled line %+v, want subtotal %s", l, w)
		}
	}
	inv := r.pc.IssueInvoice()
	if !inv.TotalCharges.Equal(decimal.RequireFromString("57")) {
		t.Fatalf("invoice total %s, want 57", inv.TotalCharges)
	}
	invs, err := r.client.Invoices(ctx)
	if err != nil || len(invs) != 1 || invs[0].ID != inv.ID || !invs[0].TotalCharges.Equal(inv.TotalCharges.Decimal) {
		t.Fatalf("invoices %+v %v", invs, err)
	}
	lines, err := r.client.InvoiceLineItems(ctx, inv.ID)
	sum := decimal.Zero
	for _, l := range lines {
		sum = sum.Add(l.TotalForCustomer)
		if l.InvoiceNumber != inv.ID || l.ChargeEndDate.Before(l.ChargeStartDate) {
			t.Fatalf("invoice line %+v", l)
		}
	}
	if err != nil || len(lines) != 3 || !sum.Equal(invs[0].TotalCharges) {
		t.Fatalf("invoice lines %d sum %s (total %s) %v", len(lines), sum, invs[0].TotalCharges, err)
	}
	if left, _ := r.client.UnbilledLineItems(ctx, "EUR"); len(left) != 0 {
		t.Fatalf("unbilled after the invoice: %+v", left)
	}
	// Cancelled within its window, the Business Standard subscription is
	// credited in full on the next invoice.
	r.shift.Store(int64(48 * time.Hour))
	r.em.SetTokenLifetime(72 * time.Hour)
	st, _ := r.client.GetSubscription(ctx, cu.ID, standard)
	st.Status = "deleted"
	if _, err := r.client.UpdateSubscription(ctx, cu.ID, st); err != nil {
		t.Fatal(err)
	}
	credit, err := r.client.UnbilledLineItems(ctx, "EUR")
	if err != nil || len(credit) != 1 || credit[0].ChargeType != "cancelImmediate" || !credit[0].Subtotal.Equal(decimal.RequireFromString("-23.4")) {
		t.Fatalf("credit %+v %v", credit, err)
	}
}
