package web

import (
	"net/http"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// channelOrganizations lists a distributor's resellers (and their
// customers) or a reseller's customers.
func (s *Server) channelOrganizations(w http.ResponseWriter, r *http.Request, v *view) {
	if err := only(v.P, mercato.KindDistributor, mercato.KindReseller, mercato.KindPlatform); err != nil {
		s.fail(w, r, v, err)
		return
	}
	orgs, _, err := s.services.Accounts.ListOrganizations(r.Context(), v.P, mercato.OrganizationFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	subs, _, err := s.services.Lifecycle.ListSubscriptions(r.Context(), v.P, subscription.Filter{}, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	live := map[int64]int{}
	for _, sub := range subs {
		if !sub.Status.Final() && sub.Status != subscription.UndeploySent {
			live[sub.CustomerID]++
		}
	}
	type row struct {
		Org    mercato.Organization
		Parent string
		Live   int
	}
	byID := map[int64]string{}
	for _, o := range orgs {
		byID[o.ID] = o.Name
	}
	var rows []row
	for _, o := range orgs {
		if o.ID == v.P.OrgID {
			continue
		}
		rw := row{Org: o, Live: live[o.ID]}
		if o.ParentID != nil {
			rw.Parent = byID[*o.ParentID]
		}
		rows = append(rows, rw)
	}
	v.Title, v.Active, v.Data = s.say(r, "Customers"), "/channel/organizations", rows
	if v.P.OrgKind == mercato.KindDistributor {
		v.Title = s.say(r, "Resellers and their customers")
	}
	s.render(w, r, http.StatusOK, "channel_orgs.html", v)
}

type priceRow struct {
	Product catalog.Product
	Plan    catalog.Plan
	List    *pricing.Quote // the vendor's list price
	Sell    *pricing.Quote // what p's buyers pay (resellers)
	Markup  *pricing.Markup
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
			if q, err := pl.Pricing.Quote(pricing.QuoteRequest{Quantity: qty, VendorID: prod.VendorID, PlatformFeePercent: decimal.NewFromInt(0)}); err == nil {
				row.List = &q
			}
			if v.P.OrgKind == mercato.KindReseller {
				if q, err := s.services.Orders.Quote(ctx, v.P, ordering.QuoteRequest{PlanID: pl.ID, Quantity: qty, ResellerID: v.P.OrgID}); err == nil {
					row.Sell = &q
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
