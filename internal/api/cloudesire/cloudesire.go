// Package cloudesire serves the subset of Cloudesire's REST API that a
// syndicated vendor's integration uses, under /api/ beside the native
// /api/v1, so that an integration written for Cloudesire works against
// Mercato with only its base URL and token changed.
//
// Authentication: the header CMW-Auth-Token carries a Mercato API token
// (mct_…); CMW-Auth-User, when sent, must be the email of the token's user.
// HTTP Basic authentication takes the user's email as the user name and one
// of that user's API tokens as the password (Mercato keeps no reusable
// passwords for API clients). Authorization: Bearer works too. The front
// door (internal/frontdoor) reads these credentials and rate-limits them
// like the native API's; this package only reads the resolved principal.
//
// Wire conventions: camelCase JSON, resources with "self" and references
// as {"url": "product/12"}, list paging through the CMW-PageSize and
// CMW-PageNumber request headers (or pageSize and pageNumber query
// parameters) answered with CMW-TotalItems, CMW-TotalPages, CMW-PageSize
// and CMW-PageNumber, and errors as {"errorHolders":[{"key","error"}]}.
// Visibility is the store's: a subscription the caller may not see is 404.
package cloudesire

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Prefix is where the API is mounted.
const Prefix = "/api/"

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Handler serves the Cloudesire-compatible API.
type Handler struct {
	store        *store.Store
	lifecycle    Lifecycle
	provisioning Provisioning
	catalog      Catalog
	accounts     Accounts
	log          *slog.Logger
	mux          *http.ServeMux
	routes       []string // "METHOD /api/path" of every route, for the document's test
}

// Lifecycle is the use case the API runs for a provider's status report
// (internal/lifecycle).
type Lifecycle interface {
	SetStatus(ctx context.Context, p mercato.Principal, id int64, to subscription.Status) (subscription.Subscription, error)
	SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (subscription.Detail, error)
	SubscriptionPage(ctx context.Context, p mercato.Principal, f subscription.Filter, expiringBefore time.Time, pg mercato.NumberedPage) ([]subscription.Subscription, int, error)
}

// Option configures a Handler.
type Option func(*Handler)

// WithLifecycle sets the lifecycle service (by default one over the store).
func WithLifecycle(l Lifecycle) Option { return func(h *Handler) { h.lifecycle = l } }

