// Package web is Mercato's control panel: server-rendered pages
// (html/template, plain forms, htmx for live prices) for every role —
// customers buy and use their applications, vendors run their products and
// webhooks, distributors and resellers run their channel, the operator runs
// the platform.
//
// The panel has no authorization of its own: every page reads and writes
// through the store's operations with the signed-in user's
// mercato.Principal, exactly as the API does, so a page shows what the API
// would show that user and a foreign id is "not found".
//
// Sign-in is by email and password (bcrypt, in the store); a session is a
// random secret in a Secure, HttpOnly, SameSite=Lax cookie whose SHA-256 is
// kept in web_sessions. Cross-site form posts are refused by
// http.CrossOriginProtection (Fetch metadata and Origin), sign-in attempts
// are rate-limited per client address and per email, and password resets
// go by a single-use link (written to the log in the demo).
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
)

//go:embed all:templates static
var assets embed.FS

// SessionCookie is the name of the session cookie (the front door reads it).
const SessionCookie = frontdoor.SessionCookie

// Server serves the control panel.
type Server struct {
	log      *slog.Logger
	pages    map[string]map[string]*template.Template // by language, then file
	mux      *http.ServeMux
	limiter  *limiter     // reset requests and link guesses
	signIns  *signInGuard // failed sign-ins
	policy   syndication.URLPolicy
	test     func(context.Context, syndication.Endpoint) syndication.Attempt // sends a test event (the dispatcher's)
	insecure bool                                                            // cookies without Secure (plain-http deployments)
	ttl      time.Duration                                                   // session lifetime
	resetTTL time.Duration
	baseURL  string
	oidc     *oidcClient // sign-in with an identity provider (oidc.go); nil: passwords only
	services Services
}

// Option configures a Server.
type Option func(*Server)

// WithURLPolicy sets the webhook URL policy (the API's), checked when an
// endpoint is saved.
func WithURLPolicy(p syndication.URLPolicy) Option { return func(s *Server) { s.policy = p } }

// WithTestEvent sets the function that sends a test event to an endpoint
// and reports its answer: the dispatcher's, as the API's
// POST /api/v1/webhook-endpoints/{id}/test uses.
func WithTestEvent(send func(context.Context, syndication.Endpoint) syndication.Attempt) Option {
	return func(s *Server) { s.test = send }
}

// WithInsecureCookies drops the Secure attribute from cookies, for a panel
// served over plain http on a private network. Browsers keep Secure
// cookies on http://localhost and 127.0.0.1, so the demo does not need it.
func WithInsecureCookies() Option { return func(s *Server) { s.insecure = true } }

// WithBaseURL sets the panel's external URL, used in reset links (serve
// passes --public-url; without it, the scheme and host of the request).
func WithBaseURL(u string) Option { return func(s *Server) { s.baseURL = u } }

// WithSessionTTL sets how long a sign-in lasts (default 12 hours).
func WithSessionTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// WithSignInLimit sets the limits of signing in and resetting passwords:
// n reset requests (and link guesses) per client address and email per
// window; n free failed sign-ins per account and address (more per
// address, and per account from everywhere) before each further attempt
// waits a delay that doubles, failures being forgotten after window.
func WithSignInLimit(n int, window time.Duration) Option {
	return func(s *Server) { s.limiter, s.signIns = newLimiter(n, window), newSignInGuard(n, window) }
}

// New builds the control panel over the services.
func New(sv Services, log *slog.Logger, opts ...Option) (*Server, error) {
	s := &Server{services: sv, log: log, ttl: 12 * time.Hour, resetTTL: time.Hour, limiter: newLimiter(10, 15*time.Minute), signIns: newSignInGuard(5, time.Hour)}
	for _, o := range opts {
		o(s)
	}
	pages, err := parsePageSets()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.routes()
	return s, nil
}

// Handler returns the panel with its CSRF protection and security headers.
// Served alone (tests) it brings its own front door over its callers; behind
// serve's, which resolved the request already, that one lets it pass.
func (s *Server) Handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Cross-origin request refused: reload the page and try again.", http.StatusForbidden)
	}))
	door := frontdoor.New(frontdoor.Config{Callers: s.services.Callers, Log: s.log}, s.Mount())
	return door.Wrap(securityHeaders(limitBodies(cop.Handler(s.mux))))
}

