package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// orgsNamed are the organizations whose name begins with prefix.
func (h *harness) orgsNamed(prefix string) []mercato.Organization {
	h.t.Helper()
	all, _, err := h.st.ListOrganizations(context.Background(), h.admin, mercato.OrganizationFilter{}, store.Page{Limit: 500})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []mercato.Organization
	for _, o := range all {
		if strings.HasPrefix(o.Name, prefix) {
			out = append(out, o)
		}
	}
	return out
}

// A reseller creates a customer under itself with its first admin invited
// (the operator's form and flow, without the operator's terms), a
// distributor a reseller; bad fields come back beside their inputs with
// nothing written; nobody else creates here.
func TestChannelOnboarding(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	fabrikam := h.orgsNamed("Fabrikam")[0]
	r := h.signIn(reseller)
	page := r.get("/channel/organizations")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `id="new-organization"`) || !strings.Contains(page.Body, "New customer") ||
		strings.Contains(page.Body, `name="fee_percent"`) || strings.Contains(page.Body, `name="on_account"`) || strings.Contains(page.Body, `name="parent_id"`) {
		t.Fatalf("the reseller's customers: %d\n%s", page.StatusCode, page.Body)
	}

	storetest.Unchanged(t, h.st, func() {
		res := r.post("/channel/organizations", url.Values{"name": {"Woodgrove"}, "country": {"italy"}, "currency": {"EUR"}, "vat_id": {"IT1234"}, "admin_email": {"not-an-address"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="country-err"`) || !strings.Contains(res.Body, `id="admin_email-err"`) ||
			!strings.Contains(res.Body, `value="Woodgrove"`) || !strings.Contains(res.Body, `value="not-an-address"`) {
			t.Fatalf("bad customer: %d\n%s", res.StatusCode, res.Body)
		}
		// The service's own checks (a currency Mercato does not bill in)
		// come back beside their fields too.
		res = r.post("/channel/organizations", url.Values{"name": {"Woodgrove"}, "currency": {"XXX"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="currency-err"`) {
			t.Fatalf("unknown currency: %d\n%s", res.StatusCode, res.Body)
		}
	})

	// The operator's terms are not the reseller's to set: sent anyway, they are not taken.
	res := r.post("/channel/organizations", url.Values{"name": {"Woodgrove Bank"}, "country": {"IT"}, "currency": {"EUR"}, "vat_id": {"IT00743110157"},
		"address_line": {"Via Roma 1"}, "city": {"Milano"}, "postal_code": {"20121"}, "kind": {"vendor"}, "parent_id": {"1"}, "on_account": {"on"}, "fee_percent": {"0"},
		"admin_email": {"Admin@Woodgrove.example"}, "admin_name": {"Woodgrove admin"}, "admin_language": {"it"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/channel/organizations" {
		t.Fatalf("create: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	created := h.orgsNamed("Woodgrove")
	if len(created) != 1 || created[0].Kind != mercato.KindCustomer || created[0].ParentID == nil || *created[0].ParentID != fabrikam.ID ||
		created[0].OnAccount || created[0].FeePercent != "" || created[0].VATID != "IT00743110157" || created[0].Address.City != "Milano" {
		t.Fatalf("created %+v", created)
	}
	users, _, _ := h.st.ListUsers(ctx, h.admin, created[0].ID, store.Page{Limit: 10})
	if len(users) != 1 || users[0].Email != "admin@woodgrove.example" || users[0].Role != mercato.RoleAdmin || !users[0].Invited || users[0].Language != "it" {
		t.Fatalf("its admin: %+v", users)
	}
	page = r.get("/channel/organizations")
	if !strings.Contains(page.Body, "invitation is on its way to admin@woodgrove.example") || !strings.Contains(page.Body, `href="/catalog?for=`+itoa(created[0].ID)+`"`) {
		t.Fatalf("the list after:\n%s", page.Body)
	}

	d := h.signIn(distributor)
	if page := d.get("/channel/organizations"); !strings.Contains(page.Body, "New reseller") {
		t.Fatalf("the distributor's page:\n%s", page.Body)
	}
	if res := d.post("/channel/organizations", url.Values{"name": {"Litware Resale"}, "currency": {"EUR"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("distributor creates: %d\n%s", res.StatusCode, res.Body)
	}
	northwind := h.orgsNamed("Northwind")[0]
	if made := h.orgsNamed("Litware Resale"); len(made) != 1 || made[0].Kind != mercato.KindReseller || *made[0].ParentID != northwind.ID {
		t.Fatalf("the distributor's reseller: %+v", made)
	}

	for _, who := range []string{customer, vendor} {
		c := h.signIn(who)
		storetest.Unchanged(t, h.st, func() {
			if res := c.post("/channel/organizations", url.Values{"name": {"Sneaky"}, "currency": {"EUR"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s creates: %d", who, res.StatusCode)
			}
		})
	}
}

// A reseller orders for its customer through the customer's checkout: the
// customer's price, "for" its name, the order and subscription the
// customer's, the audit log naming the reseller's user; another channel's
// customer is not found, and nothing is written.
func TestOrderForACustomer(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	adatum := itoa(h.adatumSubscription().CustomerID)
	r := h.signIn(reseller)

	cat := r.get("/catalog?for=" + adatum)
	if cat.StatusCode != http.StatusOK || !strings.Contains(cat.Body, "Catalog for Adatum Corporation") || !strings.Contains(cat.Body, `href="/products/1?for=`+adatum+`"`) {
		t.Fatalf("catalog for a customer: %d\n%s", cat.StatusCode, cat.Body)
	}
	prod := r.get("/products/1?for=" + adatum)
	if prod.StatusCode != http.StatusOK || !strings.Contains(prod.Body, "Buy for Adatum Corporation") || !strings.Contains(prod.Body, `name="for" value="`+adatum+`"`) {
		t.Fatalf("checkout for a customer: %d\n%s", prod.StatusCode, prod.Body)
	}
	// The price is the customer's (the reseller's 15% on top of what it buys at).
	sell := h.signIn(customer).get("/products/1/price?plan_id=1&quantity=3").Body
	onBehalf := r.get("/products/1/price?plan_id=1&quantity=3&for=" + adatum).Body
	own := r.get("/products/1/price?plan_id=1&quantity=3").Body
	if visibleText(onBehalf) != visibleText(sell) || visibleText(own) == visibleText(sell) {
		t.Fatalf("price for the customer %q, the customer sees %q, the reseller buys at %q", visibleText(onBehalf), visibleText(sell), visibleText(own))
	}

	form := url.Values{"for": {adatum}, "plan_id": {"2"}, "quantity": {"4"}, "nonce": {"r1"}, "cfg.company_subdomain": {"adatum-hr"}}
	res := r.post("/products/1/order", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/subscriptions/") {
		t.Fatalf("order: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	orders, _, _ := h.st.ListOrders(ctx, h.admin, store.OrderFilter{}, store.Page{Limit: 500})
	o := orders[len(orders)-1]
	if itoa(o.CustomerID) != adatum || o.Quantity != 4 || "/subscriptions/"+itoa(o.SubscriptionID) != res.Header.Get("Location") {
		t.Fatalf("order %+v", o)
	}
	sub, err := h.st.Subscription(ctx, h.admin, o.SubscriptionID)
	if err != nil || itoa(sub.CustomerID) != adatum {
		t.Fatalf("subscription %+v %v", sub, err)
	}
	entries, _, _ := h.st.ListAudit(ctx, h.admin, mercato.AuditFilter{Entity: "order", EntityID: o.ID}, store.Page{Limit: 10})
	rp, _ := h.st.Authenticate(ctx, "mct_demo_reseller_fabrikam")
	if len(entries) != 1 || entries[0].Action != "order.place" || entries[0].ActorUserID != rp.UserID || entries[0].ActorOrgID != rp.OrgID {
		t.Fatalf("audit %+v, want the reseller's user %d", entries, rp.UserID)
	}
	if page := r.get(res.Header.Get("Location")); !strings.Contains(page.Body, "The order for Adatum Corporation is placed") {
		t.Fatalf("after the order:\n%s", page.Body)
	}
	// The customer sees it as its own.
	if page := h.signIn(customer).get(res.Header.Get("Location")); page.StatusCode != http.StatusOK {
		t.Fatalf("the customer's subscription page: %d", page.StatusCode)
	}

	// Bad configuration: the customer's checkout, for the customer, with the errors.
	storetest.Unchanged(t, h.st, func() {
		bad := url.Values{"for": {adatum}, "plan_id": {"2"}, "quantity": {"4"}, "nonce": {"r2"}, "cfg.company_subdomain": {"Not Valid!"}}
		if res := r.post("/products/1/order", bad); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "must match") ||
			!strings.Contains(res.Body, "Buy for Adatum Corporation") {
			t.Fatalf("bad configuration: %d\n%s", res.StatusCode, res.Body)
		}
	})

	// Another channel's customer: not found, nothing written.
	acc := storetest.Accounts(h.st)
	other, err := acc.CreateOrganization(ctx, h.admin, mercato.Organization{Kind: mercato.KindReseller, Name: "Other Reseller", Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := acc.CreateOrganization(ctx, h.admin, mercato.Organization{Kind: mercato.KindCustomer, Name: "Foreign Customer", Currency: "EUR", ParentID: &other.ID, OnAccount: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/catalog?for=" + itoa(foreign.ID), "/products/1?for=" + itoa(foreign.ID), "/products/1/price?plan_id=1&quantity=3&for=" + itoa(foreign.ID), "/catalog?for=" + itoa(other.ID)} {
		if res := r.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	for who, target := range map[string]string{reseller: itoa(foreign.ID), customer: itoa(foreign.ID), vendor: adatum} {
		c := h.signIn(who)
		storetest.Unchanged(t, h.st, func() {
			res := c.post("/products/1/order", url.Values{"for": {target}, "plan_id": {"2"}, "quantity": {"4"}, "nonce": {"x-" + who}, "cfg.company_subdomain": {"stolen"}})
			if res.StatusCode == http.StatusSeeOther {
				t.Errorf("%s ordered for %s", who, target)
			}
		})
	}
}
