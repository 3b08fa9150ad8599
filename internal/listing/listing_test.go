package listing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

var ctx = context.Background()

// TestListing runs the catalog's cases on every engine, each in a fresh
// database and world.
func TestListing(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "only a product's vendor or the platform changes it", Run: testPermissions},
		{Name: "invalid products and plans are refused naming the field", Run: testValidation},
		{Name: "owners create, change and retire; plans write ProductVersion events", Run: testOwnersChange},
		{Name: "a bought product is not deleted", Run: testBoughtProduct},
		{Name: "ARM templates: owner only, arm_template only, the form follows", Run: testARMTemplate},
		{Name: "reviews: customers who bought, one each, rated 1 to 5", Run: testReviews},
	})
}

// refusal is a call that must fail with code want and write nothing.
type refusal struct {
	name string
	want string
	call func() error
}

// refuse runs each refusal as a subtest and checks its code and that the
// database has as many rows in every table after as before (an audit entry
// or event would be one more).
func refuse(t *testing.T, st *store.Store, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fmt.Sprint(storetest.Counts(t, st))
			if err := c.call(); mercato.ErrorCode(err) != c.want {
				t.Fatalf("error %v (%s), want %s", err, mercato.ErrorCode(err), c.want)
			}
			if after := fmt.Sprint(storetest.Counts(t, st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
		})
	}
}

func testPermissions(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Listing(st)
	vendorB, c1, r1 := w.VendorB.Principal, w.C1.Principal, w.R1.Principal
	name := "mine"
	rename := listing.ProductUpdate{Name: &name}
	err := func(_ any, err error) error { return err }
	refuse(t, st, []refusal{
		{"vendor B renames product A", mercato.EFORBIDDEN, func() error { return err(svc.UpdateProduct(ctx, vendorB, w.ProductA.ID, rename)) }},
		{"a customer renames product A", mercato.EFORBIDDEN, func() error { return err(svc.UpdateProduct(ctx, c1, w.ProductA.ID, rename)) }},
		{"a reseller renames product A", mercato.EFORBIDDEN, func() error { return err(svc.UpdateProduct(ctx, r1, w.ProductA.ID, rename)) }},
		{"vendor B renames vendor A's draft, unseen", mercato.ENOTFOUND, func() error { return err(svc.UpdateProduct(ctx, vendorB, w.DraftA.ID, rename)) }},
		{"vendor B deletes product A", mercato.EFORBIDDEN, func() error { return svc.DeleteProduct(ctx, vendorB, w.ProductA.ID) }},
		{"vendor B deletes vendor A's draft, unseen", mercato.ENOTFOUND, func() error { return svc.DeleteProduct(ctx, vendorB, w.DraftA.ID) }},
		{"vendor B creates a product for vendor A, unseen", mercato.EINVALID, func() error {
			return err(svc.CreateProduct(ctx, vendorB, catalog.Product{VendorID: w.VendorA.Org.ID, Name: "x", Type: catalog.TypeSaaS}))
		}},
		{"a customer creates a product", mercato.EINVALID, func() error {
			return err(svc.CreateProduct(ctx, c1, catalog.Product{Name: "x", Type: catalog.TypeSaaS}))
		}},
		{"the platform creates a product for a reseller", mercato.EINVALID, func() error {
			return err(svc.CreateProduct(ctx, w.Platform.Principal, catalog.Product{VendorID: w.R1.Org.ID, Name: "x", Type: catalog.TypeSaaS}))
		}},
		{"vendor B adds a plan to product A", mercato.EFORBIDDEN, func() error {
			return err(svc.CreatePlan(ctx, vendorB, catalog.Plan{ProductID: w.ProductA.ID, Name: "x", Pricing: w.PlanA.Pricing}))
		}},
		{"vendor B renames plan A", mercato.EFORBIDDEN, func() error {
			return err(svc.UpdatePlan(ctx, vendorB, w.PlanA.ID, listing.PlanUpdate{Name: &name}))
		}},
		{"a customer renames the draft's plan, unseen", mercato.ENOTFOUND, func() error {
			return err(svc.UpdatePlan(ctx, c1, w.DraftPlan.ID, listing.PlanUpdate{Name: &name}))
		}},
		{"vendor B retires plan A", mercato.EFORBIDDEN, func() error { return svc.DeletePlan(ctx, vendorB, w.PlanA.ID) }},
		{"a customer retires plan A", mercato.EFORBIDDEN, func() error { return svc.DeletePlan(ctx, c1, w.PlanA.ID) }},
		{"vendor B uploads product A's template", mercato.EFORBIDDEN, func() error {
			return err(svc.SetARMTemplate(ctx, vendorB, w.ProductA.ID, armproduct.Upload{Template: []byte(`{}`)}))
		}},
	})
	if p, _ := svc.Product(ctx, w.Platform.Principal, w.ProductA.ID); p.Name != w.ProductA.Name {
		t.Fatalf("product A renamed to %q", p.Name)
	}
}

