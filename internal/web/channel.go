package web

import (
	"context"
	"net/http"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// channelRow is an organization of a channel's list.
type channelRow struct {
	Org    mercato.Organization
	Parent string
	Live   int
}

// channelOrgsData is the channel's organizations page: the list, and the
// form of a new organization under the caller (organizations.go's, without
// the operator's terms) when it creates one.
type channelOrgsData struct {
	Rows []channelRow
	// New is the form (nil: the caller creates no organization here);
	// NewKind the kind it creates, a distributor's resellers or a
	// reseller's customers.
	New     *organizationsData
	NewKind mercato.OrgKind
	// Order offers "Order for this customer" on the customers' rows.
	Order bool
}

// channelOrganizations lists a distributor's resellers (and their
// customers) or a reseller's customers.
func (s *Server) channelOrganizations(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := s.channelOrgsData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderChannelOrgs(w, r, v, d, http.StatusOK)
}

func (s *Server) renderChannelOrgs(w http.ResponseWriter, r *http.Request, v *view, d *channelOrgsData, status int) {
	v.Title, v.Active, v.Data = s.say(r, "Customers"), "/channel/organizations", d
	if v.P.OrgKind == mercato.KindDistributor {
		v.Title = s.say(r, "Resellers and their customers")
	}
	s.render(w, r, status, "channel_orgs.html", v)
}

func (s *Server) channelOrgsData(r *http.Request, v *view) (*channelOrgsData, error) {
	if err := only(v.P, mercato.KindDistributor, mercato.KindReseller, mercato.KindPlatform); err != nil {
		return nil, err
	}
	orgs, _, err := s.services.Accounts.ListOrganizations(r.Context(), v.P, mercato.OrganizationFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	subs, _, err := s.services.Lifecycle.ListSubscriptions(r.Context(), v.P, subscription.Filter{}, mercato.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	live := map[int64]int{}
	for _, sub := range subs {
		if !sub.Status.Final() && sub.Status != subscription.UndeploySent {
			live[sub.CustomerID]++
		}
	}
	byID := map[int64]string{}
	for _, o := range orgs {
		byID[o.ID] = o.Name
	}
	d := &channelOrgsData{Order: v.P.CanWrite()}
	for _, o := range orgs {
		if o.ID == v.P.OrgID {
			continue
		}
		rw := channelRow{Org: o, Live: live[o.ID]}
		if o.ParentID != nil {
			rw.Parent = byID[*o.ParentID]
		}
		d.Rows = append(d.Rows, rw)
	}
	if kind, ok := accounts.ChildKind(v.P.OrgKind); ok && v.P.CanWrite() {
		d.NewKind = kind
		d.New = &organizationsData{Errors: map[string]string{}, Form: orgForm{Kind: string(kind), Currency: v.Org.Currency, AdminLanguage: mercato.UserLanguages[0]}}
		if d.New.Form.Currency == "" {
			d.New.Form.Currency = "EUR"
		}
		for _, code := range mercato.UserLanguages {
			d.New.Languages = append(d.New.Languages, language{Code: code, Name: languageNames[code]})
		}
	}
	return d, nil
}

// createChannelOrganization creates an organization under the caller's
// (a reseller's customer, a distributor's reseller) and invites its first
// admin, as the operator's page does; the fee and buying on account are
// the operator's to set, so the form has neither.
func (s *Server) createChannelOrganization(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := s.channelOrgsData(r, v)
	if err == nil && d.New == nil {
		err = mercato.Errorf(mercato.EFORBIDDEN, "a %s creates no organizations", v.P.OrgKind)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := readOrgForm(r)
	f.Kind, f.Parent, f.FeePercent, f.OnAccount = string(d.NewKind), "", "", false
	d.New.Form = f
	_, flash, err := s.onboard(r, v, f, d.New.Errors)
	switch {
	case err == nil:
		s.back(w, r, "/channel/organizations", flash)
	case refused(err, d.New.Errors, ""):
		s.renderChannelOrgs(w, r, v, d, http.StatusUnprocessableEntity)
	default: // refused otherwise, or created without its admin invited
		s.after(w, r, v, err, "/channel/organizations", "")
	}
}

type priceRow struct {
	Product catalog.Product
	Plan    catalog.Plan
	List    *priceSplit // the vendor's list price
	// For a reseller: what it buys at, what its customers pay, and the
	// difference it keeps.
	Buy, Sell, Margin *priceSplit
	Markup            *pricing.Markup
}

// priceSplit is a price as a plan charges it: an amount each period, and a
// setup fee paid once with the first.
type priceSplit struct {
	Recurring, Setup decimal.Decimal
	Currency, Period string
}

// splitOf is the price of full (a first period, with the setup fee) split
// by recurring, a period without it.
func splitOf(recurring, full pricing.Quote) *priceSplit {
	return &priceSplit{Recurring: recurring.Total, Setup: full.Total.Sub(recurring.Total), Currency: full.Currency, Period: full.Period}
}

// minus is a − b, part by part.
func (a *priceSplit) minus(b *priceSplit) *priceSplit {
	return &priceSplit{Recurring: a.Recurring.Sub(b.Recurring), Setup: a.Setup.Sub(b.Setup), Currency: a.Currency, Period: a.Period}
}

// shareOf is the amount of q that organization org receives.
func shareOf(q pricing.Quote, org int64) decimal.Decimal {
	sum := decimal.Zero
	for _, sh := range q.Shares {
		if sh.OrganizationID == org {
			sum = sum.Add(sh.Amount)
		}
	}
	return sum
}

// resellerPrices is what reseller p buys plan at, what its customers pay
// and its margin, for qty units.
func (s *Server) resellerPrices(ctx context.Context, p mercato.Principal, plan int64, qty int64) (buy, sell, margin *priceSplit, err error) {
	full, err := s.services.Orders.Quote(ctx, p, ordering.QuoteRequest{PlanID: plan, Quantity: qty, ResellerID: p.OrgID})
	if err != nil {
		return nil, nil, nil, err
	}
	rec, err := s.services.Orders.Quote(ctx, p, ordering.QuoteRequest{PlanID: plan, Quantity: qty, ResellerID: p.OrgID, Recurring: true})
	if err != nil {
		return nil, nil, nil, err
	}
	sell = splitOf(rec, full)
	margin = &priceSplit{Recurring: shareOf(rec, p.OrgID), Setup: shareOf(full, p.OrgID).Sub(shareOf(rec, p.OrgID)), Currency: sell.Currency, Period: sell.Period}
	return sell.minus(margin), sell, margin, nil
}

// priceListPage shows every plan p may sell with its markup, the vendor's
// list price and, for a reseller, the price its customers pay.
func (s *Server) priceListPage(w http.ResponseWriter, r *http.Request, v *view) {
	if err := only(v.P, mercato.KindDistributor, mercato.KindReseller); err != nil {
		s.fail(w, r, v, err)
		return
	}
	ctx := r.Context()
	entries, err := s.services.Channel.PriceList(ctx, v.P, v.P.OrgID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	markups := map[int64]pricing.Markup{}
	for _, e := range entries {
		markups[e.PlanID] = e.Markup
	}
	prods, _, err := s.services.Catalog.ListProducts(ctx, v.P, catalog.ProductFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var rows []priceRow
	for _, prod := range prods {
		plans, _, err := s.services.Catalog.ListPlans(ctx, v.P, prod.ID, mercato.Page{Limit: 200})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, pl := range plans {
			row := priceRow{Product: prod, Plan: pl}
			qty := minQty(pl.Pricing)
			list := pricing.QuoteRequest{Quantity: qty, VendorID: prod.VendorID, PlatformFeePercent: decimal.Zero}
			rec, rerr := pl.Pricing.Quote(list)
			list.IncludeSetup = true
			if full, err := pl.Pricing.Quote(list); err == nil && rerr == nil {
				row.List = splitOf(rec, full)
			}
			if v.P.OrgKind == mercato.KindReseller {
				if buy, sell, margin, err := s.resellerPrices(ctx, v.P, pl.ID, qty); err == nil {
					row.Buy, row.Sell, row.Margin = buy, sell, margin
				}
			}
			if m, ok := markups[pl.ID]; ok {
				row.Markup = &m
			}
			rows = append(rows, row)
		}
	}
	v.Title, v.Active, v.Data = s.say(r, "Price list"), "/channel/prices", rows
	s.render(w, r, http.StatusOK, "prices.html", v)
}

func (s *Server) setPrice(w http.ResponseWriter, r *http.Request, v *view) {
	planID := formInt(r, "plan_id")
	kind := r.PostFormValue("kind")
	var err error
	if kind == "none" {
		err = s.services.Channel.DeletePrice(r.Context(), v.P, v.P.OrgID, planID)
		if mercato.ErrorCode(err) == mercato.ENOTFOUND {
			err = nil
		}
		s.after(w, r, v, err, "/channel/prices", s.say(r, "Markup removed: the plan sells at the price you buy it at."))
		return
	}
	val, derr := decimal.NewFromString(r.PostFormValue("value"))
	if derr != nil {
		s.after(w, r, v, mercato.Invalid("invalid markup", mercato.FieldError{Path: "value", Message: "must be a decimal number"}), "/channel/prices", "")
		return
	}
	_, err = s.services.Channel.SetPrice(r.Context(), v.P, pricing.PriceListEntry{OrganizationID: v.P.OrgID, PlanID: planID, Markup: pricing.Markup{Kind: kind, Value: val}})
	s.after(w, r, v, err, "/channel/prices", s.say(r, "Markup saved."))
}
