package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Cases of accounts (organizations, users, tokens) in storeCases.

func testBootstrap(t *testing.T, st *store.Store, w *storetest.World) {
	p, err := st.Bootstrap(ctx, "another-bootstrap-token-value")
	if err != nil {
		t.Fatal(err)
	}
	if p.OrgID != w.Platform.Principal.OrgID || p.UserID != w.Platform.Principal.UserID {
		t.Fatalf("bootstrap made a second platform admin: %+v vs %+v", p, w.Platform.Principal)
	}
	for _, tok := range []string{"another-bootstrap-token-value", w.Platform.Token} {
		got, err := st.Authenticate(ctx, tok)
		if err != nil || got != p {
			t.Fatalf("token %q: %+v %v", tok, got, err)
		}
	}
	if _, err := st.Bootstrap(ctx, "another-bootstrap-token-value"); err != nil {
		t.Fatal(err)
	}
	toks, _ := st.ListTokens(ctx, p)
	if len(toks) != 2 {
		t.Fatalf("bootstrap tokens = %d, want 2", len(toks))
	}
}

func testHierarchy(t *testing.T, st *store.Store, w *storetest.World) {
	admin := w.Platform.Principal
	for _, c := range []struct {
		name   string
		by     mercato.Principal
		org    mercato.Organization
		code   string
		parent int64
	}{
		{"customer under a distributor", admin, mercato.Organization{Kind: mercato.KindCustomer, Name: "x", ParentID: &w.D1.Org.ID}, mercato.EINVALID, 0},
		{"reseller under a reseller", admin, mercato.Organization{Kind: mercato.KindReseller, Name: "x", ParentID: &w.R1.Org.ID}, mercato.EINVALID, 0},
		{"second platform", admin, mercato.Organization{Kind: mercato.KindPlatform, Name: "x"}, mercato.EINVALID, 0},
		{"customer creates a customer", w.C1.Principal, mercato.Organization{Kind: mercato.KindCustomer, Name: "x"}, mercato.EFORBIDDEN, 0},
		{"reseller creates a vendor", w.R1.Principal, mercato.Organization{Kind: mercato.KindVendor, Name: "x"}, mercato.EFORBIDDEN, 0},
		{"reseller creates under another reseller", w.R1.Principal, mercato.Organization{Kind: mercato.KindCustomer, Name: "x", ParentID: &w.R2.Org.ID}, mercato.EINVALID, 0},
		{"reseller creates its customer", w.R1.Principal, mercato.Organization{Kind: mercato.KindCustomer, Name: "new customer"}, "", w.R1.Org.ID},
		{"distributor creates its reseller", w.D1.Principal, mercato.Organization{Kind: mercato.KindReseller, Name: "new reseller"}, "", w.D1.Org.ID},
		{"customer directly under the platform", admin, mercato.Organization{Kind: mercato.KindCustomer, Name: "direct"}, "", 0},
		{"bad fee", admin, mercato.Organization{Kind: mercato.KindVendor, Name: "x", FeePercent: "120"}, mercato.EINVALID, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := storetest.Counts(t, st)
			o, err := st.CreateOrganization(ctx, c.by, c.org)
			mustCode(t, err, c.code)
			if c.code != "" {
				if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Fatalf("rows changed: %v -> %v", before, after)
				}
				return
			}
			if (o.ParentID == nil) != (c.parent == 0) || (o.ParentID != nil && *o.ParentID != c.parent) {
				t.Fatalf("parent = %v, want %d", o.ParentID, c.parent)
			}
		})
	}
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

func orgIDs(orgs ...storetest.Tenant) []int64 {
	out := []int64{}
	for _, o := range orgs {
		out = append(out, o.Org.ID)
	}
	slices.Sort(out)
	return out
}

