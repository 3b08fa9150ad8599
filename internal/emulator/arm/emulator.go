// Package arm emulates the slice of Azure Resource Manager that Mercato's
// Azure connector uses, on the same paths, JSON field names, status codes,
// long-running-operation headers and error bodies as management.azure.com:
// resource groups, template deployments (computed by the project's ARM
// template engine, internal/arm), the generic resources a deployment
// creates, Microsoft.MarketplaceOrdering agreements, and
// Microsoft.Authorization role assignments at subscription scope with the
// built-in role definitions (authorization.go). State is in
// memory. It serves HTTPS only (ServeTLS), because the Azure SDK refuses to
// send bearer tokens over plain HTTP.
//
// Fault injection for tests: Throttle answers the next requests 429 with
// Retry-After, and FailDeployments makes matching deployments fail after a
// delay, leaving what they created so far in the group.
package arm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Audience is the token audience Azure Resource Manager accepts.
const Audience = "https://management.core.windows.net/"

// TokenVerifier checks a bearer token. The Entra emulator's verifier is
// adapted to it; nil in Config accepts any non-empty token.
type TokenVerifier interface {
	// VerifyToken returns an error when the token is not valid for the
	// audience.
	VerifyToken(ctx context.Context, token, audience string) error
}

// TokenVerifierFunc adapts a function to TokenVerifier.
type TokenVerifierFunc func(ctx context.Context, token, audience string) error

// VerifyToken calls f.
func (f TokenVerifierFunc) VerifyToken(ctx context.Context, token, audience string) error {
	return f(ctx, token, audience)
}

// Config configures an Emulator.
type Config struct {
	// Verifier checks bearer tokens (audience Audience). Nil accepts any
	// token: for local experiments only.
	Verifier TokenVerifier
	// Step is how long each provisioning step takes (Accepted → Running,
	// each resource, a group's deletion). Default 500ms.
	Step time.Duration
	// RetryAfter is what long-running operations ask clients to wait
	// between polls. Default 1s. Below a second it is also sent as
	// retry-after-ms, which the Azure SDK prefers, so tests poll fast.
	RetryAfter time.Duration
	Log        *slog.Logger
	// Principals is the directory role assignments are checked against;
	// nil: every principal id exists (as a User).
	Principals PrincipalDirectory
	// TenantID is the directory the subscriptions belong to (tenants.list,
	// subscriptions.get). Default DefaultTenantID.
	TenantID string
	// Subscriptions are listed by subscriptions.list, with every
	// subscription that has a resource group. Any subscription id is
	// served.
	Subscriptions []string
}

// DefaultTenantID is the tenant of an emulator configured without one.
const DefaultTenantID = "72f988bf-0000-4000-8000-000000000001"

// Emulator is an in-memory Azure Resource Manager.
type Emulator struct {
	cfg Config
	log *slog.Logger

	mu          sync.Mutex
	groups      map[string]*group      // by lower-case "sub/rg"
	deployments map[string]*deployment // by lower-case "sub/rg/name"
	resources   map[string]*resource   // by lower-case id
	agreements  map[string]*agreement  // by lower-case "sub/pub/offer/plan"
	ops         map[string]*operation  // by id
	throttle    int
	throttleFor time.Duration
	failures    []failure
	counts      map[string]int
	wg          sync.WaitGroup
	closed      chan struct{}

	assignments     map[string]*roleAssignment // by lower-case "sub/name"
	dropAssignments int

	registered map[string]bool                       // by lower-case "sub/namespace"
	tagNames   map[string]map[string]map[string]bool // predefined tags: sub → name → values
	scopeTags  map[string]map[string]string          // tags of a subscription, by lower-case id
}

type failure struct {
	match         string
	after         time.Duration
	code, message string
}

