package storetest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
)

// Tenant is one organization of the test world with an admin user and a
// token acting as that user.
type Tenant struct {
	Org       mercato.Organization
	User      mercato.User
	Principal mercato.Principal
	Token     string
	TokenID   int64
}

// World is a marketplace with two separate channels, so that tests can
// check that nothing of one is visible from the other:
//
//	vendor A ─ product A (published, plans per_unit and graduated), product A-draft
//	vendor B ─ product B (published)
//	distributor D1 ─ reseller R1 ─ customers C1 (on account), C1b
//	distributor D2 ─ reseller R2 ─ customer C2 (on account)
type World struct {
	Platform                    Tenant
	VendorA, VendorB            Tenant
	D1, D2, R1, R2, C1, C1b, C2 Tenant
	ProductA, DraftA, ProductB  catalog.Product
	PlanA, PlanTiered, PlanB    catalog.Plan
	DraftPlan                   catalog.Plan
}

// NewWorld builds the world on st.
func NewWorld(t TB, st *store.Store) *World {
	t.Helper()
	ctx := context.Background()
	w := &World{}
	admin, err := st.Bootstrap(ctx, "test-platform-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	w.Platform = Tenant{Principal: admin, Token: "test-platform-token-0123456789", Org: mercato.Organization{ID: admin.OrgID, Kind: mercato.KindPlatform}}
	acc := Accounts(st)
	tenant := func(name string, kind mercato.OrgKind, parent *Tenant, onAccount bool) Tenant {
		t.Helper()
		o := mercato.Organization{Kind: kind, Name: name, OnAccount: onAccount, Currency: "EUR"}
		if parent != nil {
			o.ParentID = &parent.Org.ID
		}
		o, err := acc.CreateOrganization(ctx, admin, o)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		u, err := acc.CreateUser(ctx, admin, mercato.User{OrganizationID: o.ID, Email: fmt.Sprintf("admin@%s.test", name), Role: mercato.RoleAdmin})
		if err != nil {
			t.Fatalf("user of %s: %v", name, err)
		}
		token := "test-token-" + name + "-0123456789abcdef"
		if err := st.AddToken(ctx, u.ID, "test", token); err != nil {
			t.Fatal(err)
		}
		p, err := st.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		toks, err := st.ListTokens(ctx, p)
		if err != nil || len(toks) != 1 {
			t.Fatalf("tokens of %s: %v %v", name, toks, err)
		}
		return Tenant{Org: o, User: u, Principal: p, Token: token, TokenID: toks[0].ID}
	}
	w.VendorA = tenant("vendora", mercato.KindVendor, nil, false)
	w.VendorB = tenant("vendorb", mercato.KindVendor, nil, false)
	w.D1 = tenant("d1", mercato.KindDistributor, nil, false)
	w.D2 = tenant("d2", mercato.KindDistributor, nil, false)
	w.R1 = tenant("r1", mercato.KindReseller, &w.D1, false)
	w.R2 = tenant("r2", mercato.KindReseller, &w.D2, false)
	w.C1 = tenant("c1", mercato.KindCustomer, &w.R1, true)
	w.C1b = tenant("c1b", mercato.KindCustomer, &w.R1, false)
	w.C2 = tenant("c2", mercato.KindCustomer, &w.R2, true)

	product := func(v Tenant, name string, published bool) catalog.Product {
		t.Helper()
		p, err := Listing(st).CreateProduct(ctx, v.Principal, catalog.Product{Name: name, Type: catalog.TypeSaaS, Published: published,
			Parameters: []catalog.Parameter{{Name: "subdomain", Type: catalog.ParamString, Pattern: "[a-z]{3,20}"}}})
		if err != nil {
			t.Fatalf("product %s: %v", name, err)
		}
		return p
	}
	w.ProductA = product(w.VendorA, "Product A", true)
	w.DraftA = product(w.VendorA, "Draft A", false)
	w.ProductB = product(w.VendorB, "Product B", true)
	w.PlanA = Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Seats", `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"10.00"}`)
	w.PlanTiered = Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Tiered", `{"currency":"EUR","period":"P1M","model":"graduated","unit":"seat","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3"}]}`)
	w.DraftPlan = Plan(t, st, w.VendorA.Principal, w.DraftA.ID, "Draft", `{"currency":"EUR","model":"flat","amount":"1.00"}`)
	w.PlanB = Plan(t, st, w.VendorB.Principal, w.ProductB.ID, "B", `{"currency":"EUR","model":"flat","amount":"5.00"}`)
	return w
}

// Plan creates a plan from its pricing JSON.
func Plan(t TB, st *store.Store, p mercato.Principal, productID int64, name, pricingJSON string) catalog.Plan {
	t.Helper()
	var pr pricing.Pricing
	if err := json.Unmarshal([]byte(pricingJSON), &pr); err != nil {
		t.Fatalf("pricing %s: %v", name, err)
	}
	plan, err := Listing(st).CreatePlan(context.Background(), p, catalog.Plan{ProductID: productID, Name: name, Pricing: pr})
	if err != nil {
		t.Fatalf("plan %s: %v", name, err)
	}
	return plan
}

// Tenants returns every tenant by a short name.
func (w *World) Tenants() map[string]Tenant {
	return map[string]Tenant{"platform": w.Platform, "vendorA": w.VendorA, "vendorB": w.VendorB, "d1": w.D1, "d2": w.D2,
		"r1": w.R1, "r2": w.R2, "c1": w.C1, "c1b": w.C1b, "c2": w.C2}
}