// Mount is the panel's part of the URL space for the front door: the
// session cookie counts here (and only here), and these posts only read,
// so read-only users may send them.
func (s *Server) Mount() frontdoor.Mount {
	return frontdoor.Mount{Prefix: "/", Render: s.renderRefusal, Sessions: true, Reads: []string{
		"POST /signin", "POST /signout", "POST /language", "POST /reset", "POST /reset/password", "POST /invitation",
		"POST /profile", // one's own preference, which read-only users set too
		"POST /subscriptions/{id}/reveal", "POST /vendor/pricing/preview",
		"POST /vendor/products/{id}/arm-template/preview",
	}}
}

// renderRefusal answers the front door's refusals as the panel does: a
// credential that is not valid goes to the sign-in page, the rest are
// error pages.
func (s *Server) renderRefusal(w http.ResponseWriter, r *http.Request, ref frontdoor.Refusal) {
	switch ref.Status {
	case http.StatusUnauthorized:
		s.toSignIn(w, r)
		return
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", ref.RetryAfterSeconds())
		s.errorPage(w, r, nil, ref.Status, s.say(r, "Too many requests. Wait a moment and try again."))
		return
	case http.StatusForbidden:
		s.errorPage(w, r, nil, ref.Status, s.say(r, "Your role is read-only: you can look, but not change anything."))
		return
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		s.errorPage(w, r, nil, ref.Status, s.say(r, "The form could not be read: %s. Go back, correct it and try again.", ref.Message))
		return
	}
	s.errorPage(w, r, nil, http.StatusInternalServerError, s.say(r, "Something went wrong on our side; try again in a moment."))
}

