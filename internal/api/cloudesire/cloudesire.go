// Package cloudesire serves the subset of Cloudesire's REST API that a
// syndicated vendor's integration uses, under /api/ beside the native
// /api/v1, so that an integration written for Cloudesire works against
// Mercato with only its base URL and token changed.
//
// Authentication: the header CMW-Auth-Token carries a Mercato API token
// (mct_…); CMW-Auth-User, when sent, must be the email of the token's user.
// HTTP Basic authentication takes the user's email as the user name (users
// have no other user name) and one of that user's API tokens as the
// password; POST /api/login also takes the control-panel password and
// answers a token (login.go). Authorization: Bearer works too. The front
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
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// apiVersionRE is the form of the apiVersion query parameter.
var apiVersionRE = regexp.MustCompile(`^[0-9]{8}$`)

// Prefix is where the API is mounted.
const Prefix = "/api/"

// maxBody bounds request bodies.
const maxBody = 1 << 20

// Handler serves the Cloudesire-compatible API.
type Handler struct {
	Services
	log    *slog.Logger
	mux    *http.ServeMux
	routes []string // "METHOD /api/path" of every route, for the document's test
}

// Lifecycle is the use case the API runs for a provider's status report
// (internal/lifecycle).
type Lifecycle interface {
	SetStatus(ctx context.Context, p mercato.Principal, id int64, to subscription.Status) (subscription.Subscription, error)
	SetName(ctx context.Context, p mercato.Principal, id int64, name string) (subscription.Subscription, error)
	// RenewTrial makes a delivered trial paid (PATCH action RENEW on a
	// trial); Renew renews a paid subscription by hand (the platform).
	RenewTrial(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	// Configuration is a subscription's configuration, its secret values
	// opened for its provider only.
	Configuration(ctx context.Context, p mercato.Principal, id int64) (map[string]any, error)
	SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (subscription.Detail, error)
	SubscriptionPage(ctx context.Context, p mercato.Principal, f subscription.Filter, expiringBefore time.Time, pg mercato.NumberedPage) ([]subscription.Subscription, int, error)
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	lifecycle.Subscribers
	Terminator
}

// New returns the API over the services; mount it at /api/.
func New(sv Services, log *slog.Logger) *Handler {
	h := &Handler{Services: sv, log: log, mux: http.NewServeMux()}
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
	route("user", map[string]handlerFunc{http.MethodGet: h.listUsers})
	route("company", map[string]handlerFunc{http.MethodGet: h.listCompanies})
	route("product", map[string]handlerFunc{http.MethodGet: h.listProducts})
	route("productVersion", map[string]handlerFunc{http.MethodGet: h.listProductVersions})
	route("category", map[string]handlerFunc{http.MethodGet: h.listCategories})
	route("user/me", map[string]handlerFunc{http.MethodGet: h.me})
	route("user/{id}", map[string]handlerFunc{http.MethodGet: h.user})
	route("subscription", map[string]handlerFunc{http.MethodGet: h.listSubscriptions})
	route("subscription/expiring", map[string]handlerFunc{http.MethodGet: h.expiring})
	route("subscription/{id}", map[string]handlerFunc{http.MethodGet: byID(h.getSubscription), http.MethodPatch: h.patchSubscription,
		http.MethodDelete: h.deleteSubscription})
	route("subscription/{id}/changelog", map[string]handlerFunc{http.MethodGet: byID(h.changelog)})
	route("subscription/{id}/metadata", map[string]handlerFunc{http.MethodGet: byID(h.getMetadata), http.MethodPut: h.putMetadata})
	route("subscription/{id}/invoice", map[string]handlerFunc{http.MethodPost: h.postCustomInvoice})
	route("subscription/{id}/invoice/oneshot", map[string]handlerFunc{http.MethodPost: h.postOneshotCosts})
	route("subscription/{id}/invoice/recurring", map[string]handlerFunc{http.MethodPost: h.postRecurringCosts})
	route("subscription/{id}/endpoints", map[string]handlerFunc{http.MethodPost: h.postEndpoints})
	route("subscription/{id}/instructions", map[string]handlerFunc{http.MethodPost: h.postInstructions})
	route("subscription/{id}/credentials", map[string]handlerFunc{http.MethodPost: h.postCredentials})
	route("product/{id}", map[string]handlerFunc{http.MethodGet: h.product})
	route("productVersion/{id}", map[string]handlerFunc{http.MethodGet: h.productVersion})
	route("configurationParameter/{id}", map[string]handlerFunc{http.MethodGet: byID(h.configurationParameter)})
	route("billingItem/{id}", map[string]handlerFunc{http.MethodGet: byID(h.billingItem)})
	route("company/{id}", map[string]handlerFunc{http.MethodGet: byID(h.company)})
	route("order/{id}", map[string]handlerFunc{http.MethodGet: byID(h.order)})
	route("invoice/{id}", map[string]handlerFunc{http.MethodGet: byID(h.invoice)})
	h.mux.HandleFunc(Prefix+"login", h.login) // its own authentication (login.go)
	h.routes = append(h.routes, "GET "+Prefix+"login", "POST "+Prefix+"login")
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

// byID is a GET of the resource named by the path's {id}: read returns
// its body.
func byID(read func(ctx context.Context, p mercato.Principal, r *http.Request, id int64) (any, error)) handlerFunc {
	return func(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
		id, err := pathID(r)
		if err != nil {
			return 0, nil, err
		}
		v, err := read(ctx, p, r, id)
		return http.StatusOK, v, err
	}
}

// idAndLanguage reads the path's {id} and the caller's language.
func idAndLanguage(r *http.Request) (int64, string, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", err
	}
	lang, err := language(r)
	return id, lang, err
}

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
	if v := r.URL.Query().Get("apiVersion"); v != "" && !apiVersionRE.MatchString(v) {
		// Cloudesire's versions are dates; Mercato serves the newest one
		// whatever is asked, but refuses what is not a version at all.
		writeError(w, http.StatusBadRequest, "apiVersion", "apiVersion must be a date as yyyymmdd, e.g. 20221124")
		return
	}
	status, body, err := fn(r.Context(), p, w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if c, ok := body.(csvBody); ok {
		c.write(w, status)
		return
	}
	writeJSON(w, status, body)
}

// Resources.

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
	name := u.UserName
	if name == "" {
		name = u.Email // a user without a user name signs in with its e-mail
	}
	return User{ID: u.ID, Self: "user/" + strconv.FormatInt(u.ID, 10), Email: u.Email, UserName: name, Name: u.Name,
		UserRole: roles[kind], Company: ref("company", u.OrganizationID), Enabled: true, Activated: true, CreationDate: Time(u.CreatedAt)}
}

func (h *Handler) me(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, _ *http.Request) (int, any, error) {
	u, err := h.Accounts.User(ctx, p, p.UserID)
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
	u, err := h.Accounts.SubscriberUser(ctx, p, id)
	if err != nil {
		return 0, nil, err
	}
	kind := mercato.KindCustomer
	if u.OrganizationID == p.OrgID {
		kind = p.OrgKind
	} else if o, err := h.Lifecycle.SubscriberOrganization(ctx, p, u.OrganizationID); err == nil {
		kind = o.Kind
	}
	return http.StatusOK, userOf(u, kind), nil
}
