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

// The operator creates a customer under a reseller with its admin
// invited, is shown each bad field beside it with nothing written, and
// edits an organization; nobody else reaches these pages.
func TestOperatorOrganizations(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.signIn(admin)
	page := op.get("/admin/organizations")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "Fabrikam Reseller") || !strings.Contains(page.Body, `id="new-organization"`) {
		t.Fatalf("organizations: %d\n%s", page.StatusCode, page.Body)
	}
	byName := func(prefix string) []mercato.Organization {
		all, _, err := h.st.ListOrganizations(ctx, h.admin, mercato.OrganizationFilter{}, store.Page{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var out []mercato.Organization
		for _, o := range all {
			if strings.HasPrefix(o.Name, prefix) {
				out = append(out, o)
			}
		}
		return out
	}
	orgs := byName("Fabrikam")
	if len(orgs) != 1 {
		t.Fatalf("the demo's reseller: %v", orgs)
	}
	fabrikam := itoa(orgs[0].ID)

	// Bad fields come back beside their inputs, as typed; nothing is written.
	storetest.Unchanged(t, h.st, func() {
		res := op.post("/admin/organizations", url.Values{"kind": {"customer"}, "parent_id": {fabrikam}, "name": {"Woodgrove"},
			"country": {"italy"}, "currency": {"EUR"}, "admin_email": {"not-an-address"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="country-err"`) ||
			!strings.Contains(res.Body, `id="admin_email-err"`) || !strings.Contains(res.Body, `value="Woodgrove"`) {
			t.Fatalf("bad organization: %d\n%s", res.StatusCode, res.Body)
		}
	})

	res := op.post("/admin/organizations", url.Values{"kind": {"customer"}, "parent_id": {fabrikam}, "name": {"Woodgrove Bank"},
		"country": {"IT"}, "currency": {"EUR"}, "email": {"billing@woodgrove.example"}, "admin_email": {"Admin@Woodgrove.example"},
		"admin_name": {"Woodgrove admin"}, "admin_language": {"it"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/organizations/") {
		t.Fatalf("create: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	at := res.Header.Get("Location")
	created := byName("Woodgrove")
	if len(created) != 1 || created[0].ParentID == nil || itoa(*created[0].ParentID) != fabrikam || created[0].Kind != mercato.KindCustomer {
		t.Fatalf("created %+v", created)
	}
	users, _, _ := h.st.ListUsers(ctx, h.admin, created[0].ID, store.Page{Limit: 10})
	if len(users) != 1 || users[0].Email != "admin@woodgrove.example" || users[0].Role != mercato.RoleAdmin || !users[0].Invited || users[0].Language != "it" {
		t.Fatalf("its admin: %+v", users)
	}
	if page := op.get(at); !strings.Contains(page.Body, "Woodgrove Bank") || !strings.Contains(page.Body, "invitation is on its way to admin@woodgrove.example") {
		t.Fatalf("the new organization's page:\n%s", page.Body)
	}

	// Editing: a bad e-mail is shown beside its field; a good one is saved.
	storetest.Unchanged(t, h.st, func() {
		res := op.post(at, url.Values{"name": {"Woodgrove Bank"}, "country": {"IT"}, "currency": {"EUR"}, "email": {"nope"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="email-err"`) || !strings.Contains(res.Body, `value="nope"`) {
			t.Fatalf("bad edit: %d\n%s", res.StatusCode, res.Body)
		}
	})
	if res := op.post(at, url.Values{"name": {"Woodgrove Bank S.p.A."}, "country": {"IT"}, "currency": {"EUR"}, "email": {"ap@woodgrove.example"}, "city": {"Milano"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", res.StatusCode, res.Body)
	}
	if o, err := h.st.Organization(ctx, h.admin, created[0].ID); err != nil || o.Name != "Woodgrove Bank S.p.A." || o.Email != "ap@woodgrove.example" || o.Address.City != "Milano" {
		t.Fatalf("edited %+v %v", o, err)
	}

	for _, who := range []string{customer, reseller, vendor} {
		c := h.signIn(who)
		if res := c.get("/admin/organizations"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s reads the organizations page: %d", who, res.StatusCode)
		}
		storetest.Unchanged(t, h.st, func() {
			c.post("/admin/organizations", url.Values{"kind": {"customer"}, "name": {"Sneaky"}, "currency": {"EUR"}})
		})
	}
}
