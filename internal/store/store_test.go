package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// storeCases is the one table of storage cases; TestStore runs every case
// on every engine.
var storeCases = []struct {
	name string
	run  func(t *testing.T, st *store.Store, w *storetest.World)
}{
	{"migrations are idempotent and ready", testMigrations},
	{"bootstrap is idempotent", testBootstrap},
	{"channel hierarchy rules", testHierarchy},
	{"organization visibility", testOrgVisibility},
	{"cursor pagination", testPagination},
	{"tokens are stored hashed", testTokens},
	{"product visibility", testProductVisibility},
	{"plans write ProductVersion events", testPlanEvents},
}

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		for _, c := range storeCases {
			t.Run(c.name, func(t *testing.T) {
				// Each case gets a world of its own in a fresh database.
				st := st
				if c.name != storeCases[0].name {
					st = storetest.Open(t, st.Engine())
				}
				c.run(t, st, storetest.NewWorld(t, st))
			})
		}
	})
}

var ctx = context.Background()

func code(err error) string { return mercato.ErrorCode(err) }

func mustCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func testMigrations(t *testing.T, st *store.Store, _ *storetest.World) {
	n, err := st.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second migrate ran %d migrations, err %v", n, err)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
}

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

func testProductVisibility(t *testing.T, st *store.Store, w *storetest.World) {
	for name, want := range map[string][]int64{
		"vendorA":  {w.ProductA.ID, w.DraftA.ID, w.ProductB.ID},
		"vendorB":  {w.ProductA.ID, w.ProductB.ID},
		"c1":       {w.ProductA.ID, w.ProductB.ID},
		"platform": {w.ProductA.ID, w.DraftA.ID, w.ProductB.ID},
	} {
		ps, _, err := st.ListProducts(ctx, w.Tenants()[name].Principal, store.ProductFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(ps, func(p catalog.Product) int64 { return p.ID })
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s sees products %v, want %v", name, got, want)
		}
	}
	_, err := st.Product(ctx, w.VendorB.Principal, w.DraftA.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	_, _, err = st.Plan(ctx, w.C1.Principal, w.DraftPlan.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	_, err = st.UpdateProduct(ctx, w.VendorB.Principal, w.ProductA.ID, store.ProductUpdate{Name: new("mine")})
	mustCode(t, err, mercato.EFORBIDDEN)
	_, err = st.CreateProduct(ctx, w.VendorB.Principal, catalog.Product{VendorID: w.VendorA.Org.ID, Name: "x", Type: catalog.TypeSaaS})
	mustCode(t, err, mercato.EINVALID) // vendor A is not visible to vendor B
	saas, _, _ := st.ListProducts(ctx, w.C1.Principal, store.ProductFilter{Type: catalog.TypeService}, store.Page{})
	if len(saas) != 0 {
		t.Fatalf("type filter: %d service products", len(saas))
	}
}

func testPlanEvents(t *testing.T, st *store.Store, w *storetest.World) {
	name := "Seats v2"
	if _, err := st.UpdatePlan(ctx, w.VendorA.Principal, w.PlanA.ID, store.PlanUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeletePlan(ctx, w.VendorA.Principal, w.PlanA.ID); err != nil {
		t.Fatal(err)
	}
	evs, _, _ := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: subscription.EntityProductVersion, EntityID: w.PlanA.ID}, store.Page{})
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "CREATED,MODIFIED,DELETED" {
		t.Fatalf("plan events %v", types)
	}
	_, err := ordering.New(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
	mustCode(t, err, mercato.EINVALID)
}
