// Package partnercenter emulates the Microsoft Partner Center REST API
// (https://api.partnercenter.microsoft.com/v1) for a CSP partner: customers,
// the product catalog (products, SKUs, availabilities; legacy offers),
// legacy orders, new-commerce carts and checkout, subscriptions with etags,
// Azure plan entitlements and Azure utilization records. It validates the
// bearer tokens of the Entra emulator, treats MS-RequestId as an idempotency
// key, echoes MS-CorrelationId, and injects faults on demand (429 +
// Retry-After, 5xx, slow answers, connections dropped after the commit).
// State is in memory.
package partnercenter

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/entra"
)

// Config configures an [Emulator].
type Config struct {
	// Verifier checks bearer tokens (audience Partner Center). Nil accepts
	// any request without checking (never in tests of authentication).
	Verifier *entra.Verifier
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log (default slog.Default()).
	Log *slog.Logger
	// UsageReadyAfter is how long after a day ends its Azure usage becomes
	// available (default 0: at once).
	UsageReadyAfter time.Duration
	// ProvisioningDelay is how long an order stays pending after it is
	// placed (default 0: completed at the first read after the answer that
	// placed it, which always says pending).
	ProvisioningDelay time.Duration
	// OnCustomerCreated is called (outside the lock) with a new customer,
	// for instance to register its tenant in the Entra emulator.
	OnCustomerCreated func(c Customer)
	// OnAzureSubscription is called with a customer's new Azure
	// subscription id (an ARM emulator may create it).
	OnAzureSubscription func(customerTenantID, azureSubscriptionID, friendlyName string)
}

// Emulator is an in-memory Partner Center. Create it with [New].
type Emulator struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	catalog []catalogEntry
	offers  []Offer

	mutate       sync.Mutex // serializes mutations
	mu           sync.Mutex
	customers    map[string]*Customer // by id
	domains      map[string]string    // lower-case domain → customer id
	subs         map[string]*Subscription
	orders       map[string]*Order
	carts        map[string]*Cart
	entitlements map[string][]AzureEntitlement // by plan subscription id
	idem         map[string]*recorded
	users        map[string][]*CustomerUser // by customer id
	members      map[string][]UserMember    // by customer id/role id
	transitions  map[string][]Transition    // by source subscription id
	charges      []charge                   // not invoiced yet
	invoices     []*invoice
	faults       []*Fault
	stats        Stats
}

// Stats counts what the emulator did, for tests and benchmarks.
type Stats struct {
	Requests         int
	OrdersPlaced     int // orders created (legacy orders and checkout orders)
	Replays          int // answers replayed for a repeated MS-RequestId
	Unauthorized     int
	FaultsInjected   int
	CustomersCreated int
}

type recorded struct {
	bodyHash [32]byte
	status   int
	header   http.Header
	body     []byte
}

// New returns an emulator with the built-in catalog.
func New(cfg Config) *Emulator {
	e := &Emulator{
		cfg: cfg, log: cfg.Log, now: cfg.Now, catalog: builtinCatalog(), offers: legacyOffers(),
		customers: map[string]*Customer{}, domains: map[string]string{}, subs: map[string]*Subscription{},
		orders: map[string]*Order{}, carts: map[string]*Cart{}, entitlements: map[string][]AzureEntitlement{},
		idem: map[string]*recorded{}, users: map[string][]*CustomerUser{}, members: map[string][]UserMember{},
		transitions: map[string][]Transition{},
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.now == nil {
		e.now = time.Now
	}
	// Domains taken by someone else (not this partner's customers).
	for _, d := range []string{"contoso.onmicrosoft.com", "microsoft.onmicrosoft.com", "fabrikam.onmicrosoft.com"} {
		e.domains[d] = ""
	}
	return e
}

// Stats returns a copy of the counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Orders returns every order placed for a customer, as it is now.
func (e *Emulator) Orders(customerID string) []Order {
	now := e.now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Order
	for _, o := range e.orders {
		if o.ReferenceCustomerID == customerID {
			out = append(out, orderView(o, now, false))
		}
	}
	return out
}

// AllOrders returns every order placed, as it is now.
func (e *Emulator) AllOrders() []Order {
	now := e.now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Order, 0, len(e.orders))
	for _, o := range e.orders {
		out = append(out, orderView(o, now, false))
	}
	return out
}

