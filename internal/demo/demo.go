// Package demo seeds a small marketplace to try Mercato with: the channel
// (a vendor, a distributor, a reseller, three customers, one of them in
// the United States billed in USD), one published product of every type
// with plans that use every pricing model (in EUR), a EUR→USD exchange
// rate, and a subscription carried to DEPLOYED for a EUR customer and one
// for the USD customer, billed in USD.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/coupon"
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
	{usCustomer, mercato.KindCustomer, "it@litware.example", "mct_demo_customer_litware"},
}

// usCustomer is the demo customer billed in USD, of plans priced in EUR:
// its orders are converted at the demo's EUR→USD rate.
const usCustomer = "Litware Inc."

// demoCoupon is the platform's coupon Litware's order redeems.
const demoCoupon = "WELCOME10"

// The demo's exchange rate: 1 EUR = 1.08 USD from usdRateFrom.
const (
	usdRate     = "1.08"
	usdRateFrom = "2024-01-01"
)

// Seller is the demo operator's identity on its invoices (the VAT id is a
// made-up number with a valid check digit).
var Seller = billing.Seller{LegalName: "Mercato Demo S.r.l.", Country: "IT", VATID: "IT01234567897", Email: "billing@mercato.example",
	Address: mercato.Address{Line: "Via Roma 1", City: "Milano", PostalCode: "20121"}, PaymentTermsDays: 30,
	PaymentInstructions: "Bank transfer to Mercato Demo S.r.l.\nIBAN IT60 X054 2811 1010 0000 0123 456 (demo)"}

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
	// The operator's identity as the seller of the platform's invoices:
	// an Italian company (its country decides reverse charge).
	if _, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).SaveOperatorSettings(ctx, admin, Seller); err != nil {
		return nil, fmt.Errorf("demo operator settings: %w", err)
	}
	ids := map[string]int64{}
	acc := accounts.New(st, store.TxFunc[accounts.Tx](st))
	for _, p := range people {
		o := mercato.Organization{Kind: p.kind, Name: p.org, Email: p.email, Country: "IT", Currency: "EUR"}
		if p.org == usCustomer {
			o.Country, o.Currency = "US", "USD"
		}
		switch p.kind {
		case mercato.KindReseller:
			o.ParentID = ptr(ids["Northwind Distribution"])
		case mercato.KindCustomer:
			o.ParentID = ptr(ids["Fabrikam Reseller"])
			o.OnAccount = true // demo customers buy on account
			o.Address = mercato.Address{Line: "Via Torino 5", City: "Torino", PostalCode: "10121"}
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
	var firstPlan, teamPlan int64
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
			if pl.name == "Team" {
				teamPlan = plan.ID
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
	// The operator's rate, so that the USD customer is billed in USD.
	from, err := time.Parse(time.DateOnly, usdRateFrom)
	if err != nil {
		return nil, err
	}
	if _, err := prices.SetExchangeRate(ctx, admin, pricing.ExchangeRate{Base: "EUR", Quote: "USD", Rate: decimal.RequireFromString(usdRate), ValidFrom: from}); err != nil {
		return nil, fmt.Errorf("demo exchange rate: %w", err)
	}
	// A coupon the platform grants (and bears): 10% off the first three
	// periods; Litware redeems it below.
	if _, err := app.New(st, app.Options{}).Coupons.Create(ctx, admin, coupon.Coupon{Code: demoCoupon, Kind: coupon.KindPercent, Value: decimalOf(10),
		Duration: coupon.Repeating, Periods: 3}); err != nil {
		return nil, fmt.Errorf("demo coupon: %w", err)
	}
	// Orders carried through the lifecycle: Adatum (EUR) starts a trial;
	// Litware (USD) buys 5 seats of the Team plan, priced in EUR and
	// billed in USD at the rate. Both buy on account, so each is PENDING
	// at once, and the vendor reports it DEPLOYED.
	for _, buyer := range []struct {
		org, subdomain, coupon string
		plan, qty              int64
	}{{"Adatum Corporation", "adatum", "", firstPlan, 1}, {usCustomer, "litware", demoCoupon, teamPlan, 5}} {
		order, err := app.Ordering(st).PlaceOrder(ctx, admin, subscription.OrderRequest{CustomerID: ids[buyer.org], PlanID: buyer.plan, Quantity: buyer.qty,
			Configuration: map[string]any{"company_subdomain": buyer.subdomain}, Coupon: buyer.coupon})
		if err != nil {
			return nil, fmt.Errorf("demo order of %s: %w", buyer.org, err)
		}
		if _, err := app.Lifecycle(st).SetStatus(ctx, admin, order.SubscriptionID, subscription.Deployed); err != nil {
			return nil, fmt.Errorf("demo deployment: %w", err)
		}
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