// toSignIn sends the browser to the sign-in page (and back afterwards).
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET /static/", cacheFor(time.Hour, http.StripPrefix("/static/", http.FileServerFS(static))))

	m.HandleFunc("GET /signin", s.signInPage)
	m.HandleFunc("POST /signin", s.signIn)
	m.HandleFunc("GET "+oidcPath, s.oidcStart)
	m.HandleFunc("GET "+oidcCallback, s.oidcCallback)
	m.HandleFunc("POST /signout", s.signOut)
	m.HandleFunc("POST /language", s.switchLanguage)
	m.HandleFunc("GET /reset", s.resetPage)
	m.HandleFunc("POST /reset", s.resetRequest)
	m.HandleFunc("POST /reset/password", s.resetPassword)
	m.HandleFunc("GET /invitation", s.invitationPage)
	m.HandleFunc("POST /invitation", s.acceptInvitation)

	auth := func(pattern string, h func(w http.ResponseWriter, r *http.Request, v *view)) {
		m.Handle(pattern, s.authed(h))
	}
	auth("GET /{$}", s.home)
	auth("GET /profile", s.profilePage)
	auth("GET /users", s.usersPage)
	auth("POST /users", s.createUser)
	auth("POST /users/{id}/invitation", s.resendInvitation)
	auth("POST /profile", s.saveProfile)
	auth("GET /tokens", s.tokensPage)
	auth("POST /tokens", s.createToken)
	auth("POST /tokens/{id}/revoke", s.revokeToken)
	// Everyone.
	auth("GET /catalog", s.catalogPage)
	auth("GET /products/{id}", s.productPage)
	auth("GET /products/{id}/price", s.pricePreview)
	auth("POST /products/{id}/order", s.order)
	auth("POST /products/{id}/review", s.review)
	auth("GET /subscriptions", s.subscriptionsPage)
	auth("GET /subscriptions/{id}", s.subscriptionPage)
	auth("POST /subscriptions/{id}/reveal", s.revealCredentials)
	auth("POST /subscriptions/{id}/seats", s.changeSeats)
	auth("POST /subscriptions/{id}/autorenew", s.autoRenew)
	auth("POST /subscriptions/{id}/renew", s.renew)
	auth("POST /subscriptions/{id}/convert", s.convert)
	auth("POST /subscriptions/{id}/keep", s.keep)
	auth("POST /subscriptions/{id}/cancel", s.cancel)
	auth("POST /subscriptions/{id}/messages", s.postMessage)
	auth("POST /subscriptions/{id}/operations", s.operate) // the operator's lifecycle steps
	auth("POST /subscriptions/{id}/deliver", s.deliver)    // a service product's vendor marks it delivered
	auth("GET /messages", s.messagesPage)
	// Vendors (and the platform).
	auth("GET /vendor/products", s.vendorProducts)
	auth("POST /vendor/products", s.createProduct)
	auth("GET /vendor/products/{id}", s.vendorProduct)
	auth("POST /vendor/products/{id}", s.updateProduct)
	auth("GET /vendor/products/{id}/arm-template", s.armTemplatePage)
	auth("POST /vendor/products/{id}/arm-template", s.saveARMTemplate)
	auth("POST /vendor/products/{id}/arm-template/preview", s.previewARMTemplate)
	auth("GET /vendor/products/{id}/plans/new", s.newPlan)
	auth("POST /vendor/products/{id}/plans", s.createPlan)
	auth("GET /vendor/plans/{id}", s.editPlan)
	auth("POST /vendor/plans/{id}", s.updatePlan)
	auth("POST /vendor/pricing/preview", s.pricingPreview)
	auth("GET /webhooks", s.webhooksPage)
	auth("POST /webhooks", s.createWebhook)
	auth("GET /webhooks/{id}", s.webhookPage)
	auth("POST /webhooks/{id}/rotate", s.rotateWebhook)
	auth("POST /webhooks/{id}/enabled", s.toggleWebhook)
	auth("POST /webhooks/{id}/replay", s.replayWebhook)
	auth("POST /webhooks/{id}/test", s.testWebhook)
	// Distributors and resellers.
	auth("GET /channel/organizations", s.channelOrganizations)
	auth("POST /channel/organizations", s.createChannelOrganization)
	auth("GET /channel/organizations/{id}/catalog", s.curationPage)
	auth("POST /channel/organizations/{id}/catalog", s.saveCuration)
	auth("GET /channel/prices", s.priceListPage)
	auth("POST /channel/prices", s.setPrice)
	// Whoever grants coupons: the operator, vendors, distributors, resellers.
	auth("GET /coupons", s.couponsPage)
	auth("POST /coupons", s.createCoupon)
	auth("POST /coupons/{id}/deactivate", s.deactivateCoupon)
	// The operator.
	auth("GET /admin", s.adminPage)
	auth("GET /admin/organizations", s.organizationsPage)
	auth("POST /admin/organizations", s.createOrganization)
	auth("GET /admin/organizations/{id}", s.organizationPage)
	auth("POST /admin/organizations/{id}", s.updateOrganization)
	// Billing: everyone's invoices and earnings; the operator's runs.
	auth("GET /invoices", s.invoicesPage)
	auth("GET /invoices/{id}", s.invoicePage)
	auth("POST /invoices/{id}/payments", s.payInvoice)
	auth("GET /invoices/{id}/pdf", s.invoiceDocument("pdf"))
	auth("GET /invoices/{id}/csv", s.invoiceDocument("csv"))
	auth("GET /earnings.csv", s.earningsCSV)
	auth("POST /billing/runs", s.startBillingRun)
	auth("GET /billing/runs/{id}", s.billingRunPage)
	auth("GET /billing/runs/{id}/progress", s.billingRunProgress)
	auth("POST /billing/payment-method", s.savePaymentMethod)
	auth("POST /invoices/{id}/credit", s.creditInvoice)
	auth("GET /admin/operator", s.operatorPage)
	auth("POST /admin/operator/settings", s.saveOperatorSettings)
	auth("POST /admin/operator/tax-rates", s.addTaxRate)
	auth("GET /admin/fees", s.feesPage)
	auth("POST /admin/fees/rules", s.setFeeRule)
	auth("POST /admin/fees/rules/delete", s.deleteFeeRule)
	auth("POST /admin/fees/dunning", s.saveDunning)
	auth("GET /admin/outbox", s.outboxPage)
	auth("GET /admin/payments", s.paymentsPage)
	auth("GET /admin/outbox/{id}", s.outboxMessagePage)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, nil, http.StatusNotFound, s.say(r, "There is no such page."))
	})
	s.mux = m
}

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		next.ServeHTTP(w, r)
	})
}