func testValidation(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Listing(st)
	vendor := w.VendorA.Principal
	product := func(mod func(*catalog.Product)) func() (string, error) {
		return func() (string, error) {
			p := catalog.Product{Name: "Product", Type: catalog.TypeSaaS}
			mod(&p)
			_, err := svc.CreateProduct(ctx, vendor, p)
			return "invalid product", err
		}
	}
	plan := func(pricingJSON string, mod func(*catalog.Plan)) func() (string, error) {
		return func() (string, error) {
			p := catalog.Plan{ProductID: w.ProductA.ID, Name: "Plan"}
			if err := json.Unmarshal([]byte(pricingJSON), &p.Pricing); err != nil {
				t.Fatal(err)
			}
			mod(&p)
			_, err := svc.CreatePlan(ctx, vendor, p)
			return "invalid plan", err
		}
	}
	valid := `{"currency":"EUR","model":"flat","amount":"5.00"}`
	long := strings.Repeat("x", 201)
	empty := ""
	for _, c := range []struct {
		name, field string
		call        func() (string, error)
	}{
		{"product without a name", "name", product(func(p *catalog.Product) { p.Name = "" })},
		{"product name too long", "name", product(func(p *catalog.Product) { p.Name = long })},
		{"unknown product type", "type", product(func(p *catalog.Product) { p.Type = "hardware" })},
		{"description too long", "description", product(func(p *catalog.Product) { p.Description = strings.Repeat("d", 20001) })},
		{"metadata with an empty key", "metadata", product(func(p *catalog.Product) { p.Metadata = map[string]string{"": "x"} })},
		{"metadata value over 1 MiB", "metadata.big", product(func(p *catalog.Product) { p.Metadata = map[string]string{"big": strings.Repeat("v", 1<<20+1)} })},
		{"parameter without a name", "parameters[0].name", product(func(p *catalog.Product) { p.Parameters = []catalog.Parameter{{Type: catalog.ParamString}} })},
		{"plan without a name", "name", plan(valid, func(p *catalog.Plan) { p.Name = "" })},
		{"plan metadata with a long key", "metadata", plan(valid, func(p *catalog.Plan) { p.Metadata = map[string]string{long: "x"} })},
		{"plan without a currency", "pricing.currency", plan(`{"model":"flat","amount":"5.00"}`, func(*catalog.Plan) {})},
		{"plan with a negative amount", "pricing.amount", plan(`{"currency":"EUR","model":"flat","amount":"-5"}`, func(*catalog.Plan) {})},
		{"invalid plan for vendor B is invalid first", "name", func() (string, error) {
			_, err := svc.CreatePlan(ctx, w.VendorB.Principal, catalog.Plan{ProductID: w.ProductA.ID, Pricing: w.PlanA.Pricing})
			return "invalid plan", err
		}},
		{"renaming a product to nothing", "name", func() (string, error) {
			_, err := svc.UpdateProduct(ctx, vendor, w.ProductA.ID, listing.ProductUpdate{Name: &empty})
			return "invalid product", err
		}},
		{"repricing a plan without a model", "pricing.model", func() (string, error) {
			_, err := svc.UpdatePlan(ctx, vendor, w.PlanA.ID, listing.PlanUpdate{Pricing: &pricing.Pricing{Currency: "EUR"}})
			return "invalid plan", err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := fmt.Sprint(storetest.Counts(t, st))
			message, err := c.call()
			if mercato.ErrorCode(err) != mercato.EINVALID || mercato.ErrorMessage(err) != message {
				t.Fatalf("error %v, want %s: %q", err, mercato.EINVALID, message)
			}
			if !slices.ContainsFunc(mercato.Fields(err), func(f mercato.FieldError) bool { return f.Path == c.field }) {
				t.Fatalf("fields %+v do not name %s", mercato.Fields(err), c.field)
			}
			if after := fmt.Sprint(storetest.Counts(t, st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
		})
	}
}

func testOwnersChange(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Listing(st)
	vendor := w.VendorA.Principal
	// A vendor's product is its own whatever it leaves out; the platform
	// names the vendor.
	own, err := svc.CreateProduct(ctx, vendor, catalog.Product{Name: "Own", Type: catalog.TypeService})
	if err != nil || own.VendorID != w.VendorA.Org.ID || own.Metadata == nil || own.Parameters == nil {
		t.Fatalf("vendor's product %+v, %v", own, err)
	}
	forB, err := svc.CreateProduct(ctx, w.Platform.Principal, catalog.Product{VendorID: w.VendorB.Org.ID, Name: "For B", Type: catalog.TypeSaaS})
	if err != nil || forB.VendorID != w.VendorB.Org.ID {
		t.Fatalf("platform's product %+v, %v", forB, err)
	}
	published := true
	if p, err := svc.UpdateProduct(ctx, w.Platform.Principal, own.ID, listing.ProductUpdate{Published: &published}); err != nil || !p.Published || p.Name != "Own" {
		t.Fatalf("platform publishes: %+v, %v", p, err)
	}
	plan, err := svc.CreatePlan(ctx, vendor, catalog.Plan{ProductID: own.ID, Name: "Flat", Pricing: w.PlanB.Pricing})
	if err != nil {
		t.Fatal(err)
	}
	name := "Flat v2"
	if p, err := svc.UpdatePlan(ctx, vendor, plan.ID, listing.PlanUpdate{Name: &name}); err != nil || p.Name != name || !p.Pricing.Amount.Equal(*w.PlanB.Pricing.Amount) {
		t.Fatalf("rename plan: %+v, %v", p, err)
	}
	if err := svc.DeletePlan(ctx, vendor, plan.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Plan(ctx, vendor, plan.ID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
		t.Fatalf("retired plan read: %v", err)
	}
	evs, _, err := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: subscription.EntityProductVersion, EntityID: plan.ID}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if strings.Join(types, ",") != "CREATED,MODIFIED,DELETED" {
		t.Fatalf("plan events %v", types)
	}
	for _, want := range []struct {
		action string
		id     int64
	}{{"product.create", own.ID}, {"product.create", forB.ID}, {"product.update", own.ID}, {"plan.create", plan.ID}, {"plan.update", plan.ID}, {"plan.delete", plan.ID}} {
		var n int
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND entity_id = $2`, want.action, want.id).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d audit entries %s of %d (%v), want 1", n, want.action, want.id, err)
		}
	}
	// The draft, which nobody bought, goes with its plan.
	if err := svc.DeleteProduct(ctx, vendor, w.DraftA.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Product(ctx, vendor, w.DraftA.ID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
		t.Fatalf("deleted product read: %v", err)
	}
}

func testBoughtProduct(t *testing.T, st *store.Store, w *storetest.World) {
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
	refuse(t, st, []refusal{
		{"its vendor deletes it", mercato.ECONFLICT, func() error { return storetest.Listing(st).DeleteProduct(ctx, w.VendorA.Principal, w.ProductA.ID) }},
		{"the platform deletes it", mercato.ECONFLICT, func() error { return storetest.Listing(st).DeleteProduct(ctx, w.Platform.Principal, w.ProductA.ID) }},
	})
}

const template = `{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
  "parameters": {"siteName": {"type": "string"}, "sku": {"type": "string"}}, "resources": []}`

func testARMTemplate(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Listing(st)
	prod, err := svc.CreateProduct(ctx, w.VendorA.Principal, catalog.Product{Name: "Site", Type: catalog.TypeARMTemplate})
	if err != nil {
		t.Fatal(err)
	}
	u := armproduct.Upload{Template: []byte(template), Parameters: armproduct.ParameterMapping{"sku": {Source: armproduct.SourceFixed, Value: "S1"}}}
	err1 := func(_ any, err error) error { return err }
	refuse(t, st, []refusal{
		{"vendor B uploads to vendor A's draft, unseen", mercato.ENOTFOUND, func() error { return err1(svc.SetARMTemplate(ctx, w.VendorB.Principal, prod.ID, u)) }},
		{"a template for a SaaS product", mercato.EINVALID, func() error { return err1(svc.SetARMTemplate(ctx, w.VendorA.Principal, w.ProductA.ID, u)) }},
		{"a template that does not parse", mercato.EINVALID, func() error {
			return err1(svc.SetARMTemplate(ctx, w.VendorA.Principal, prod.ID, armproduct.Upload{Template: []byte(`{"resources": "none"}`)}))
		}},
	})
	got, err := svc.SetARMTemplate(ctx, w.VendorA.Principal, prod.ID, u)
	if err != nil {
		t.Fatal(err)
	}
	// The buyer names the resources (the marketplace's prefix) and the
	// site; the vendor fixed the SKU.
	names := func(ps []catalog.Parameter) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}
	if names(got.Parameters) != "global_prefix,siteName" || got.Metadata[armproduct.MetaTemplate] == "" {
		t.Fatalf("uploaded product: parameters %s, metadata %v", names(got.Parameters), got.Metadata)
	}
	if saved, _ := svc.Product(ctx, w.VendorA.Principal, prod.ID); names(saved.Parameters) != names(got.Parameters) {
		t.Fatalf("saved parameters %s", names(saved.Parameters))
	}
}

func testReviews(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Listing(st)
	c1, product := w.C1.Principal, w.ProductA.ID
	viewer := c1
	viewer.Role = mercato.RoleViewer
	review := func(p mercato.Principal, id int64, rating int, body string) func() error {
		return func() error { _, err := svc.SetReview(ctx, p, id, rating, body); return err }
	}
	refuse(t, st, []refusal{
		{"before buying", mercato.ECONFLICT, review(c1, product, 5, "great")},
		{"a customer of another channel that did not buy", mercato.ECONFLICT, review(w.C2.Principal, product, 5, "")},
	})
	storetest.Order(t, st, c1, 0, w.PlanA.ID, 1)
	refuse(t, st, []refusal{
		{"rating 0", mercato.EINVALID, review(c1, product, 0, "")},
		{"rating 6", mercato.EINVALID, review(c1, product, 6, "")},
		{"a NUL in the body", mercato.EINVALID, review(c1, product, 4, "a\x00b")},
		{"a body too long", mercato.EINVALID, review(c1, product, 4, strings.Repeat("é", catalog.MaxReviewLength+1))},
		{"the vendor", mercato.EFORBIDDEN, review(w.VendorA.Principal, product, 5, "")},
		{"the reseller", mercato.EFORBIDDEN, review(w.R1.Principal, product, 5, "")},
		{"the customer's viewer", mercato.EFORBIDDEN, review(viewer, product, 5, "")},
		{"a draft, unseen", mercato.ENOTFOUND, review(c1, w.DraftA.ID, 5, "")},
	})
	if _, err := svc.SetReview(ctx, c1, product, 2, "meh"); err != nil {
		t.Fatal(err)
	}
	// The longest body is accepted, trimmed; a second review replaces the
	// first.
	body := strings.Repeat("é", catalog.MaxReviewLength)
	r, err := svc.SetReview(ctx, c1, product, 4, "  "+body+"\n")
	if err != nil || r.Body != body || r.CustomerID != w.C1.Org.ID {
		t.Fatalf("second review: %v", err)
	}
	rs, sum, err := svc.Reviews(ctx, w.C2.Principal, product)
	if err != nil || len(rs) != 1 || rs[0].Rating != 4 || sum.Count != 1 || sum.Average != 4 {
		t.Fatalf("reviews %+v %+v %v", rs, sum, err)
	}
	if ratings, err := svc.Ratings(ctx); err != nil || ratings[product] != sum {
		t.Fatalf("ratings %v %v", ratings, err)
	}
}
