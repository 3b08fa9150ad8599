package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
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
	{"organization visibility", testOrgVisibility},
	{"a vendor reads its buyers' organizations", testVendorReadsBuyers},
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

func testProductVisibility(t *testing.T, st *store.Store, w *storetest.World) {
	for name, want := range map[string][]int64{
		"vendorA":  {w.ProductA.ID, w.DraftA.ID, w.ProductB.ID},
		"vendorB":  {w.ProductA.ID, w.ProductB.ID},
		"c1":       {w.ProductA.ID, w.ProductB.ID},
		"platform": {w.ProductA.ID, w.DraftA.ID, w.ProductB.ID},
	} {
		ps, _, err := st.ListProducts(ctx, w.Tenants()[name].Principal, catalog.ProductFilter{}, store.Page{})
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
	_, err = storetest.Listing(st).UpdateProduct(ctx, w.VendorB.Principal, w.ProductA.ID, listing.ProductUpdate{Name: new("mine")})
	mustCode(t, err, mercato.EFORBIDDEN)
	_, err = storetest.Listing(st).CreateProduct(ctx, w.VendorB.Principal, catalog.Product{VendorID: w.VendorA.Org.ID, Name: "x", Type: catalog.TypeSaaS})
	mustCode(t, err, mercato.EINVALID) // vendor A is not visible to vendor B
	saas, _, _ := st.ListProducts(ctx, w.C1.Principal, catalog.ProductFilter{Type: catalog.TypeService}, store.Page{})
	if len(saas) != 0 {
		t.Fatalf("type filter: %d service products", len(saas))
	}
}

func testPlanEvents(t *testing.T, st *store.Store, w *storetest.World) {
	name := "Seats v2"
	if _, err := storetest.Listing(st).UpdatePlan(ctx, w.VendorA.Principal, w.PlanA.ID, listing.PlanUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if err := storetest.Listing(st).DeletePlan(ctx, w.VendorA.Principal, w.PlanA.ID); err != nil {
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
	_, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
	mustCode(t, err, mercato.EINVALID)
}