// view is what every page template receives.
type view struct {
	Title   string
	Lang    string // the reader's language (a code of mercato.UserLanguages)
	User    mercato.User
	Org     mercato.Organization
	P       mercato.Principal
	Nav     []navItem
	Active  string
	Flash   string
	Error   string
	Unread  int
	Data    any
	Request *http.Request
}

// warningMark begins a flash that reports a refusal or a failure rather
// than a success (back's callers write it).
const warningMark = "⚠"

// FlashWarns reports whether the flash is a warning, shown as one.
func (v *view) FlashWarns() bool { return strings.HasPrefix(v.Flash, warningMark) }

type navItem struct {
	Href, Label string
	Badge       int
}

// authed serves a page to the caller the front door resolved; without one
// the browser goes to the sign-in page (and comes back afterwards).
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, v *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The front door resolved the session (or another credential).
		id, ok := frontdoor.From(r.Context())
		if !ok {
			s.toSignIn(w, r)
			return
		}
		p := id.Principal
		ctx := r.Context()
		var u mercato.User
		if id.User != nil {
			u = *id.User
		} else {
			var err error
			if u, err = s.services.Accounts.User(ctx, p, p.UserID); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		org, err := s.services.Accounts.Organization(ctx, p, p.OrgID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		unread, err := s.services.Messaging.UnreadMessages(ctx, p)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		lang := u.Language
		if !catalogue.Has(lang) {
			lang = s.langOf(r)
		}
		r = r.WithContext(withLang(ctx, lang))
		v := &view{User: u, Org: org, P: p, Unread: unread, Request: r, Lang: lang}
		v.Nav = navFor(p, unread)
		v.Flash = s.takeFlash(w, r)
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, v)
	})
}

// navFor is the menu of each kind of organization.
func navFor(p mercato.Principal, unread int) []navItem {
	return append(kindNav(p, unread), navItem{"/users", "Users", 0})
}

