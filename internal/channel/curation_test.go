package channel_test

import (
	"slices"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestCuration runs the catalog curation's cases on every engine.
func TestCuration(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "who curates whose catalog, and valid lists only", Run: testCurationRefusals},
		{Name: "a curated reseller and its customers list, quote, order and mark up only what it may sell", Run: testCurationEnforced},
	})
}

// testCurationRefusals checks every refused curation: its code, the field
// it names, and that it wrote nothing.
func testCurationRefusals(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Channel(st)
	r1 := w.R1.Org.ID
	set := func(p mercato.Principal, c catalog.Curation) func() error {
		return func() error { _, err := svc.SetCuration(ctx, p, c); return err }
	}
	only := func(reseller int64, products, plans []int64) catalog.Curation {
		return catalog.Curation{ResellerID: reseller, ProductIDs: products, PlanIDs: plans}
	}
	// A reseller of the platform: the platform sees it, but no distributor
	// curates it.
	acc := storetest.Accounts(st)
	direct, err := acc.CreateOrganization(ctx, w.Platform.Principal, mercato.Organization{Kind: mercato.KindReseller, Name: "direct", Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, want, field string
		call              func() error
	}{
		{"the reseller curates itself", mercato.EFORBIDDEN, "", set(w.R1.Principal, only(r1, []int64{w.ProductA.ID}, nil))},
		{"a distributor's viewer", mercato.EFORBIDDEN, "", set(storetest.Viewer(w.D1.Principal), only(r1, []int64{w.ProductA.ID}, nil))},
		{"another channel's distributor, unseen", mercato.ENOTFOUND, "", set(w.D2.Principal, only(r1, []int64{w.ProductA.ID}, nil))},
		{"a customer is no reseller", mercato.ENOTFOUND, "", set(w.D1.Principal, only(w.C1.Org.ID, []int64{w.ProductA.ID}, nil))},
		{"the distributor itself is no reseller", mercato.ENOTFOUND, "", set(w.D1.Principal, only(w.D1.Org.ID, nil, nil))},
		{"a reseller of the platform", mercato.EINVALID, "reseller_id", set(w.Platform.Principal, only(direct.ID, []int64{w.ProductA.ID}, nil))},
		{"a draft product", mercato.EINVALID, "product_ids[1]", set(w.D1.Principal, only(r1, []int64{w.ProductA.ID, w.DraftA.ID}, nil))},
		{"an unknown product", mercato.EINVALID, "product_ids[0]", set(w.D1.Principal, only(r1, []int64{999999}, nil))},
		{"a draft plan", mercato.EINVALID, "plan_ids[0]", set(w.D1.Principal, only(r1, nil, []int64{w.DraftPlan.ID}))},
		{"an unknown plan", mercato.EINVALID, "plan_ids[1]", set(w.D1.Principal, only(r1, nil, []int64{w.PlanB.ID, 999999}))},
		{"a repeated plan", mercato.EINVALID, "plan_ids[1]", set(w.D1.Principal, only(r1, nil, []int64{w.PlanB.ID, w.PlanB.ID}))},
		{"everything with a list", mercato.EINVALID, "all", set(w.D1.Principal, catalog.Curation{ResellerID: r1, All: true, PlanIDs: []int64{w.PlanB.ID}})},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Unchanged(t, st, func() {
				err := c.call()
				storetest.MustCode(t, err, c.want)
				if c.field != "" && (len(mercato.Fields(err)) == 0 || mercato.Fields(err)[0].Path != c.field) {
					t.Fatalf("fields %+v, want %s", mercato.Fields(err), c.field)
				}
			})
		})
	}
	// Unchanged: R1 sells everything, as every reseller nobody curated.
	for _, p := range []mercato.Principal{w.R1.Principal, w.D1.Principal, w.Platform.Principal} {
		if c, err := svc.Curation(ctx, p, r1); err != nil || !c.All {
			t.Fatalf("R1's catalog as %d: %+v %v", p.OrgID, c, err)
		}
	}
	for _, p := range []mercato.Principal{w.R2.Principal, w.D2.Principal, w.C1.Principal} {
		if _, err := svc.Curation(ctx, p, r1); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("R1's catalog as %d: %v", p.OrgID, err)
		}
	}
}