// New returns the API over st; mount it at /api/.
func New(st *store.Store, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{store: st, log: log, mux: http.NewServeMux()}
	for _, o := range opts {
		o(h)
	}
	if h.lifecycle == nil {
		h.lifecycle = app.Lifecycle(st)
	}
	if h.provisioning == nil {
		h.provisioning = provisioning.New(st, store.TxFunc[provisioning.Tx](st))
	}
	if h.catalog == nil {
		h.catalog = listing.New(st, store.TxFunc[listing.Tx](st))
	}
	if h.accounts == nil {
		h.accounts = accounts.New(st, store.TxFunc[accounts.Tx](st))
	}
	route := func(path string, methods map[string]handlerFunc) {
		for m := range methods {
			h.routes = append(h.routes, m+" "+Prefix+path)
		}
		h.mux.HandleFunc(Prefix+path, func(w http.ResponseWriter, r *http.Request) {
			fn, ok := methods[r.Method]
			if !ok && r.Method == http.MethodHead {
				fn, ok = methods[http.MethodGet]
			}
			if !ok {
				allow := make([]string, 0, len(methods))
				for m := range methods {
					allow = append(allow, m)
				}
				sort.Strings(allow)
				w.Header().Set("Allow", strings.Join(allow, ", "))
				writeError(w, http.StatusMethodNotAllowed, "methodNotAllowed", "method "+r.Method+" is not allowed here")
				return
			}
			h.serve(w, r, fn)
		})
	}
	route("user/me", map[string]handlerFunc{http.MethodGet: h.me})
	route("user/{id}", map[string]handlerFunc{http.MethodGet: h.user})
	route("subscription", map[string]handlerFunc{http.MethodGet: h.listSubscriptions})
	route("subscription/expiring", map[string]handlerFunc{http.MethodGet: h.expiring})
	route("subscription/{id}", map[string]handlerFunc{http.MethodGet: h.getSubscription, http.MethodPatch: h.patchSubscription})
	route("subscription/{id}/endpoints", map[string]handlerFunc{http.MethodPost: h.postEndpoints})
	route("subscription/{id}/instructions", map[string]handlerFunc{http.MethodPost: h.postInstructions})
	route("subscription/{id}/credentials", map[string]handlerFunc{http.MethodPost: h.postCredentials})
	route("product/{id}", map[string]handlerFunc{http.MethodGet: h.product})
	route("productVersion/{id}", map[string]handlerFunc{http.MethodGet: h.productVersion})
	h.mux.HandleFunc("GET "+OpenAPIPath, serveOpenAPI) // no authentication (openapi.go)
	h.routes = append(h.routes, "GET "+OpenAPIPath)
	h.mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "notFound", "no such resource: "+r.Method+" "+r.URL.Path)
	})
	return h
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// handlerFunc answers one authenticated request with a status and a body,
// or an error mapped by fail.
type handlerFunc func(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error)

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, fn handlerFunc) {
	// The front door resolved the caller (CMW-Auth-Token with
	// CMW-Auth-User, HTTP Basic or Bearer), limited its rate and refused
	// read-only roles' changes; here only its absence is answered.
	p, ok := frontdoor.PrincipalFrom(r.Context())
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="mercato"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "authentication required: CMW-Auth-Token header or HTTP Basic (email and API token)")
		return
	}
	status, body, err := fn(r.Context(), p, w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, status, body)
}

// Resources.

// Ref is a reference to another resource.
type Ref struct {
	URL string `json:"url"`
}

func ref(kind string, id int64) *Ref { return &Ref{URL: kind + "/" + strconv.FormatInt(id, 10)} }

// Time is a timestamp as Cloudesire writes them: UTC, whole seconds.
type Time time.Time

// MarshalJSON writes the time as 2015-01-05T13:59:00Z.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

// User is a Cloudesire user.
type User struct {
	ID           int64  `json:"id"`
	Self         string `json:"self"`
	Email        string `json:"email"`
	UserName     string `json:"userName"`
	Name         string `json:"name"`
	UserRole     string `json:"userRole"`
	Company      *Ref   `json:"company"`
	Enabled      bool   `json:"enabled"`
	Activated    bool   `json:"activated"`
	CreationDate Time   `json:"creationDate"`
}

var roles = map[mercato.OrgKind]string{
	mercato.KindPlatform: "ROLE_ADMIN", mercato.KindVendor: "ROLE_VENDOR", mercato.KindDistributor: "ROLE_DISTRIBUTOR",
	mercato.KindReseller: "ROLE_RESELLER", mercato.KindCustomer: "ROLE_USER",
}

func userOf(u mercato.User, kind mercato.OrgKind) User {
	return User{ID: u.ID, Self: "user/" + strconv.FormatInt(u.ID, 10), Email: u.Email, UserName: u.Email, Name: u.Name,
		UserRole: roles[kind], Company: ref("company", u.OrganizationID), Enabled: true, Activated: true, CreationDate: Time(u.CreatedAt)}
}