// kindNav is the menu of a kind of organization, before what every kind has.
func kindNav(p mercato.Principal, unread int) []navItem {
	msgs := navItem{"/messages", "Messages", unread}
	switch p.OrgKind {
	case mercato.KindCustomer:
		return []navItem{{"/subscriptions", "Applications", 0}, {"/catalog", "Catalog", 0}, msgs, {"/invoices", "Invoices", 0}}
	case mercato.KindVendor:
		return []navItem{{"/vendor/products", "Products", 0}, {"/subscriptions", "Subscriptions", 0}, {"/webhooks", "Webhooks", 0}, {"/coupons", "Coupons", 0}, msgs, {"/invoices", "Earnings", 0}}
	case mercato.KindDistributor:
		return []navItem{{"/channel/organizations", "Resellers", 0}, {"/channel/prices", "Price list", 0}, {"/coupons", "Coupons", 0}, {"/subscriptions", "Subscriptions", 0}, {"/catalog", "Catalog", 0}, msgs, {"/invoices", "Earnings", 0}}
	case mercato.KindReseller:
		return []navItem{{"/channel/organizations", "Customers", 0}, {"/channel/prices", "Price list", 0}, {"/coupons", "Coupons", 0}, {"/subscriptions", "Subscriptions", 0}, {"/catalog", "Catalog", 0}, msgs, {"/invoices", "Earnings", 0}}
	default:
		return []navItem{{"/admin", "Overview", 0}, {"/admin/organizations", "Organizations", 0}, {"/catalog", "Products", 0}, {"/subscriptions", "Subscriptions", 0}, {"/webhooks", "Webhooks", 0}, {"/coupons", "Coupons", 0}, msgs, {"/invoices", "Billing", 0}, {"/admin/payments", "Payments", 0}, {"/admin/operator", "Seller & tax", 0}, {"/admin/fees", "Fees & dunning", 0}, {"/admin/outbox", "Outbox", 0}, {"/tokens", "API tokens", 0}}
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, v *view) {
	to := "/admin"
	switch v.P.OrgKind {
	case mercato.KindCustomer:
		to = "/subscriptions"
	case mercato.KindVendor:
		to = "/vendor/products"
	case mercato.KindDistributor, mercato.KindReseller:
		to = "/channel/prices"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// render writes a page; name is its template file under templates/.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	if v.Lang == "" {
		v.Lang = s.langOf(r)
	}
	t, ok := s.pages[v.Lang][name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no template %s", name))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "page", v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
	}
}

// fragment writes a partial template (htmx answers).
func (s *Server) fragment(w http.ResponseWriter, r *http.Request, name string, data any) {
	t, ok := s.pages[s.langOf(r)][name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no fragment %s", name))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := t.ExecuteTemplate(w, "fragment", data); err != nil {
		s.log.ErrorContext(r.Context(), "render fragment", "fragment", name, "err", err)
	}
}

// statusOf maps domain error codes to HTTP statuses, as the API does.
var statusOf = map[string]int{
	mercato.EINVALID:      http.StatusUnprocessableEntity,
	mercato.ENOTFOUND:     http.StatusNotFound,
	mercato.ECONFLICT:     http.StatusConflict,
	mercato.EUNAUTHORIZED: http.StatusUnauthorized,
	mercato.EFORBIDDEN:    http.StatusForbidden,
	mercato.EINTERNAL:     http.StatusInternalServerError,
}

// fail answers a domain error with a page saying what went wrong (its
// user-safe message; internal errors are logged and not shown).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status, ok := statusOf[mercato.ErrorCode(err)]
	if !ok || status == http.StatusInternalServerError {
		s.serverError(w, r, err)
		return
	}
	msg := mercato.ErrorMessage(err)
	for _, f := range mercato.Fields(err) {
		msg += "; " + f.Path + ": " + f.Message
	}
	if status == http.StatusNotFound {
		msg = s.say(r, "Not found: it does not exist, or your organization cannot see it.")
	}
	s.errorPage(w, r, v, status, msg)
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, v *view, status int, msg string) {
	if v == nil {
		v = &view{Request: r}
	}
	v.Title, v.Error = s.say(r, statusText(status)), msg
	s.render(w, r, status, "error.html", v)
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "control panel request failed", "path", r.URL.Path, "err", err)
	s.errorPage(w, r, nil, http.StatusInternalServerError, s.say(r, "Something went wrong on our side; try again in a moment."))
}

// back redirects to the referring page of the panel (or to fallback) with
// a flash message.
func (s *Server) back(w http.ResponseWriter, r *http.Request, fallback, flash string) {
	s.setFlash(w, flash)
	http.Redirect(w, r, fallback, http.StatusSeeOther)
}

// after reports the outcome of a form post: a flash and a redirect on
// success, the error page otherwise.
func (s *Server) after(w http.ResponseWriter, r *http.Request, v *view, err error, to, flash string) {
	if err != nil {
		if code := mercato.ErrorCode(err); code == mercato.EINVALID || code == mercato.ECONFLICT || code == mercato.EFORBIDDEN {
			msg := mercato.ErrorMessage(err)
			for _, f := range mercato.Fields(err) {
				msg += "; " + f.Path + ": " + f.Message
			}
			s.back(w, r, to, warningMark+" "+msg)
			return
		}
		s.fail(w, r, v, err)
		return
	}
	s.back(w, r, to, flash)
}

// pathID reads a numeric path value; a malformed one is not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, mercato.NotFound(name, r.PathValue(name))
	}
	return id, nil
}

// formInt reads an integer form field (0 when absent or malformed).
func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.FormValue(name), 10, 64)
	return n
}

var errForbiddenPage = errors.New("forbidden page")

// only refuses pages that are not for p's kind of organization.
func only(p mercato.Principal, kinds ...mercato.OrgKind) error {
	for _, k := range kinds {
		if p.OrgKind == k {
			return nil
		}
	}
	return &mercato.Error{Code: mercato.EFORBIDDEN, Message: "this page is not for your organization", Err: errForbiddenPage}
}