// Subscription returns a subscription by id.
func (e *Emulator) Subscription(id string) (Subscription, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.subs[id]
	if !ok {
		return Subscription{}, false
	}
	return *s, true
}

// Customers returns every customer.
func (e *Emulator) Customers() []Customer {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Customer, 0, len(e.customers))
	for _, c := range e.customers {
		out = append(out, *c)
	}
	return out
}

// Handler serves the API under /v1 and the emulator's control endpoints
// under /_emulator (faults, stats).
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f func(w http.ResponseWriter, r *http.Request)) { mux.HandleFunc(pattern, f) }
	h("HEAD /v1/domains/{domain}", e.domainExists)
	h("GET /v1/domains/{domain}", e.domainExists)
	h("POST /v1/customers", e.createCustomer)
	h("GET /v1/customers", e.listCustomers)
	h("GET /v1/customers/{cid}", e.getCustomer)
	h("GET /v1/products", e.listProducts)
	h("GET /v1/products/{pid}", e.getProduct)
	h("GET /v1/products/{pid}/skus", e.listSKUs)
	h("GET /v1/products/{pid}/skus/{sid}", e.getSKU)
	h("GET /v1/products/{pid}/skus/{sid}/availabilities", e.listAvailabilities)
	h("GET /v1/offers", e.listOffers)
	h("GET /v1/offers/{oid}", e.getOffer)
	h("POST /v1/customers/{cid}/orders", e.createOrder)
	h("GET /v1/customers/{cid}/orders", e.listOrders)
	h("GET /v1/customers/{cid}/orders/{oid}", e.getOrder)
	h("GET /v1/customers/{cid}/orders/{oid}/provisioningstatus", e.provisioningStatus)
	h("POST /v1/customers/{cid}/carts", e.createCart)
	h("GET /v1/customers/{cid}/carts/{cart}", e.getCart)
	h("POST /v1/customers/{cid}/carts/{cart}/checkout", e.checkout)
	h("GET /v1/customers/{cid}/subscriptions", e.listSubscriptions)
	h("GET /v1/customers/{cid}/subscriptions/{sub}", e.getSubscription)
	h("PATCH /v1/customers/{cid}/subscriptions/{sub}", e.patchSubscription)
	h("GET /v1/customers/{cid}/subscriptions/{sub}/azureEntitlements", e.azureEntitlements)
	h("GET /v1/customers/{cid}/subscriptions/{sub}/utilizations/azure", e.utilizations)
	h("GET /v1/customers/{cid}/users", e.listUsers)
	h("POST /v1/customers/{cid}/users", e.createUser)
	h("GET /v1/customers/{cid}/directoryroles", e.listDirectoryRoles)
	h("GET /v1/customers/{cid}/directoryroles/{role}/usermembers", e.listRoleMembers)
	h("POST /v1/customers/{cid}/directoryroles/{role}/usermembers", e.addRoleMember)
	h("GET /v1/customers/{cid}/subscribedskus", e.subscribedSKUs)
	h("GET /v1/customers/{cid}/subscriptions/{sub}/upgrades", e.listUpgrades)
	h("POST /v1/customers/{cid}/subscriptions/{sub}/upgrades", e.upgrade)
	h("GET /v1/customers/{cid}/subscriptions/{sub}/transitionEligibilities", e.transitionEligibilities)
	h("GET /v1/customers/{cid}/subscriptions/{sub}/transitions", e.listTransitions)
	h("POST /v1/customers/{cid}/subscriptions/{sub}/transitions", e.transition)
	h("GET /v1/invoices", e.listInvoices)
	h("GET /v1/invoices/{inv}", e.getInvoice)
	h("GET /v1/invoices/{inv}/lineitems", e.invoiceLineItems)
	h("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "600000", "The requested resource was not found.")
	})

	ctl := http.NewServeMux()
	ctl.HandleFunc("POST /_emulator/faults", e.postFault)
	ctl.HandleFunc("DELETE /_emulator/faults", func(w http.ResponseWriter, r *http.Request) { e.ClearFaults(); w.WriteHeader(http.StatusNoContent) })
	ctl.HandleFunc("POST /_emulator/invoices", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusCreated, e.IssueInvoice()) })
	ctl.HandleFunc("GET /_emulator/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, e.Stats()) })

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_emulator/") {
			ctl.ServeHTTP(w, r)
			return
		}
		e.serve(mux, w, r)
	})
}