func (h *Handler) me(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, _ *http.Request) (int, any, error) {
	u, err := h.accounts.User(ctx, p, p.UserID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, userOf(u, p.OrgKind), nil
}

func (h *Handler) user(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	u, err := h.accounts.SubscriberUser(ctx, p, id)
	if err != nil {
		return 0, nil, err
	}
	kind := mercato.KindCustomer
	if u.OrganizationID == p.OrgID {
		kind = p.OrgKind
	} else if o, err := h.accounts.Organization(ctx, p, u.OrganizationID); err == nil {
		kind = o.Kind
	}
	return http.StatusOK, userOf(u, kind), nil
}

// Endpoint is a link to the provisioned service.
type Endpoint struct {
	Endpoint    string `json:"endpoint"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// Credential is a first-access credential; value is null for the vendor.
type Credential struct {
	Key         string            `json:"key"`
	Value       *string           `json:"value"`
	Description map[string]string `json:"description"`
	Weight      int               `json:"weight"`
}

// BillingItem is the quantity bought of a plan's unit.
type BillingItem struct {
	BillingItem *Ref   `json:"billingItem"`
	Value       int64  `json:"value"`
	Tag         string `json:"tag"`
	Unlimited   bool   `json:"unlimited"`
}

// Subscription is a Cloudesire subscription.
type Subscription struct {
	ID                      int64             `json:"id"`
	Self                    string            `json:"self"`
	Name                    string            `json:"name"`
	CreatedAt               Time              `json:"createdAt"`
	UpdatedAt               Time              `json:"updatedAt"`
	StartDate               Time              `json:"startDate"`
	EndDate                 Time              `json:"endDate"`
	DeploymentStatus        string            `json:"deploymentStatus"`
	Paid                    bool              `json:"paid"`
	AutoRenew               bool              `json:"autoRenew"`
	Type                    string            `json:"type"`
	BillingPeriod           int               `json:"billingPeriod"`
	Product                 *Ref              `json:"product"`
	ProductVersion          *Ref              `json:"productVersion"`
	Company                 *Ref              `json:"company"`
	Buyer                   *Ref              `json:"buyer"`
	Endpoints               []Endpoint        `json:"endpoints"`
	EndUserInstructions     map[string]string `json:"endUserInstructions"`
	Credentials             []Credential      `json:"credentials"`
	ConfigurationParameters map[string]string `json:"configurationParameters"`
	BillingItems            []BillingItem     `json:"billingItems"`
}

func subscriptionOf(d store.SubscriptionDetail) Subscription {
	out := Subscription{
		ID: d.ID, Self: "subscription/" + strconv.FormatInt(d.ID, 10), Name: d.Product.Name + " - " + d.Plan.Name,
		CreatedAt: Time(d.CreatedAt), UpdatedAt: Time(d.UpdatedAt), StartDate: Time(d.StartDate), EndDate: Time(d.EndDate),
		DeploymentStatus: string(d.Status), Paid: d.Paid, AutoRenew: d.AutoRenew, Type: string(d.Type),
		BillingPeriod: billingPeriod(d.Plan.Pricing), Product: ref("product", d.ProductID), ProductVersion: ref("productVersion", d.PlanID),
		Company: ref("company", d.CustomerID), Endpoints: []Endpoint{}, EndUserInstructions: d.Instructions, Credentials: []Credential{},
		ConfigurationParameters: map[string]string{}, BillingItems: []BillingItem{},
	}
	if d.BuyerID != 0 {
		out.Buyer = ref("user", d.BuyerID)
	}
	for _, e := range d.Endpoints {
		out.Endpoints = append(out.Endpoints, Endpoint{Endpoint: e.Endpoint, Description: e.Description, Category: string(e.Category)})
	}
	for _, c := range d.Credentials {
		cr := Credential{Key: c.Key, Description: c.Description, Weight: c.Weight}
		if d.Revealed {
			v := c.Value
			cr.Value = &v
		}
		out.Credentials = append(out.Credentials, cr)
	}
	// Parameters are named, not numbered, here: configurationParameter/{name}.
	for name, v := range d.Configuration {
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		out.ConfigurationParameters["configurationParameter/"+name] = s
	}
	if unit := d.Plan.Pricing.Unit; unit != "" && d.Plan.Pricing.Model != pricing.ModelFlat {
		out.BillingItems = append(out.BillingItems, BillingItem{BillingItem: &Ref{URL: "billingItem/" + unit}, Value: d.Quantity, Tag: unit})
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

func (h *Handler) detail(ctx context.Context, p mercato.Principal, id int64) (Subscription, error) {
	d, err := h.lifecycle.SubscriptionDetail(ctx, p, id)
	if err != nil {
		return Subscription{}, err
	}
	return subscriptionOf(d), nil
}

func (h *Handler) getSubscription(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	s, err := h.detail(ctx, p, id)
	return http.StatusOK, s, err
}

// page reads CMW-PageSize and CMW-PageNumber (or the pageSize and
// pageNumber query parameters); pages count from 1, 20 items by default.
func page(r *http.Request) (store.NumberedPage, error) {
	pg := store.NumberedPage{Number: 1, Size: 20}
	for _, f := range []struct {
		header, query string
		dst           *int
		max           int
	}{{"CMW-PageSize", "pageSize", &pg.Size, 200}, {"CMW-PageNumber", "pageNumber", &pg.Number, 1_000_000}} {
		v := r.Header.Get(f.header)
		if v == "" {
			v = r.URL.Query().Get(f.query)
		}
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > f.max {
			return pg, mercato.Invalid("invalid paging", mercato.FieldError{Path: f.header, Message: fmt.Sprintf("must be a whole number from 1 to %d", f.max)})
		}
		*f.dst = n
	}
	return pg, nil
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
	return h.list(ctx, p, w, r, h.store.Now().AddDate(0, 0, days))
}

func (h *Handler) list(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request, expiringBefore time.Time) (int, any, error) {
	pg, err := page(r)
	if err != nil {
		return 0, nil, err
	}
	var f store.SubscriptionFilter
	q := r.URL.Query()
	if v := q.Get("deploymentStatus"); v != "" {
		st, err := subscription.ParseStatus(v)
		if err != nil {
			return 0, nil, mercato.Invalid("invalid filter", mercato.FieldError{Path: "deploymentStatus", Message: "unknown status"})
		}
		f.Status = st
	}
	if v := q.Get("product"); v != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(v, "product/"), 10, 64)
		if err != nil || id < 1 {
			return 0, nil, mercato.Invalid("invalid filter", mercato.FieldError{Path: "product", Message: "must be a product id"})
		}
		f.ProductID = id
	}
	subs, total, err := h.lifecycle.SubscriptionPage(ctx, p, f, expiringBefore, pg)
	if err != nil {
		return 0, nil, err
	}
	out := make([]Subscription, 0, len(subs))
	for _, s := range subs {
		d, err := h.detail(ctx, p, s.ID)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, d)
	}
	hd := w.Header()
	hd.Set("CMW-TotalItems", strconv.Itoa(total))
	hd.Set("CMW-TotalPages", strconv.Itoa(int(math.Ceil(float64(total)/float64(pg.Size)))))
	hd.Set("CMW-PageSize", strconv.Itoa(pg.Size))
	hd.Set("CMW-PageNumber", strconv.Itoa(pg.Number))
	return http.StatusOK, out, nil
}

// patchSubscription takes {"deploymentStatus": X} from the provider: the
// move goes through the state machine, as on /api/v1.
func (h *Handler) patchSubscription(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		DeploymentStatus *string `json:"deploymentStatus"`
	}
	if err := decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	if body.DeploymentStatus == nil {
		return 0, nil, mercato.Invalid("nothing to change", mercato.FieldError{Path: "deploymentStatus", Message: "is required"})
	}
	to, err := subscription.ParseStatus(*body.DeploymentStatus)
	if err != nil {
		return 0, nil, mercato.Invalid("invalid deployment status", mercato.FieldError{Path: "deploymentStatus", Message: "unknown status"})
	}
	if _, err := h.lifecycle.SetStatus(ctx, p, id, to); err != nil {
		return 0, nil, err
	}
	s, err := h.detail(ctx, p, id)
	return http.StatusOK, s, err
}