func productIDs(t *testing.T, st *store.Store, p mercato.Principal) []int64 {
	t.Helper()
	ps, _, err := storetest.Listing(st).ListProducts(ctx, p, catalog.ProductFilter{}, mercato.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, pr := range ps {
		ids = append(ids, pr.ID)
	}
	return ids
}

func planIDs(t *testing.T, st *store.Store, p mercato.Principal, productID int64) []int64 {
	t.Helper()
	l := storetest.Listing(st)
	pls, _, err := l.ListPlans(ctx, p, productID, mercato.Page{})
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := l.PlanPage(ctx, p, productID, mercato.NumberedPage{Number: 1, Size: 50})
	if err != nil {
		t.Fatal(err)
	}
	var ids, paged []int64
	for _, pl := range pls {
		ids = append(ids, pl.ID)
	}
	for _, pl := range page {
		paged = append(paged, pl.ID)
	}
	if !slices.Equal(ids, paged) {
		t.Fatalf("plans %v, by numbered page %v", ids, paged)
	}
	return ids
}

// testCurationEnforced restricts R1 to product B and product A's tiered
// plan, and checks each way a new sale could pass it.
func testCurationEnforced(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Channel(st)
	ord := app.Ordering(st)
	// C1 bought PlanA before the curation: it keeps running.
	before := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 2)
	c, err := svc.SetCuration(ctx, w.D1.Principal, catalog.Curation{ResellerID: w.R1.Org.ID, ProductIDs: []int64{w.ProductB.ID}, PlanIDs: []int64{w.PlanTiered.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Curation(ctx, w.R1.Principal, w.R1.Org.ID); err != nil || got.All || !slices.Equal(got.ProductIDs, c.ProductIDs) || !slices.Equal(got.PlanIDs, c.PlanIDs) {
		t.Fatalf("R1's catalog: %+v %v", got, err)
	}
	all := []int64{w.ProductA.ID, w.ProductB.ID}
	for _, tc := range []struct {
		name   string
		p      mercato.Principal
		plansA []int64
	}{
		{"R1", w.R1.Principal, []int64{w.PlanTiered.ID}},
		{"R1's customer", w.C1b.Principal, []int64{w.PlanTiered.ID}},
		{"R1's distributor", w.D1.Principal, []int64{w.PlanA.ID, w.PlanTiered.ID}},
		{"another channel's customer", w.C2.Principal, []int64{w.PlanA.ID, w.PlanTiered.ID}},
	} {
		if got := productIDs(t, st, tc.p); !slices.Equal(got, all) {
			t.Errorf("%s lists products %v, want %v", tc.name, got, all)
		}
		if got := planIDs(t, st, tc.p, w.ProductA.ID); !slices.Equal(got, tc.plansA) {
			t.Errorf("%s lists product A's plans %v, want %v", tc.name, got, tc.plansA)
		}
	}
	// Only product B now: product A leaves R1's lists, searches included.
	if _, err := svc.SetCuration(ctx, w.Platform.Principal, catalog.Curation{ResellerID: w.R1.Org.ID, ProductIDs: []int64{w.ProductB.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []mercato.Principal{w.R1.Principal, w.C1.Principal} {
		if got := productIDs(t, st, p); !slices.Equal(got, []int64{w.ProductB.ID}) {
			t.Errorf("%d lists %v, want product B only", p.OrgID, got)
		}
		found, _, err := storetest.Listing(st).ListProducts(ctx, p, catalog.ProductFilter{Query: "product a"}, mercato.Page{})
		if err != nil || len(found) != 0 {
			t.Errorf("%d finds %v %v searching product A", p.OrgID, found, err)
		}
		page, total, err := storetest.Listing(st).ProductPage(ctx, p, catalog.ProductFilter{}, mercato.NumberedPage{Number: 1, Size: 50})
		if err != nil || total != 1 || page[0].ID != w.ProductB.ID {
			t.Errorf("%d's numbered page %v (%d) %v", p.OrgID, page, total, err)
		}
	}
	// Orders and quotes outside the catalog, whoever places them: 422
	// naming plan_id, nothing written.
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"the customer orders", func() error {
			_, err := ord.PlaceOrder(ctx, w.C1b.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1, Configuration: map[string]any{"subdomain": "abc"}})
			return err
		}},
		{"the reseller orders for it", func() error {
			_, err := ord.PlaceOrder(ctx, w.R1.Principal, subscription.OrderRequest{CustomerID: w.C1b.Org.ID, PlanID: w.PlanA.ID, Quantity: 1})
			return err
		}},
		{"the platform orders for it", func() error {
			_, err := ord.PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: w.C1b.Org.ID, PlanID: w.PlanTiered.ID, Quantity: 1})
			return err
		}},
		{"the customer asks a quote", func() error {
			_, err := ord.Quote(ctx, w.C1b.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 1})
			return err
		}},
		{"the reseller asks a quote", func() error {
			_, err := ord.Quote(ctx, w.R1.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 1})
			return err
		}},
		{"the distributor asks a quote through the reseller", func() error {
			_, err := ord.Quote(ctx, w.D1.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 1, ResellerID: w.R1.Org.ID})
			return err
		}},
		{"the reseller marks it up", func() error {
			_, err := svc.SetPrice(ctx, w.R1.Principal, pricing.PriceListEntry{OrganizationID: w.R1.Org.ID, PlanID: w.PlanA.ID, Markup: percent("5")})
			return err
		}},
		{"the platform marks it up for the reseller", func() error {
			_, err := svc.SetPrice(ctx, w.Platform.Principal, pricing.PriceListEntry{OrganizationID: w.R1.Org.ID, PlanID: w.PlanA.ID, Markup: percent("5")})
			return err
		}},
		{"the subscription sold before moves to another plan outside it", func() error {
			_, err := ord.Change(ctx, w.C1.Principal, before.ID, subscription.Change{PlanID: &w.PlanTiered.ID})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Unchanged(t, st, func() {
				err := tc.call()
				storetest.MustCode(t, err, mercato.EINVALID)
				if f := mercato.Fields(err); len(f) == 0 || f[0].Path != "plan_id" {
					t.Fatalf("fields %+v (%v), want plan_id", f, err)
				}
			})
		})
	}
	// What R1 may sell still sells, its distributor still marks product A
	// up (for its other resellers), another channel is unaffected.
	storetest.Order(t, st, w.C1b.Principal, 0, w.PlanB.ID, 1)
	if _, err := svc.SetPrice(ctx, w.R1.Principal, pricing.PriceListEntry{OrganizationID: w.R1.Org.ID, PlanID: w.PlanB.ID, Markup: percent("5")}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPrice(ctx, w.D1.Principal, pricing.PriceListEntry{OrganizationID: w.D1.Org.ID, PlanID: w.PlanA.ID, Markup: percent("5")}); err != nil {
		t.Fatal(err)
	}
	storetest.Order(t, st, w.C2.Principal, 0, w.PlanA.ID, 1)
	// The subscription sold before keeps its plan and changes its seats.
	q := int64(3)
	if _, err := ord.Change(ctx, w.C1.Principal, before.ID, subscription.Change{Quantity: &q}); err != nil {
		t.Fatalf("seats of the subscription sold before: %v", err)
	}
	// Everything again: R1 sells product A once more.
	if _, err := svc.SetCuration(ctx, w.D1.Principal, catalog.Curation{ResellerID: w.R1.Org.ID, All: true}); err != nil {
		t.Fatal(err)
	}
	if got := productIDs(t, st, w.C1.Principal); !slices.Equal(got, all) {
		t.Errorf("after everything again C1 lists %v", got)
	}
	storetest.Order(t, st, w.C1b.Principal, 0, w.PlanTiered.ID, 1)
}
