package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

type catalogRow struct {
	Product catalog.Product
	Rating  catalog.Rating
	From    *pricing.Quote // the first plan's price for its smallest quantity
}

// buyingFor is the customer a channel orders for, from the catalog's and
// the checkout's "for" (its id; none: the caller buys for itself): one the
// caller sees, of kind customer. The ordering service decides whether the
// caller may order for it; prices are quoted at what the customer pays.
func (s *Server) buyingFor(r *http.Request, v *view) (*mercato.Organization, error) {
	raw := r.FormValue("for")
	if raw == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == v.P.OrgID {
		return nil, mercato.Errorf(mercato.ENOTFOUND, "no such customer")
	}
	o, err := s.services.Accounts.Organization(r.Context(), v.P, id)
	if err != nil {
		return nil, err
	}
	if o.Kind != mercato.KindCustomer {
		return nil, mercato.Errorf(mercato.ENOTFOUND, "no such customer")
	}
	return &o, nil
}

// forID is the id of the customer ordered for (0: the caller itself).
func forID(o *mercato.Organization) int64 {
	if o == nil {
		return 0
	}
	return o.ID
}

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	buyer, err := s.buyingFor(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := catalog.ProductFilter{Type: catalog.ProductType(r.FormValue("type")), Query: strings.TrimSpace(r.FormValue("q"))}
	if f.Type != "" && !f.Type.Valid() {
		f.Type = ""
	}
	prods, _, err := s.services.Catalog.ListProducts(ctx, v.P, f, mercato.Page{Limit: 200})
	if buyer != nil {
		prods = published(prods) // a customer buys only what is published
	}
	status, searchErr := http.StatusOK, ""
	if mercato.ErrorCode(err) == mercato.EINVALID {
		// A search too long finds nothing, and says why beside the box.
		status, searchErr, prods = http.StatusUnprocessableEntity, s.say(r, "Search with at most %d characters.", catalog.MaxQueryLength), nil
	} else if err != nil {
		s.fail(w, r, v, err)
		return
	}
	ratings, err := s.services.Catalog.Ratings(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rows := make([]catalogRow, 0, len(prods))
	for _, p := range prods {
		row := catalogRow{Product: p, Rating: ratings[p.ID]}
		// "From" is a period's price, without a setup fee paid once.
		if plans, _, err := s.services.Catalog.ListPlans(ctx, v.P, p.ID, mercato.Page{Limit: 1}); err == nil && len(plans) > 0 {
			if q, err := s.services.Orders.Quote(ctx, v.P, ordering.QuoteRequest{PlanID: plans[0].ID, Quantity: minQty(plans[0].Pricing), CustomerID: forID(buyer), Recurring: true}); err == nil {
				row.From = &q
			}
		}
		rows = append(rows, row)
	}
	v.Title, v.Active = s.say(r, "Catalog"), "/catalog"
	if buyer != nil {
		v.Title, v.Active = s.say(r, "Catalog for %v", buyer.Name), "/channel/organizations"
	}
	v.Data = struct {
		Rows              []catalogRow
		Types             []catalog.ProductType
		Type              catalog.ProductType
		Query, QueryError string
		For               *mercato.Organization
	}{rows, catalog.ProductTypes, f.Type, f.Query, searchErr, buyer}
	s.render(w, r, status, "catalog.html", v)
}

func minQty(p pricing.Pricing) int64 {
	if p.MinQuantity > 1 {
		return p.MinQuantity
	}
	return 1
}

type planRow struct {
	Plan  catalog.Plan
	Price *priceSplit // each period, and a setup fee once
	Err   string
}

type productData struct {
	Product  catalog.Product
	Plans    []planRow
	Reviews  []catalog.Review
	Rating   catalog.Rating
	Mine     *catalog.Review
	CanBuy   bool
	Bought   bool
	Form     orderForm
	Errors   map[string]string
	Preview  *priceData
	Nonce    string
	FormErr  string
	IsVendor bool
	// Terms are the publisher's terms the buyer accepts to order (an
	// Azure Marketplace VM offer's); nil when the product has none.
	Terms *catalog.PublisherTerms
	// For is the customer its reseller (or distributor, or the operator)
	// orders for; nil when the caller buys for itself. The checkout is the
	// same, priced at what the customer pays.
	For *mercato.Organization
}

// configFields is what the "config" partial renders: a product's
// configuration fields with the values and errors of a posted form.
type configFields struct {
	Params []catalog.Parameter
	Values map[string]string
	Errors map[string]string
}

// ConfigFields is the checkout form's configuration fields.
func (d *productData) ConfigFields() configFields {
	return configFields{Params: d.Product.Parameters, Values: d.Form.Values, Errors: d.Errors}
}

type orderForm struct {
	PlanID      int64
	Quantity    int64
	Coupon      string
	AcceptTerms bool
	Values      map[string]string
}

func (s *Server) productData(r *http.Request, v *view, id int64, form orderForm) (*productData, error) {
	ctx := r.Context()
	buyer, err := s.buyingFor(r, v)
	if err != nil {
		return nil, err
	}
	prod, err := s.services.Catalog.Product(ctx, v.P, id)
	if err != nil {
		return nil, err
	}
	plans, _, err := s.services.Catalog.ListPlans(ctx, v.P, id, mercato.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	d := &productData{Product: prod, Form: form, Errors: map[string]string{}, Nonce: nonce(), For: buyer,
		CanBuy:   (v.P.OrgKind == mercato.KindCustomer || buyer != nil) && v.P.CanWrite() && prod.Published,
		IsVendor: prod.VendorID == v.P.OrgID || v.P.IsPlatform()}
	if t, ok := prod.Terms(); ok {
		d.Terms = &t
	}
	for _, pl := range plans {
		row := planRow{Plan: pl}
		full, err := s.services.Orders.Quote(ctx, v.P, ordering.QuoteRequest{PlanID: pl.ID, Quantity: minQty(pl.Pricing), CustomerID: forID(buyer)})
		if err == nil {
			var rec pricing.Quote
			if rec, err = s.services.Orders.Quote(ctx, v.P, ordering.QuoteRequest{PlanID: pl.ID, Quantity: minQty(pl.Pricing), CustomerID: forID(buyer), Recurring: true}); err == nil {
				row.Price = splitOf(rec, full)
			}
		}
		if err != nil {
			row.Err = mercato.ErrorMessage(err)
		}
		d.Plans = append(d.Plans, row)
	}
	if d.Form.PlanID == 0 && len(plans) > 0 {
		d.Form.PlanID = plans[0].ID
	}
	if d.Form.Quantity == 0 {
		d.Form.Quantity = 1
		for _, pl := range plans {
			if pl.ID == d.Form.PlanID {
				d.Form.Quantity = minQty(pl.Pricing)
			}
		}
	}
	if d.Form.Values == nil {
		d.Form.Values = map[string]string{}
	}
	if d.Form.PlanID != 0 {
		d.Preview = s.price(r, v, d.Form.PlanID, d.Form.Quantity, d.Form.Coupon, forID(buyer))
	}
	d.Reviews, d.Rating, err = s.services.Catalog.Reviews(ctx, v.P, id)
	if err != nil {
		return nil, err
	}
	for i := range d.Reviews {
		if d.Reviews[i].CustomerID == v.P.OrgID {
			d.Mine = &d.Reviews[i]
		}
	}
	if v.P.OrgKind == mercato.KindCustomer && buyer == nil {
		subs, _, err := s.services.Lifecycle.ListSubscriptions(ctx, v.P, subscription.Filter{ProductID: id}, mercato.Page{Limit: 1})
		if err != nil {
			return nil, err
		}
		d.Bought = len(subs) > 0
	}
	return d, nil
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) productPage(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d, err := s.productData(r, v, id, orderForm{PlanID: formInt(r, "plan_id")})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active, v.Data = d.Product.Name, "/catalog", d
	if d.For != nil {
		v.Title, v.Active = s.say(r, "%v for %v", d.Product.Name, d.For.Name), "/channel/organizations"
	}
	s.render(w, r, http.StatusOK, "product.html", v)
}

type priceData struct {
	Quote *pricing.Quote
	// Then is the price of the periods after the first, when the first
	// pays a setup fee too.
	Then  *priceSplit
	Error string
}

// price quotes a plan for v's organization, or the customer it orders for
// (customerID, 0: none), as the quote API does (channel markups included).
func (s *Server) price(r *http.Request, v *view, planID, qty int64, code string, customerID int64) *priceData {
	q, err := s.services.Orders.Quote(r.Context(), v.P, ordering.QuoteRequest{PlanID: planID, Quantity: qty, Coupon: code, CustomerID: customerID})
	if err != nil {
		msg := mercato.ErrorMessage(err)
		for _, f := range mercato.Fields(err) {
			msg = f.Message
			if f.Path != "" {
				msg = f.Path + " " + f.Message
			}
		}
		return &priceData{Error: msg}
	}
	d := &priceData{Quote: &q}
	if rec, err := s.services.Orders.Quote(r.Context(), v.P, ordering.QuoteRequest{PlanID: planID, Quantity: qty, Coupon: code, CustomerID: customerID, Recurring: true}); err == nil && !rec.Total.Equal(q.Total) {
		d.Then = splitOf(rec, q)
	}
	return d
}

// pricePreview is the live price of the checkout form (htmx).
func (s *Server) pricePreview(w http.ResponseWriter, r *http.Request, v *view) {
	buyer, err := s.buyingFor(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.fragment(w, r, "price.html", s.price(r, v, formInt(r, "plan_id"), formInt(r, "quantity"), strings.TrimSpace(r.FormValue("coupon")), forID(buyer)))
}

// configuration reads the product's configuration form: text as strings,
// integers as JSON numbers (float64, as the API decodes them), checkboxes
// as booleans; empty optional fields are left out.
func configuration(r *http.Request, params []catalog.Parameter) (map[string]any, map[string]string) {
	cfg := map[string]any{}
	raw := map[string]string{}
	for _, p := range params {
		val := strings.TrimSpace(r.PostFormValue("cfg." + p.Name))
		raw[p.Name] = val
		switch p.Type {
		case catalog.ParamBoolean:
			cfg[p.Name] = val == "on" || val == "true"
		case catalog.ParamInteger:
			if val == "" {
				continue
			}
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				cfg[p.Name] = float64(n)
			} else {
				cfg[p.Name] = val // reported as "must be an integer"
			}
		default:
			if val == "" && !p.Required {
				continue
			}
			cfg[p.Name] = val
		}
	}
	return cfg, raw
}

// order validates the configuration form, then places the order; a form
// with errors comes back with them beside their fields.
func (s *Server) order(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	buyer, err := s.buyingFor(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	prod, err := s.services.Catalog.Product(ctx, v.P, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	cfg, raw := configuration(r, prod.Parameters)
	form := orderForm{PlanID: formInt(r, "plan_id"), Quantity: formInt(r, "quantity"), Coupon: strings.TrimSpace(r.PostFormValue("coupon")),
		AcceptTerms: r.PostFormValue("accept_terms") == "on", Values: raw}
	err = catalog.ValidateConfiguration(prod.Parameters, cfg)
	var o subscription.Order
	if err == nil {
		o, err = s.services.Orders.PlaceOrder(ctx, v.P, subscription.OrderRequest{CustomerID: forID(buyer), PlanID: form.PlanID, Quantity: form.Quantity, Configuration: cfg,
			Coupon: form.Coupon, AcceptTerms: form.AcceptTerms, IdempotencyKey: "web:" + r.PostFormValue("nonce")})
	}
	if err != nil {
		code := mercato.ErrorCode(err)
		if code != mercato.EINVALID && code != mercato.ECONFLICT && code != mercato.EFORBIDDEN {
			s.fail(w, r, v, err)
			return
		}
		d, derr := s.productData(r, v, id, form)
		if derr != nil {
			s.fail(w, r, v, derr)
			return
		}
		d.FormErr = mercato.ErrorMessage(err)
		for _, f := range mercato.Fields(err) {
			d.Errors[strings.TrimPrefix(f.Path, "configuration.")] = f.Message
		}
		v.Title, v.Active, v.Data = prod.Name, "/catalog", d
		if buyer != nil {
			v.Title, v.Active = s.say(r, "%v for %v", prod.Name, buyer.Name), "/channel/organizations"
		}
		s.render(w, r, http.StatusUnprocessableEntity, "product.html", v)
		return
	}
	s.log.InfoContext(ctx, "order placed in the control panel", "order_id", o.ID, "subscription_id", o.SubscriptionID, "org_id", v.P.OrgID, "customer_id", o.CustomerID)
	flash := s.say(r, "Thank you! Your order is placed; %s is being set up.", prod.Name)
	if buyer != nil {
		flash = s.say(r, "The order for %v is placed; %v is being set up.", buyer.Name, prod.Name)
	}
	s.back(w, r, "/subscriptions/"+strconv.FormatInt(o.SubscriptionID, 10), flash)
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rating, _ := strconv.Atoi(r.PostFormValue("rating"))
	_, err = s.services.Catalog.SetReview(r.Context(), v.P, id, rating, r.PostFormValue("body"))
	s.after(w, r, v, err, "/products/"+strconv.FormatInt(id, 10)+"#reviews", s.say(r, "Thank you for your review."))
}

// subRow is one line of the applications dashboard.
type subRow struct {
	Sub       subscription.Subscription
	Product   string
	Plan      string
	Customer  string
	LaunchURL string
	Renewal   *billing.Offer // the call-to-action, when due
	Unread    int
}

// names caches product, plan and organization names for list pages.
type names struct {
	s        *Server
	r        *http.Request
	p        mercato.Principal
	products map[int64]catalog.Product
	plans    map[int64]catalog.Plan
	orgs     map[int64]string
}

func (s *Server) names(r *http.Request, p mercato.Principal) *names {
	return &names{s: s, r: r, p: p, products: map[int64]catalog.Product{}, plans: map[int64]catalog.Plan{}, orgs: map[int64]string{}}
}

func (n *names) product(id int64) catalog.Product {
	if pr, ok := n.products[id]; ok {
		return pr
	}
	pr, err := n.s.services.Catalog.Product(n.r.Context(), n.p, id)
	if err != nil {
		pr = catalog.Product{ID: id, Name: "product " + strconv.FormatInt(id, 10)}
	}
	n.products[id] = pr
	return pr
}

func (n *names) plan(id int64) catalog.Plan {
	if pl, ok := n.plans[id]; ok {
		return pl
	}
	pl, _, err := n.s.services.Catalog.Plan(n.r.Context(), n.p, id)
	if err != nil {
		pl = catalog.Plan{ID: id, Name: "plan " + strconv.FormatInt(id, 10)}
	}
	n.plans[id] = pl
	return pl
}

func (n *names) org(id int64) string {
	if name, ok := n.orgs[id]; ok {
		return name
	}
	name := "organization " + strconv.FormatInt(id, 10)
	if o, err := n.s.services.Accounts.Organization(n.r.Context(), n.p, id); err == nil {
		name = o.Name
	}
	n.orgs[id] = name
	return name
}

func launchURL(eps []subscription.Endpoint) string {
	for _, e := range eps {
		if e.Category == subscription.CategoryApp {
			return e.Endpoint
		}
	}
	return ""
}

// renewal is the renewal call-to-action of a running (or stopped)
// subscription when it is due: billing's offer, read through the billing service as
// GET /api/v1/subscriptions/{id}/renewal reads it (date, next term's
// price, whether it renews by itself).
func (s *Server) renewal(r *http.Request, p mercato.Principal, sub subscription.Subscription) *billing.Offer {
	// A trial's end is told by its own call-to-action (keep it, or let
	// it end), not as a term to renew.
	if (sub.Status != subscription.Deployed && sub.Status != subscription.Stopped) || sub.EndDate.IsZero() || sub.Type == subscription.TypeTrial {
		return nil
	}
	o, err := s.services.Billing.RenewalOffer(r.Context(), p, sub.ID)
	if err != nil {
		s.log.DebugContext(r.Context(), "no renewal offer", "subscription_id", sub.ID, "err", err)
		return nil
	}
	if !o.Due {
		return nil
	}
	return &o
}

// subscriptionsPage is the customer's applications dashboard, and everyone
// else's list of the subscriptions they provide, sold or run.
func (s *Server) subscriptionsPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	f := subscription.Filter{Status: subscription.Status(r.FormValue("status")), ProductID: formInt(r, "product_id")}
	subs, next, err := s.services.Lifecycle.ListSubscriptions(ctx, v.P, f, mercato.Page{After: formInt(r, "after"), Limit: 100})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	threads, err := s.services.Messaging.Threads(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	unread := map[int64]int{}
	for _, t := range threads {
		unread[t.SubscriptionID] = t.Unread
	}
	n := s.names(r, v.P)
	rows := make([]subRow, 0, len(subs))
	for i := len(subs) - 1; i >= 0; i-- { // newest first
		sub := subs[i]
		row := subRow{Sub: sub, Product: n.product(sub.ProductID).Name, Plan: n.plan(sub.PlanID).Name, Customer: n.org(sub.CustomerID),
			Renewal: s.renewal(r, v.P, sub), Unread: unread[sub.ID]}
		if sub.Status == subscription.Deployed {
			if prov, err := s.services.Provisioning.Provisioning(ctx, v.P, sub.ID); err == nil {
				row.LaunchURL = launchURL(prov.Endpoints)
			}
		}
		rows = append(rows, row)
	}
	v.Title, v.Active = s.say(r, "Subscriptions"), "/subscriptions"
	if v.P.OrgKind == mercato.KindCustomer {
		v.Title = s.say(r, "Applications")
	}
	v.Data = struct {
		Rows     []subRow
		Next     int64
		Status   subscription.Status
		Statuses []subscription.Status
		Customer bool
	}{rows, next, f.Status, subscription.Statuses, v.P.OrgKind == mercato.KindCustomer}
	s.render(w, r, http.StatusOK, "subscriptions.html", v)
}

type subscriptionData struct {
	subscription.Detail
	Customer   string
	LaunchURL  string
	Renewal    *billing.Offer
	Reveal     bool
	IsCustomer bool
	Changeable bool // it has not ended and the caller's role writes
	// What the caller may do, by the rules of the lifecycle service
	// (lifecycle.May): the page offers only those forms.
	MayChange  bool // quantity and automatic renewal
	MayRenew   bool // renew for another term now
	MayConvert bool // a trial to paid
	MayKeep    bool // cancel a termination scheduled at the end of the term
	MayCancel  bool
	// Deliverable offers "Mark delivered": a hand-fulfilled (service)
	// product's PENDING subscription, to whoever may deploy it.
	Deliverable bool
	Messages    []messaging.Message
	Usage       []usage.Record
	// UsageCharts are a metered plan's usage, one chart per metric, by
	// UsageStep (day: the last 30 days; month: the last 12 months).
	UsageCharts []chart
	UsageStep   usage.Step
	Orders      []subscription.Order
	Operations  []operation // the operator's steps from its status
	// RejectError is why a rejection was refused (its reason missing or
	// too long), shown beside the reason with RejectReason, as typed.
	RejectError  string
	RejectReason string
	// Terms is the publisher's terms its buyer accepted at checkout, and
	// TermsBy the organization it accepted them for.
	Terms   *catalog.TermsAcceptance
	TermsBy string
}

func (s *Server) subscriptionData(r *http.Request, v *view, reveal bool) (*subscriptionData, error) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	det, err := s.services.Lifecycle.SubscriptionDetail(ctx, v.P, id)
	if err != nil {
		return nil, err
	}
	d := &subscriptionData{Detail: det, Reveal: reveal && det.Revealed,
		IsCustomer: v.P.OrgID == det.CustomerID, Changeable: subscription.Changeable(det.Status) && v.P.CanWrite(),
		Renewal: s.renewal(r, v.P, det.Subscription), Customer: s.names(r, v.P).org(det.CustomerID)}
	if d.Changeable {
		d.MayChange = lifecycle.May(v.P, det.Subscription, det.Product, lifecycle.MayChange)
		d.MayRenew = lifecycle.May(v.P, det.Subscription, det.Product, lifecycle.MayRenew)
		d.MayConvert = lifecycle.May(v.P, det.Subscription, det.Product, lifecycle.MayConvert)
		d.MayKeep = lifecycle.MayAct(v.P, det.Subscription, det.Product, subscription.ActionTerminate)
		d.MayCancel = d.MayKeep
	}
	d.Deliverable = det.Product.Type == catalog.TypeService && det.Status == subscription.Pending &&
		lifecycle.MayAct(v.P, det.Subscription, det.Product, subscription.ActionDeploy)
	if det.Status == subscription.Deployed {
		d.LaunchURL = launchURL(det.Endpoints)
	}
	d.Operations = operationsFor(v.P, det.Status)
	if d.Messages, err = s.services.Messaging.Messages(ctx, v.P, id); err != nil {
		return nil, err
	}
	if d.Usage, _, err = s.services.Usage.ListUsage(ctx, v.P, id, usage.Filter{}, mercato.Page{Limit: 20}); err != nil {
		return nil, err
	}
	if len(det.Plan.Pricing.Metrics) > 0 {
		if d.UsageCharts, d.UsageStep, err = s.usageCharts(r, v.P, id); err != nil {
			return nil, err
		}
	}
	if d.Orders, _, err = s.services.Orders.ListOrders(ctx, v.P, subscription.OrderFilter{SubscriptionID: id}, mercato.Page{Limit: 50}); err != nil {
		return nil, err
	}
	if d.Terms, err = s.services.Orders.TermsAcceptance(ctx, v.P, id); err != nil {
		return nil, err
	}
	if d.Terms != nil {
		d.TermsBy = s.names(r, v.P).org(d.Terms.OrganizationID)
	}
	return d, nil
}

func (s *Server) subscriptionPage(w http.ResponseWriter, r *http.Request, v *view) {
	s.showSubscription(w, r, v, false)
}

// revealCredentials shows the page with the credential values, on request
// (a POST, so that values are never in a URL or a cached page).
func (s *Server) revealCredentials(w http.ResponseWriter, r *http.Request, v *view) {
	s.showSubscription(w, r, v, true)
}

func (s *Server) showSubscription(w http.ResponseWriter, r *http.Request, v *view, reveal bool) {
	s.showSubscriptionWith(w, r, v, reveal, http.StatusOK, nil)
}

// showSubscriptionWith renders the subscription page with status;
// rejectRefused, when not nil, is a refused rejection shown beside its
// reason, as typed.
func (s *Server) showSubscriptionWith(w http.ResponseWriter, r *http.Request, v *view, reveal bool, status int, rejectRefused error) {
	d, err := s.subscriptionData(r, v, reveal)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if rejectRefused != nil {
		d.RejectReason = r.PostFormValue("reason")
		d.RejectError = s.say(r, "Give the reason, in at most %d characters: the customer reads it.", subscription.MaxRejectionReason)
	}
	// Messages were just read: the menu's count follows.
	if n, err := s.services.Messaging.UnreadMessages(r.Context(), v.P); err == nil {
		v.Unread, v.Nav = n, navFor(v.P, n)
	}
	v.Title, v.Active, v.Data = s.say(r, "%s · subscription %d", d.Product.Name, d.ID), "/subscriptions", d
	s.render(w, r, status, "subscription.html", v)
}

func subPath(r *http.Request) string { return "/subscriptions/" + r.PathValue("id") }

func (s *Server) changeSeats(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	qty := formInt(r, "quantity")
	if r.PostFormValue("at_renewal") == "on" {
		sub, err := s.services.Orders.Change(r.Context(), v.P, id, subscription.Change{Quantity: &qty, AtRenewal: true})
		s.after(w, r, v, err, subPath(r), s.say(r, "The quantity becomes %d at the renewal, on %s.", qty, sub.EndDate.UTC().Format(wordsFor(s.langOf(r)).dateLayout())))
		return
	}
	_, err = s.services.Orders.Change(r.Context(), v.P, id, subscription.Change{Quantity: &qty})
	s.after(w, r, v, err, subPath(r), s.say(r, "The quantity is now %d.", qty))
}

func (s *Server) autoRenew(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	on := r.PostFormValue("auto_renew") == "on"
	_, err = s.services.Orders.Change(r.Context(), v.P, id, subscription.Change{AutoRenew: &on})
	msg := s.say(r, "Automatic renewal is off.")
	if on {
		msg = s.say(r, "Automatic renewal is on.")
	}
	s.after(w, r, v, err, subPath(r), msg)
}

func (s *Server) renew(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	_, err = s.services.Lifecycle.Renew(r.Context(), v.P, id)
	s.after(w, r, v, err, subPath(r), s.say(r, "Renewed for another term."))
}

func (s *Server) convert(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	_, err = s.services.Lifecycle.Convert(r.Context(), v.P, id)
	s.after(w, r, v, err, subPath(r), s.say(r, "The trial is now a paid subscription."))
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	sub, err := s.services.Lifecycle.Act(r.Context(), v.P, id, subscription.ActionTerminate)
	msg := s.say(r, "The subscription is cancelled.")
	if err == nil && sub.TerminateAt != nil && subscription.Changeable(sub.Status) {
		msg = s.say(r, "The subscription is committed until %s: it ends then.", sub.TerminateAt.Format(time.DateOnly))
	}
	s.after(w, r, v, err, subPath(r), msg)
}

// keep cancels the termination scheduled for the end of a commitment.
func (s *Server) keep(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	_, err = s.services.Lifecycle.CancelTermination(r.Context(), v.P, id)
	s.after(w, r, v, err, subPath(r), s.say(r, "The subscription goes on after its term."))
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	_, err = s.services.Messaging.PostMessage(r.Context(), v.P, id, r.PostFormValue("body"))
	s.after(w, r, v, err, subPath(r)+"#messages", s.say(r, "Message sent."))
}

type threadRow struct {
	messaging.Thread
	Product  string
	Customer string
}

func (s *Server) messagesPage(w http.ResponseWriter, r *http.Request, v *view) {
	ts, err := s.services.Messaging.Threads(r.Context(), v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	n := s.names(r, v.P)
	rows := make([]threadRow, 0, len(ts))
	for _, t := range ts {
		row := threadRow{Thread: t}
		if sub, err := s.services.Lifecycle.Subscription(r.Context(), v.P, t.SubscriptionID); err == nil {
			row.Product, row.Customer = n.product(sub.ProductID).Name, n.org(sub.CustomerID)
		}
		rows = append(rows, row)
	}
	v.Title, v.Active, v.Data = s.say(r, "Messages"), "/messages", rows
	s.render(w, r, http.StatusOK, "messages.html", v)
}

// published keeps the products on sale.
func published(prods []catalog.Product) []catalog.Product {
	var out []catalog.Product
	for _, p := range prods {
		if p.Published {
			out = append(out, p)
		}
	}
	return out
}