// New returns an emulator.
func New(cfg Config) *Emulator {
	if cfg.Step <= 0 {
		cfg.Step = 500 * time.Millisecond
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.TenantID == "" {
		cfg.TenantID = DefaultTenantID
	}
	return &Emulator{cfg: cfg, log: cfg.Log, groups: map[string]*group{}, deployments: map[string]*deployment{},
		resources: map[string]*resource{}, agreements: map[string]*agreement{}, ops: map[string]*operation{},
		assignments: map[string]*roleAssignment{}, counts: map[string]int{}, closed: make(chan struct{}),
		registered: map[string]bool{}, tagNames: map[string]map[string]map[string]bool{}, scopeTags: map[string]map[string]string{}}
}

// Close stops the background work of running operations.
func (e *Emulator) Close() {
	e.mu.Lock()
	select {
	case <-e.closed:
	default:
		close(e.closed)
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// Throttle makes the next n requests fail with 429 and Retry-After.
func (e *Emulator) Throttle(n int, retryAfter time.Duration) {
	e.mu.Lock()
	e.throttle, e.throttleFor = n, retryAfter
	e.mu.Unlock()
}

// FailDeployments makes deployments whose "<resource group>/<name>"
// contains match fail after the given delay in Running, with Azure's error
// code and message. Resources created before then stay in the group, as on
// Azure.
func (e *Emulator) FailDeployments(match string, after time.Duration, code, message string) {
	e.mu.Lock()
	e.failures = append(e.failures, failure{match: strings.ToLower(match), after: after, code: code, message: message})
	e.mu.Unlock()
}

// Count returns how many requests of a kind were served, by the names
// "PUT deployment", "DELETE resourcegroup", "PUT resourcegroup",
// "PUT agreement", "throttled", ...
func (e *Emulator) Count(kind string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[kind]
}

func (e *Emulator) count(kind string) {
	e.mu.Lock()
	e.counts[kind]++
	e.mu.Unlock()
}

// apiError is Azure's error body: {"error":{...}}.
type apiError struct {
	status  int
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Target  string      `json:"target,omitempty"`
	Details []*apiError `json:"details,omitempty"`
}

func (a *apiError) Error() string { return a.Code + ": " + a.Message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = newError(http.StatusInternalServerError, "InternalServerError", "%v", err)
	}
	w.Header().Set("x-ms-error-code", ae.Code)
	writeJSON(w, ae.status, map[string]any{"error": ae})
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// retryAfter sets the polling delay headers of a long-running operation.
func (e *Emulator) retryAfter(w http.ResponseWriter) {
	d := e.cfg.RetryAfter
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	if d < time.Second {
		w.Header().Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
	}
}

// Handler is the emulator's HTTP API.
func (e *Emulator) Handler() http.Handler {
	return http.HandlerFunc(e.serve)
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	reqID := newID()
	w.Header().Set("x-ms-request-id", reqID)
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = reqID
	}
	w.Header().Set("x-ms-correlation-request-id", corr)
	if r.URL.Query().Get("api-version") == "" {
		writeError(w, newError(http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."))
		return
	}
	if err := e.authenticate(r); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is invalid."`)
		writeError(w, err)
		return
	}
	e.mu.Lock()
	if e.throttle > 0 {
		e.throttle--
		e.counts["throttled"]++
		d := e.throttleFor
		e.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
		if d < time.Second {
			w.Header().Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
		}
		writeError(w, newError(http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:01:00. For more information, refer to - https://aka.ms/srpthrottlinglimits"))
		return
	}
	e.mu.Unlock()
	if err := e.route(w, r); err != nil {
		e.log.DebugContext(r.Context(), "arm emulator: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, err)
	}
}

func (e *Emulator) authenticate(r *http.Request) error {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return newError(http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
	}
	if e.cfg.Verifier == nil {
		return nil
	}
	if err := e.cfg.Verifier.VerifyToken(r.Context(), token, Audience); err != nil {
		return newError(http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid: %v", err)
	}
	return nil
}

// segments splits a path into its segments, skipping empty ones: Azure
// serves "//subscriptions/…" (the JavaScript SDK's getById sends it) as
// "/subscriptions/…".
func segments(path string) []string {
	var out []string
	for s := range strings.SplitSeq(path, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// route dispatches on the lower-cased path segments, as ARM's paths are
// case-insensitive (the SDK writes "resourcegroups" and "resourceGroups"),
// after checking the api-version against the addressed resource type.
func (e *Emulator) route(w http.ResponseWriter, r *http.Request) error {
	raw := segments(r.URL.Path)
	seg := make([]string, len(raw))
	for i, s := range raw {
		seg[i] = strings.ToLower(s)
	}
	if err := checkVersion(requestType(seg), apiVersion(r)); err != nil {
		return err
	}
	n := len(seg)
	m := r.Method
	notFound := newError(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s' and method '%s'.", r.URL.Path, m)
	if n >= 4 && seg[n-4] == "providers" && seg[n-3] == "microsoft.resources" && seg[n-2] == "tags" && seg[n-1] == "default" {
		return e.routeScopeTags(w, r, "/"+strings.Join(raw[:n-4], "/"))
	}
	switch {
	case n == 1 && seg[0] == "tenants" && m == http.MethodGet:
		return e.listTenants(w)
	case n == 1 && seg[0] == "subscriptions" && m == http.MethodGet:
		return e.listSubscriptions(w)
	case n == 3 && seg[0] == "providers" && seg[1] == "microsoft.resources" && seg[2] == "calculatetemplatehash" && m == http.MethodPost:
		return e.calculateTemplateHash(w, r)
	case n < 2 || seg[0] != "subscriptions":
		return notFound
	}
	sub := raw[1]
	switch {
	case n == 2 && m == http.MethodGet:
		return e.getSubscription(w, sub)
	case n == 3 && seg[2] == "locations" && m == http.MethodGet:
		return e.listLocations(w, sub)
	case n == 3 && seg[2] == "resources" && m == http.MethodGet:
		return e.listResources(w, sub, "")
	case n >= 3 && seg[2] == "tagnames":
		return e.routeTagNames(w, r, sub, raw[3:])
	case n == 3 && seg[2] == "providers" && m == http.MethodGet:
		return e.listProviders(w, sub)
	case n == 4 && seg[2] == "providers" && m == http.MethodGet:
		return e.getProvider(w, sub, raw[3])
	case n == 5 && seg[2] == "providers" && (seg[4] == "register" || seg[4] == "unregister") && m == http.MethodPost:
		return e.registerProvider(w, sub, raw[3], seg[4] == "register")
	case n == 4 && seg[2] == "operationresults":
		return e.operationResult(w, r, raw[3])
	case n == 3 && seg[2] == "resourcegroups" && m == http.MethodGet:
		return e.listGroups(w, sub)
	case n >= 4 && seg[2] == "resourcegroups":
		return e.routeGroup(w, r, sub, raw[3], raw, seg)
	case n >= 5 && seg[2] == "providers" && seg[3] == "microsoft.resources" && seg[4] == "deployments":
		return e.routeDeployment(w, r, sub, "", raw[5:])
	case n >= 5 && seg[2] == "providers" && seg[3] == "microsoft.authorization":
		return e.routeAuthorization(w, r, sub, raw[4:])
	case n == 14 && seg[2] == "providers" && seg[3] == "microsoft.marketplaceordering" && seg[4] == "offertypes" &&
		seg[6] == "publishers" && seg[8] == "offers" && seg[10] == "plans" && seg[12] == "agreements" && seg[13] == "current":
		switch m {
		case http.MethodGet:
			return e.getAgreement(w, sub, raw[7], raw[9], raw[11])
		case http.MethodPut:
			return e.putAgreement(w, r, sub, raw[7], raw[9], raw[11])
		}
	}
	return notFound
}

// routeGroup serves the paths under a resource group.
func (e *Emulator) routeGroup(w http.ResponseWriter, r *http.Request, sub, rg string, raw, seg []string) error {
	n := len(seg)
	m := r.Method
	switch {
	case n == 4:
		switch m {
		case http.MethodPut:
			return e.putGroup(w, r, sub, rg)
		case http.MethodPatch:
			return e.patchGroup(w, r, sub, rg)
		case http.MethodGet, http.MethodHead:
			return e.getGroup(w, r, sub, rg)
		case http.MethodDelete:
			return e.deleteGroup(w, r, sub, rg)
		}
	case n == 5 && seg[4] == "resources" && m == http.MethodGet:
		return e.listResources(w, sub, rg)
	case n == 5 && seg[4] == "exporttemplate" && m == http.MethodPost:
		return e.exportGroupTemplate(w, r, sub, rg)
	case (n == 7 || n == 8) && seg[4] == "deployments" && seg[6] == "operations" && m == http.MethodGet:
		return e.routeDeployment(w, r, sub, rg, raw[5:])
	case n >= 7 && seg[4] == "providers" && seg[5] == "microsoft.resources" && seg[6] == "deployments":
		return e.routeDeployment(w, r, sub, rg, raw[7:])
	case n >= 8 && seg[4] == "providers" && n%2 == 0:
		return e.routeResource(w, r, sub, rg, "/"+strings.Join(raw, "/"))
	case n >= 9 && seg[4] == "providers" && m == http.MethodPost:
		return e.resourceAction(w, r, "/"+strings.Join(raw[:n-1], "/"), seg[n-1])
	}
	return newError(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s' and method '%s'.", r.URL.Path, m)
}

func (e *Emulator) routeDeployment(w http.ResponseWriter, r *http.Request, sub, rg string, rest []string) error {
	m := r.Method
	switch len(rest) {
	case 0:
		if m == http.MethodGet {
			return e.listDeployments(w, sub, rg)
		}
	case 1:
		switch m {
		case http.MethodPut:
			return e.putDeployment(w, r, sub, rg, rest[0])
		case http.MethodGet, http.MethodHead:
			return e.getDeployment(w, r, sub, rg, rest[0])
		case http.MethodDelete:
			return e.deleteDeployment(w, r, sub, rg, rest[0])
		}
	case 2:
		switch {
		case m == http.MethodGet && strings.EqualFold(rest[1], "operations"):
			return e.listOperations(w, sub, rg, rest[0])
		case m != http.MethodPost:
		case strings.EqualFold(rest[1], "validate"):
			return e.validateDeployment(w, r, sub, rg, rest[0])
		case strings.EqualFold(rest[1], "whatif"):
			return e.whatIf(w, r, sub, rg, rest[0])
		case strings.EqualFold(rest[1], "cancel"):
			return e.cancelDeployment(w, sub, rg, rest[0])
		case strings.EqualFold(rest[1], "exportTemplate"):
			return e.exportDeploymentTemplate(w, sub, rg, rest[0])
		}
	case 3:
		switch {
		case m == http.MethodGet && strings.EqualFold(rest[1], "operationStatuses"):
			return e.operationStatus(w, rest[2])
		case m == http.MethodGet && strings.EqualFold(rest[1], "operations"):
			return e.getOperation(w, sub, rg, rest[0], rest[2])
		}
	}
	return newError(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s' and method '%s'.", r.URL.Path, m)
}

// baseURL is the scheme and host the client called, for the URLs of
// long-running operations.
func baseURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}

func apiVersion(r *http.Request) string { return r.URL.Query().Get("api-version") }

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return newError(http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: '%v'.", err)
	}
	return nil
}

func key(parts ...string) string { return strings.ToLower(strings.Join(parts, "/")) }

func now() time.Time { return time.Now().UTC() }

// sleep waits d or until the emulator closes; false means closed.
func (e *Emulator) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.closed:
		return false
	}
}
