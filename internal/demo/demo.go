// Package demo seeds a small marketplace to try Mercato with: the channel
// (a vendor, a distributor, a reseller, two customers), one published
// product of every type with plans that use every pricing model, and a
// subscription carried to DEPLOYED.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Login is a demo user and its API token.
type Login struct {
	Organization string
	Kind         mercato.OrgKind
	OrgID        int64
	Email        string
	Token        string
}

// Tokens are fixed so that the same demo logins work after every restart;
// they are demo credentials, never used outside --demo.
var people = []struct {
	org   string
	kind  mercato.OrgKind
	email string
	token string
}{
	{"Contoso Apps", mercato.KindVendor, "vendor@contoso.example", "mct_demo_vendor_contoso"},
	{"Northwind Distribution", mercato.KindDistributor, "distributor@northwind.example", "mct_demo_distributor_northwind"},
	{"Fabrikam Reseller", mercato.KindReseller, "reseller@fabrikam.example", "mct_demo_reseller_fabrikam"},
	{"Adatum Corporation", mercato.KindCustomer, "it@adatum.example", "mct_demo_customer_adatum"},
	{"Tailspin Toys", mercato.KindCustomer, "it@tailspin.example", "mct_demo_customer_tailspin"},
}

// PlatformToken is the demo platform admin's token.
const PlatformToken = "mct_demo_platform_admin"

// Seed creates the demo data unless it exists, and returns the logins.
func Seed(ctx context.Context, st *store.Store) ([]Login, error) {
	admin, err := st.Bootstrap(ctx, PlatformToken)
	if err != nil {
		return nil, err
	}
	logins := []Login{{Organization: "Mercato (platform)", Kind: mercato.KindPlatform, OrgID: admin.OrgID, Email: store.PlatformAdminEmail, Token: PlatformToken}}
	existing, _, err := st.ListOrganizations(ctx, admin, mercato.OrganizationFilter{Kind: mercato.KindVendor}, store.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, o := range existing {
		if o.Name == people[0].org {
			return loginsOf(ctx, st, admin, logins)
		}
	}
	ids := map[string]int64{}
	acc := accounts.New(st, store.TxFunc[accounts.Tx](st))
	for _, p := range people {
		o := mercato.Organization{Kind: p.kind, Name: p.org, Email: p.email, Country: "IT", Currency: "EUR"}
		switch p.kind {
		case mercato.KindReseller:
			o.ParentID = ptr(ids["Northwind Distribution"])
		case mercato.KindCustomer:
			o.ParentID = ptr(ids["Fabrikam Reseller"])
			o.OnAccount = true // demo customers buy on account
		}
		o, err := acc.CreateOrganization(ctx, admin, o)
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", p.org, err)
		}
		ids[p.org] = o.ID
		u, err := acc.CreateUser(ctx, admin, mercato.User{OrganizationID: o.ID, Email: p.email, Name: p.org + " admin", Role: mercato.RoleAdmin})
		if err != nil {
			return nil, err
		}
		if err := st.AddToken(ctx, u.ID, "demo", p.token); err != nil {
			return nil, err
		}
	}
	vendor := ids["Contoso Apps"]
	listings := listing.New(st, store.TxFunc[listing.Tx](st))
	saasPlans := map[string]catalog.Plan{}
	prices := channel.New(st, store.TxFunc[channel.Tx](st))
	var firstPlan int64
	for _, p := range products {
		prod, err := listings.CreateProduct(ctx, admin, catalog.Product{VendorID: vendor, Name: p.name, Description: p.description, Type: p.typ,
			Published: true, Metadata: p.metadata, Parameters: p.parameters})
		if err != nil {
			return nil, fmt.Errorf("create product %s: %w", p.name, err)
		}
		for _, pl := range p.plans {
			var pr pricing.Pricing
			if err := json.Unmarshal([]byte(pl.pricing), &pr); err != nil {
				return nil, fmt.Errorf("demo plan %s: %w", pl.name, err)
			}
			plan, err := listings.CreatePlan(ctx, admin, catalog.Plan{ProductID: prod.ID, Name: pl.name, Pricing: pr, Metadata: pl.metadata})
			if err != nil {
				return nil, fmt.Errorf("create plan %s: %w", pl.name, err)
			}
			if firstPlan == 0 && p.typ == catalog.TypeSaaS {
				firstPlan = plan.ID
			}
			if p.typ == catalog.TypeSaaS {
				saasPlans[pl.name] = plan
			}
			// The channel marks every plan up: 10% for the distributor,
			// 15% for the reseller.
			for org, pct := range map[string]int64{"Northwind Distribution": 10, "Fabrikam Reseller": 15} {
				if _, err := prices.SetPrice(ctx, admin, pricing.PriceListEntry{OrganizationID: ids[org], PlanID: plan.ID, Markup: pricing.Markup{Kind: "percentage", Value: decimalOf(pct)}}); err != nil {
					return nil, err
				}
			}
		}
	}
	// One order carried through the lifecycle: Adatum buys on account, so
	// it is PENDING at once, and the vendor reports it DEPLOYED.
	order, err := app.Ordering(st).PlaceOrder(ctx, admin, subscription.OrderRequest{CustomerID: ids["Adatum Corporation"], PlanID: firstPlan, Quantity: 1,
		Configuration: map[string]any{"company_subdomain": "adatum"}})
	if err != nil {
		return nil, fmt.Errorf("demo order: %w", err)
	}
	if _, err := app.Lifecycle(st).SetStatus(ctx, admin, order.SubscriptionID, subscription.Deployed); err != nil {
		return nil, fmt.Errorf("demo deployment: %w", err)
	}
	if err := seedTerms(ctx, st, admin, listings, ids["Adatum Corporation"], saasPlans); err != nil {
		return nil, err
	}
	return loginsOf(ctx, st, admin, logins)
}