// serve wraps every API call: headers, authentication, faults and
// MS-RequestId idempotency.
func (e *Emulator) serve(mux http.Handler, w http.ResponseWriter, r *http.Request) {
	reqID, corrID := r.Header.Get("MS-RequestId"), r.Header.Get("MS-CorrelationId")
	if reqID == "" {
		reqID = newGUID()
	}
	if corrID == "" {
		corrID = newGUID()
	}
	w.Header().Set("MS-RequestId", reqID)
	w.Header().Set("MS-CorrelationId", corrID)
	w.Header().Set("MS-CV", "emu."+reqID[:8])

	e.mu.Lock()
	e.stats.Requests++
	e.mu.Unlock()

	if e.cfg.Verifier != nil {
		if _, err := e.cfg.Verifier.VerifyRequest(r); err != nil {
			e.mu.Lock()
			e.stats.Unauthorized++
			e.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "600004", "Unauthorized: the access token is missing, expired or not issued for Partner Center.")
			return
		}
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "600001", "The request body is too large.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	f := e.takeFault(r)
	if f != nil {
		switch f.Kind {
		case FaultThrottle:
			secs := int(f.RetryAfter / time.Second)
			if secs < 1 {
				secs = 1
			}
			w.Header().Set("Retry-After", fmt.Sprint(secs))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"statusCode": 429, "message": fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", secs)})
			return
		case FaultServerError:
			status := f.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			writeError(w, status, "3000", "An internal error occurred. Please retry the operation.")
			return
		case FaultSlow:
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		case FaultDropBeforeCommit:
			dropConnection(w)
			return
		}
	}

	mutating := r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut || r.Method == http.MethodDelete
	key := r.Method + " " + r.URL.Path + " " + r.Header.Get("MS-RequestId")
	hash := sha256.Sum256(body)
	if mutating && r.Header.Get("MS-RequestId") != "" {
		e.mu.Lock()
		rec := e.idem[key]
		if rec != nil {
			e.stats.Replays++
		}
		e.mu.Unlock()
		if rec != nil {
			if rec.bodyHash != hash {
				writeError(w, http.StatusConflict, "600040", "The MS-RequestId was already used for a different request.")
				return
			}
			if f != nil && f.Kind == FaultDropAfterCommit {
				dropConnection(w)
				return
			}
			replay(w, rec)
			return
		}
	}

	rec := httptest.NewRecorder()
	// Mutations are serialized, so a repeated MS-RequestId arriving while
	// the first is in flight sees its recorded answer.
	if mutating {
		e.mutate.Lock()
		defer e.mutate.Unlock()
		e.mu.Lock()
		prior := e.idem[key]
		e.mu.Unlock()
		if prior != nil && r.Header.Get("MS-RequestId") != "" {
			replay(w, prior)
			return
		}
	}
	mux.ServeHTTP(rec, r)
	// Only a request that succeeded is remembered: one refused (a body that
	// failed validation, a conflict) may be sent again, corrected or not,
	// with the same MS-RequestId, and is evaluated again.
	if mutating && r.Header.Get("MS-RequestId") != "" && rec.Code < 400 {
		e.mu.Lock()
		e.idem[key] = &recorded{bodyHash: hash, status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		e.mu.Unlock()
	}
	if f != nil && f.Kind == FaultDropAfterCommit {
		dropConnection(w)
		return
	}
	replay(w, &recorded{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()})
}

func replay(w http.ResponseWriter, rec *recorded) {
	for k, v := range rec.header {
		if strings.EqualFold(k, "MS-RequestId") || strings.EqualFold(k, "MS-CorrelationId") {
			continue
		}
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body)
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, Error{Code: code, Description: desc, Data: []any{}, Source: "PartnerFD"})
}

// readBody decodes the request's JSON body into v, or answers 400.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "600002", "The request body is not valid JSON: "+err.Error())
		return false
	}
	return true
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newEtag() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

func collection[T any](items []T) Collection[T] {
	if items == nil {
		items = []T{}
	}
	return Collection[T]{TotalCount: len(items), Items: items, Attributes: Attributes{ObjectType: "Collection"}}
}