func testOrgVisibility(t *testing.T, st *store.Store, w *storetest.World) {
	for name, want := range map[string][]int64{
		"d1":      orgIDs(w.D1, w.R1, w.C1, w.C1b),
		"r1":      orgIDs(w.R1, w.C1, w.C1b),
		"c1":      orgIDs(w.C1),
		"vendorA": orgIDs(w.VendorA),
		"r2":      orgIDs(w.R2, w.C2),
	} {
		orgs, _, err := st.ListOrganizations(ctx, w.Tenants()[name].Principal, store.OrganizationFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(orgs, func(o mercato.Organization) int64 { return o.ID }); !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", name, got, want)
		}
	}
	_, err := st.Organization(ctx, w.C2.Principal, w.C1.Org.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	_, err = st.UpdateOrganization(ctx, w.R2.Principal, w.C1.Org.ID, store.OrganizationUpdate{Name: new("stolen")})
	mustCode(t, err, mercato.ENOTFOUND)
	o, err := st.UpdateOrganization(ctx, w.R1.Principal, w.C1.Org.ID, store.OrganizationUpdate{Name: new("C1 renamed")})
	if err != nil || o.Name != "C1 renamed" {
		t.Fatalf("reseller renames its customer: %+v %v", o, err)
	}
	_, err = st.UpdateOrganization(ctx, w.R1.Principal, w.C1.Org.ID, store.OrganizationUpdate{OnAccount: new(true)})
	mustCode(t, err, mercato.EFORBIDDEN)
}

func testPagination(t *testing.T, st *store.Store, w *storetest.World) {
	admin := w.Platform.Principal
	var all []int64
	var after int64
	for pages := 0; ; pages++ {
		orgs, next, err := st.ListOrganizations(ctx, admin, store.OrganizationFilter{}, store.Page{After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) > 3 {
			t.Fatalf("page of %d", len(orgs))
		}
		all = append(all, ids(orgs, func(o mercato.Organization) int64 { return o.ID })...)
		if next == 0 {
			break
		}
		after = next
	}
	if len(all) != 10 || !slices.IsSorted(all) || slices.Compact(slices.Clone(all))[len(all)-1] != all[len(all)-1] {
		t.Fatalf("paged ids %v, want 10 distinct in order", all)
	}
	customers, _, _ := st.ListOrganizations(ctx, admin, store.OrganizationFilter{Kind: mercato.KindCustomer}, store.Page{})
	if len(customers) != 3 {
		t.Fatalf("customers = %d, want 3", len(customers))
	}
}

func testTokens(t *testing.T, st *store.Store, w *storetest.World) {
	tok, secret, err := st.CreateToken(ctx, w.C1.Principal, 0, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "mct_") || len(secret) < 40 || tok.Prefix != secret[:8] {
		t.Fatalf("secret %q prefix %q", secret, tok.Prefix)
	}
	var n int
	if err := st.DB().QueryRow("SELECT COUNT(*) FROM api_tokens WHERE hash = $1 OR prefix = $1", secret).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the secret is stored as it is (%d rows, %v)", n, err)
	}
	p, err := st.Authenticate(ctx, secret)
	if err != nil || p != w.C1.Principal {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	_, _, err = st.CreateToken(ctx, w.C2.Principal, w.C1.User.ID, "steal")
	mustCode(t, err, mercato.ENOTFOUND)
	mustCode(t, st.DeleteToken(ctx, w.C2.Principal, tok.ID), mercato.ENOTFOUND)
	if err := st.DeleteToken(ctx, w.C1.Principal, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.Authenticate(ctx, secret)
	mustCode(t, err, mercato.EUNAUTHORIZED)
	// Deleting a user revokes its tokens and reports a User DELETED event.
	if err := st.DeleteUser(ctx, w.R1.Principal, w.C1.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.Authenticate(ctx, w.C1.Token)
	mustCode(t, err, mercato.EUNAUTHORIZED)
	evs, _, _ := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: subscription.EntityUser, EntityID: w.C1.User.ID}, store.Page{})
	if len(evs) != 2 || evs[0].Type != subscription.EventCreated || evs[1].Type != subscription.EventDeleted {
		t.Fatalf("user events %+v", evs)
	}
}