// seedTerms shows what waits for a later date: Adatum's Team seats
// (bought at 8.00 a seat) whose price the vendor then raised to 9.00, the
// new price waiting for the renewal (next_price, and a renewal notice
// within 30 days of it); and its Business seats cut from 12 to 8, a
// downgrade scheduled for the end of the period charged.
func seedTerms(ctx context.Context, st *store.Store, admin mercato.Principal, listings *listing.Service, customer int64, plans map[string]catalog.Plan) error {
	deployed := func(plan catalog.Plan, qty int64, subdomain string) (int64, error) {
		o, err := app.Ordering(st).PlaceOrder(ctx, admin, subscription.OrderRequest{CustomerID: customer, PlanID: plan.ID, Quantity: qty,
			Configuration: map[string]any{"company_subdomain": subdomain}})
		if err != nil {
			return 0, fmt.Errorf("demo order of %s: %w", plan.Name, err)
		}
		if _, err := app.Lifecycle(st).SetStatus(ctx, admin, o.SubscriptionID, subscription.Deployed); err != nil {
			return 0, fmt.Errorf("demo deployment of %s: %w", plan.Name, err)
		}
		return o.SubscriptionID, nil
	}
	team, business := plans["Team"], plans["Business"]
	if _, err := deployed(team, 5, "adatum-sales"); err != nil {
		return err
	}
	raised := team.Pricing
	raised.UnitAmount = ptr(decimalOf(9))
	if _, err := listings.UpdatePlan(ctx, admin, team.ID, listing.PlanUpdate{Pricing: &raised}); err != nil {
		return fmt.Errorf("demo price change: %w", err)
	}
	sub, err := deployed(business, 12, "adatum-support")
	if err != nil {
		return err
	}
	if _, err := app.Ordering(st).Change(ctx, admin, sub, subscription.Change{Quantity: ptr(int64(8))}); err != nil {
		return fmt.Errorf("demo downgrade: %w", err)
	}
	return nil
}

func loginsOf(ctx context.Context, st *store.Store, admin mercato.Principal, logins []Login) ([]Login, error) {
	orgs, _, err := st.ListOrganizations(ctx, admin, mercato.OrganizationFilter{}, store.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		for _, o := range orgs {
			if o.Name == p.org && o.Kind == p.kind {
				logins = append(logins, Login{Organization: p.org, Kind: p.kind, OrgID: o.ID, Email: p.email, Token: p.token})
				break
			}
		}
	}
	return logins, nil
}

// Print writes the demo logins for the person who started the server.
func Print(w io.Writer, baseURL string, logins []Login) {
	fmt.Fprintf(w, "\nMercato demo at %s — API tokens (Authorization: Bearer <token>):\n\n", baseURL)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tORGANIZATION\tORG ID\tUSER\tTOKEN")
	for _, l := range logins {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.Kind, l.Organization, l.OrgID, l.Email, l.Token)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nTry: curl -H 'Authorization: Bearer %s' %s/api/v1/products\n\n", logins[0].Token, baseURL)
}

func ptr[T any](v T) *T { return &v }
