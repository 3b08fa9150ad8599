package cloudesire

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Subscriptions in the shapes of Cloudesire's DTOs: a list holds
// SubscriptionDTOs (SubscriptionItem, with the credentials and
// configuration parameters of the detail, which that DTO's readers
// ignore), GET subscription/{id} and the PATCH answer a
// SubscriptionDetailDTO (Subscription), whose orders, invoices and price
// ranges cost reads a list should not repeat for every item.

// Endpoint is a link to the provisioned service (EndpointDTO).
type Endpoint struct {
	Endpoint    string `json:"endpoint"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// Credential is a first-access credential (ApplicationCredentialOutputDTO);
// value is null for the vendor, description in the caller's language.
type Credential struct {
	Key         string  `json:"key"`
	Value       *string `json:"value"`
	Description string  `json:"description"`
	Weight      int     `json:"weight"`
}

// SubscriptionItem is a subscription as a list shows it (SubscriptionDTO).
type SubscriptionItem struct {
	ID                      int64                `json:"id"`
	Self                    string               `json:"self"`
	Name                    string               `json:"name"`
	CreatedAt               Time                 `json:"createdAt"`
	UpdatedAt               Time                 `json:"updatedAt"`
	StartDate               Time                 `json:"startDate"`
	EndDate                 Time                 `json:"endDate"`
	BillingPeriodStart      *Time                `json:"billingPeriodStart,omitempty" doc:"when the current billing period started (absent once the subscription ended)"`
	BillingPeriodEnd        *Time                `json:"billingPeriodEnd,omitempty" doc:"when the current billing period ends"`
	LastInvoice             *Time                `json:"lastInvoice,omitempty" doc:"billingPeriodStart, under the name older Cloudesire clients read"`
	NextInvoice             *Time                `json:"nextInvoice,omitempty" doc:"billingPeriodEnd, under the name older Cloudesire clients read"`
	DeploymentStatus        string               `json:"deploymentStatus"`
	Paid                    bool                 `json:"paid"`
	AutoRenew               bool                 `json:"autoRenew"`
	Type                    string               `json:"type" enum:"NORMAL,TRIAL,SANDBOX"`
	BillingPeriod           int                  `json:"billingPeriod" doc:"months"`
	Product                 *Ref                 `json:"product"`
	ProductVersion          *Ref                 `json:"productVersion"`
	Company                 *Ref                 `json:"company"`
	Buyer                   *Ref                 `json:"buyer,omitempty" doc:"the user who placed the order; absent when none did"`
	Endpoints               []Endpoint           `json:"endpoints"`
	SyndicatedEndpoints     []string             `json:"syndicatedEndpoints" doc:"the endpoints' URLs, as older Cloudesire clients read them"`
	EndUserInstructions     string               `json:"endUserInstructions" doc:"in the language asked for with ?language=, else English"`
	BillingItems            []BillingItem        `json:"billingItems"`
	Credentials             []Credential         `json:"credentials"`
	ConfigurationParameters []ConfigurationValue `json:"configurationParameters"`
}

// Subscription is one subscription with everything about it
// (SubscriptionDetailDTO).
type Subscription struct {
	SubscriptionItem
	Orders            []Ref              `json:"orders"`
	Invoices          []Ref              `json:"invoices" doc:"issued invoices with a line billing it; a vendor's integration reads only its own lines"`
	BillingItemValues []BillingItemValue `json:"billingItemValues" doc:"the price ranges of its plan's billing items"`
}

// itemOf shapes a subscription for a list, texts in lang, the billing
// period the one holding now.
func itemOf(d subscription.Detail, lang string, now time.Time) SubscriptionItem {
	out := SubscriptionItem{
		ID: d.ID, Self: "subscription/" + strconv.FormatInt(d.ID, 10), Name: nameOf(d),
		CreatedAt: Time(d.CreatedAt), UpdatedAt: Time(d.UpdatedAt), StartDate: Time(d.StartDate), EndDate: Time(d.EndDate),
		DeploymentStatus: string(d.Status), Paid: d.Paid, AutoRenew: d.AutoRenew, Type: string(d.Type),
		BillingPeriod: billingPeriod(d.Plan.Pricing), Product: ref("product", d.ProductID), ProductVersion: ref("productVersion", d.PlanID),
		Company: ref("company", d.CustomerID), Endpoints: []Endpoint{}, SyndicatedEndpoints: []string{},
		EndUserInstructions: localized(d.Instructions, lang), BillingItems: boughtItems(d),
		Credentials: []Credential{}, ConfigurationParameters: configurationOf(d),
	}
	if d.BuyerID != 0 {
		out.Buyer = ref("user", d.BuyerID)
	}
	for _, e := range d.Endpoints {
		out.Endpoints = append(out.Endpoints, Endpoint{Endpoint: e.Endpoint, Description: e.Description, Category: string(e.Category)})
		out.SyndicatedEndpoints = append(out.SyndicatedEndpoints, e.Endpoint)
	}
	for _, c := range d.Credentials {
		cr := Credential{Key: c.Key, Description: localized(c.Description, lang), Weight: c.Weight}
		if d.Revealed {
			v := c.Value
			cr.Value = &v
		}
		out.Credentials = append(out.Credentials, cr)
	}
	if from, to, ok := currentPeriod(d, now); ok {
		out.BillingPeriodStart, out.BillingPeriodEnd = timePtr(&from), timePtr(&to)
		out.LastInvoice, out.NextInvoice = out.BillingPeriodStart, out.BillingPeriodEnd
	}
	return out
}

// detailOf shapes a subscription with its orders and invoices.
func detailOf(d subscription.Detail, lang string, now time.Time, orders, invoices []int64) Subscription {
	return Subscription{SubscriptionItem: itemOf(d, lang, now), Orders: refs("order", orders), Invoices: refs("invoice", invoices),
		BillingItemValues: priceRanges(d.Plan)}
}

// currentPeriod is the billing period of d holding now: from its start
// (or the end of its trial) by its plan's period, clamped to the term;
// none once the subscription ended or before it started.
func currentPeriod(d subscription.Detail, now time.Time) (from, to time.Time, ok bool) {
	if d.Status == subscription.Undeployed || now.Before(d.StartDate) || !now.Before(d.EndDate) {
		return from, to, false
	}
	period, _, err := d.Plan.Pricing.Periods()
	if err != nil {
		return from, to, false
	}
	// Periods count from the end of a free trial; during it, the trial.
	anchor := d.StartDate
	if days := d.Plan.Pricing.TrialDays; days > 0 {
		anchor = anchor.AddDate(0, 0, days)
	}
	if now.Before(anchor) {
		return d.StartDate, anchor, true
	}
	w := billing.WindowAt(anchor, period, now)
	if w.To.After(d.EndDate) {
		w.To = d.EndDate
	}
	return w.From, w.To, true
}

// configurationOf lists the buyer's configuration in the order of the
// product's parameters, then any value of a parameter the product no
// longer has (without a reference), by name. Values that are not strings
// are written as JSON (42, true).
func configurationOf(d subscription.Detail) []ConfigurationValue {
	ids := parameterIDs(d.Product)
	out := []ConfigurationValue{}
	seen := map[string]bool{}
	add := func(name string, v any) {
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		cv := ConfigurationValue{Code: name, Value: s}
		if id, ok := ids[name]; ok {
			cv.ConfigurationParameter = ref("configurationParameter", id)
		}
		out = append(out, cv)
		seen[name] = true
	}
	for _, p := range d.Product.Parameters {
		if v, ok := d.Configuration[p.Name]; ok && v != nil {
			add(p.Name, v)
		}
	}
	var rest []string
	for name, v := range d.Configuration {
		if !seen[name] && v != nil {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		add(name, d.Configuration[name])
	}
	return out
}

// billingPeriod is a plan's period in months (1 for periods in days or
// weeks, which Cloudesire has not).
func billingPeriod(p pricing.Pricing) int {
	s := p.Period
	if s == "" {
		s = "P1M"
	}
	per, err := pricing.ParsePeriod(s)
	if err != nil || per.Months() == 0 {
		return 1
	}
	return per.Months()
}

// references reads the ids of a subscription's orders and invoices.
func (h *Handler) references(ctx context.Context, p mercato.Principal, id int64) (orders, invoices []int64, err error) {
	orders, err = collect(func(pg mercato.Page) ([]int64, int64, error) {
		os, next, err := h.Orders.ListOrders(ctx, p, subscription.OrderFilter{SubscriptionID: id}, pg)
		ids := make([]int64, 0, len(os))
		for _, o := range os {
			ids = append(ids, o.ID)
		}
		return ids, next, err
	})
	if err != nil {
		return nil, nil, err
	}
	invoices, err = collect(func(pg mercato.Page) ([]int64, int64, error) {
		is, next, err := h.Invoices.SubscriptionInvoices(ctx, p, id, pg)
		ids := make([]int64, 0, len(is))
		for _, i := range is {
			ids = append(ids, i.ID)
		}
		return ids, next, err
	})
	return orders, invoices, err
}

// maxReferences bounds the references a subscription lists of one kind.
const maxReferences = 1000

// collect reads pages of ids until the last, or maxReferences.
func collect(page func(mercato.Page) ([]int64, int64, error)) ([]int64, error) {
	out := []int64{}
	pg := mercato.Page{Limit: 200}
	for len(out) < maxReferences {
		ids, next, err := page(pg)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
		if next == 0 {
			break
		}
		pg.After = next
	}
	return out, nil
}

func (h *Handler) detail(ctx context.Context, p mercato.Principal, r *http.Request, id int64) (Subscription, error) {
	lang, err := language(r)
	if err != nil {
		return Subscription{}, err
	}
	d, err := h.Lifecycle.SubscriptionDetail(ctx, p, id)
	if err != nil {
		return Subscription{}, err
	}
	// Secret values: opened for the provider, masked for the others.
	if d.Configuration, err = h.Lifecycle.Configuration(ctx, p, id); err != nil {
		return Subscription{}, err
	}
	orders, invoices, err := h.references(ctx, p, id)
	if err != nil {
		return Subscription{}, err
	}
	return detailOf(d, lang, h.now(), orders, invoices), nil
}

func (h *Handler) getSubscription(ctx context.Context, p mercato.Principal, r *http.Request, id int64) (any, error) {
	return h.detail(ctx, p, r, id)
}

func (h *Handler) listSubscriptions(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	return h.list(ctx, p, w, r, time.Time{})
}

// expiring lists live subscriptions ending within ?days= (default 30).
func (h *Handler) expiring(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	days := 30
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3660 {
			return 0, nil, mercato.Invalid("invalid days", mercato.FieldError{Path: "days", Message: "must be a whole number from 1 to 3660"})
		}
		days = n
	}
	return h.list(ctx, p, w, r, h.now().AddDate(0, 0, days))
}

// filter reads a list's deploymentStatus and product filters.
func filter(r *http.Request) (subscription.Filter, error) {
	var f subscription.Filter
	q := r.URL.Query()
	if v := q.Get("deploymentStatus"); v != "" {
		st, err := subscription.ParseStatus(v)
		if err != nil {
			return f, mercato.Invalid("invalid filter", mercato.FieldError{Path: "deploymentStatus", Message: "unknown status"})
		}
		f.Status = st
	}
	if v := q.Get("product"); v != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(v, "product/"), 10, 64)
		if err != nil || id < 1 {
			return f, mercato.Invalid("invalid filter", mercato.FieldError{Path: "product", Message: "must be a product id"})
		}
		f.ProductID = id
	}
	return f, nil
}

func (h *Handler) list(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request, expiringBefore time.Time) (int, any, error) {
	pg, err := page(r)
	lang, lerr := language(r)
	f, ferr := filter(r)
	if err = errors.Join(err, lerr, ferr); err != nil {
		return 0, nil, err
	}
	subs, total, err := h.Lifecycle.SubscriptionPage(ctx, p, f, expiringBefore, pg)
	if err != nil {
		return 0, nil, err
	}
	now := h.now()
	out := make([]SubscriptionItem, 0, len(subs))
	for _, s := range subs {
		d, err := h.Lifecycle.SubscriptionDetail(ctx, p, s.ID)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, itemOf(d, lang, now))
	}
	pageHeaders(w, pg, total)
	if wantsCSV(r) {
		return http.StatusOK, subscriptionsCSV(out), nil
	}
	return http.StatusOK, out, nil
}

// maxPageSize caps a page: a larger CMW-PageSize is served pages of this
// size, which the answer's CMW-PageSize says, as Cloudesire caps it.
const maxPageSize = 200

// page reads CMW-PageSize and CMW-PageNumber (or the pageSize and
// pageNumber query parameters); pages count from 1, 20 items by default,
// at most maxPageSize.
func page(r *http.Request) (mercato.NumberedPage, error) {
	pg := mercato.NumberedPage{Number: 1, Size: 20}
	for _, f := range []struct {
		header, query string
		dst           *int
		max           int
	}{{"CMW-PageSize", "pageSize", &pg.Size, math.MaxInt32}, {"CMW-PageNumber", "pageNumber", &pg.Number, 1_000_000}} {
		v := r.Header.Get(f.header)
		if v == "" {
			v = r.URL.Query().Get(f.query)
		}
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > f.max {
			return pg, mercato.Invalid("invalid paging", mercato.FieldError{Path: f.header, Message: "must be a whole number from 1 to " + strconv.Itoa(f.max)})
		}
		*f.dst = n
	}
	pg.Size = min(pg.Size, maxPageSize)
	return pg, nil
}

// pageHeaders answers the CMW-* paging headers of a page of total items.
func pageHeaders(w http.ResponseWriter, pg mercato.NumberedPage, total int) {
	hd := w.Header()
	hd.Set("CMW-TotalItems", strconv.Itoa(total))
	hd.Set("CMW-TotalPages", strconv.Itoa(int(math.Ceil(float64(total)/float64(pg.Size)))))
	hd.Set("CMW-PageSize", strconv.Itoa(pg.Size))
	hd.Set("CMW-PageNumber", strconv.Itoa(pg.Number))
}

// patchSubscription takes {"deploymentStatus": X} from the provider: the
// move goes through the state machine, as on /api/v1; or an action
// (patch.go).
func (h *Handler) patchSubscription(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, _, err := idAndLanguage(r)
	if err != nil {
		return 0, nil, err
	}
	var body subscriptionPatch
	if err := decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	if body.Action != nil {
		if err := h.act(ctx, p, id, body); err != nil {
			return 0, nil, err
		}
		if strings.EqualFold(*body.Action, "RENEW") {
			return http.StatusNoContent, nil, nil // as Cloudesire documents it
		}
		s, err := h.detail(ctx, p, r, id)
		return http.StatusOK, s, err
	}
	if body.DeploymentStatus == nil {
		return 0, nil, mercato.Invalid("nothing to change", mercato.FieldError{Path: "deploymentStatus", Message: "is required"})
	}
	to, err := subscription.ParseStatus(*body.DeploymentStatus)
	if err != nil {
		return 0, nil, mercato.Invalid("invalid deployment status", mercato.FieldError{Path: "deploymentStatus", Message: "unknown status"})
	}
	if _, err := h.Lifecycle.SetStatus(ctx, p, id, to); err != nil {
		return 0, nil, err
	}
	s, err := h.detail(ctx, p, r, id)
	return http.StatusOK, s, err
}

// nameOf is a subscription's name: the one it was given (SET_NAME), else
// its product's and plan's.
func nameOf(d subscription.Detail) string {
	if d.Name != "" {
		return d.Name
	}
	return d.Product.Name + " - " + d.Plan.Name
}
