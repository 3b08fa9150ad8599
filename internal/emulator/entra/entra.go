package entra

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Emulator is an in-memory Entra ID token service. Its zero value is not
// usable; create one with [New]. It is safe for concurrent use.
type Emulator struct {
	log   *slog.Logger
	key   *signingKey
	ttl   time.Duration
	rtTTL time.Duration
	now   func() time.Time

	mu        sync.RWMutex
	tenants   map[string]*Tenant // by id and by lower-case domain
	resources map[string]Resource
	refresh   map[string]refreshGrant
	codes     map[string]authCode

	issued atomic.Int64
}

type refreshGrant struct {
	tenant, clientID, upn, resource string
	expires                         time.Time
}

// Option configures an [Emulator].
type Option func(*Emulator)

// WithClock makes the emulator read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(e *Emulator) { e.now = now } }

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(e *Emulator) { e.log = l } }

// New returns an emulator with cfg's tenants, apps and resources and a fresh
// RSA signing key.
func New(cfg Config, opts ...Option) (*Emulator, error) {
	key, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		log: slog.Default(), key: key, now: time.Now,
		ttl: time.Hour, rtTTL: 90 * 24 * time.Hour,
		tenants: map[string]*Tenant{}, resources: map[string]Resource{}, refresh: map[string]refreshGrant{}, codes: map[string]authCode{},
	}
	if cfg.TokenLifetime > 0 {
		e.ttl = time.Duration(cfg.TokenLifetime)
	}
	if cfg.RefreshTokenLifetime > 0 {
		e.rtTTL = time.Duration(cfg.RefreshTokenLifetime)
	}
	for _, o := range opts {
		o(e)
	}
	for _, r := range append(DefaultResources(), cfg.Resources...) {
		e.addResource(r)
	}
	for _, t := range cfg.Tenants {
		if err := e.AddTenant(t); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func (e *Emulator) addResource(r Resource) {
	if r.TokenVersion == 0 {
		r.TokenVersion = 1
	}
	for _, name := range append([]string{r.URI, r.AppID}, r.Aliases...) {
		if name != "" {
			e.resources[strings.ToLower(name)] = r
		}
	}
}

// AddTenant registers a tenant (or replaces one with the same id), for
// instance a customer tenant the Partner Center emulator just created.
func (e *Emulator) AddTenant(t Tenant) error {
	if t.ID == "" {
		return fmt.Errorf("entra: tenant without id")
	}
	t.ID = strings.ToLower(t.ID)
	for i := range t.Users {
		if t.Users[i].ObjectID == "" {
			t.Users[i].ObjectID = stableGUID("user", t.ID, strings.ToLower(t.Users[i].UPN))
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	tt := t
	e.tenants[t.ID] = &tt
	for _, d := range t.Domains {
		e.tenants[strings.ToLower(d)] = &tt
	}
	return nil
}

// SetTokenLifetime changes the lifetime of tokens issued from now on.
func (e *Emulator) SetTokenLifetime(d time.Duration) {
	e.mu.Lock()
	e.ttl = d
	e.mu.Unlock()
}

// Issued is the number of access tokens issued so far.
func (e *Emulator) Issued() int64 { return e.issued.Load() }

// Keys is the emulator's key set, for an in-process [Verifier].
func (e *Emulator) Keys() KeySet { return staticKeys{e.key.kid: &e.key.priv.PublicKey} }

// IssueRefreshToken stands in for the interactive consent of the secure
// application model: it returns a refresh token with which clientID gets
// app+user tokens for user upn of tenant.
func (e *Emulator) IssueRefreshToken(tenant, clientID, upn string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.tenants[strings.ToLower(tenant)]
	if t == nil {
		return "", fmt.Errorf("entra: no tenant %q", tenant)
	}
	if userOf(t, upn) == nil {
		return "", fmt.Errorf("entra: no user %q in tenant %s", upn, t.ID)
	}
	return e.newRefreshLocked(refreshGrant{tenant: t.ID, clientID: clientID, upn: upn}), nil
}

func (e *Emulator) newRefreshLocked(g refreshGrant) string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	rt := "1.AQ" + base64.RawURLEncoding.EncodeToString(b)
	g.expires = e.now().Add(e.rtTTL)
	e.refresh[rt] = g
	return rt
}

func userOf(t *Tenant, upn string) *User {
	for i := range t.Users {
		if strings.EqualFold(t.Users[i].UPN, upn) {
			return &t.Users[i]
		}
	}
	return nil
}

// Handler serves the emulator's endpoints:
//
//	POST /{tenant}/oauth2/token                         v1 (resource=)
//	POST /{tenant}/oauth2/v2.0/token                    v2 (scope=…/.default; authorization_code)
//	GET, POST /{tenant}/oauth2/v2.0/authorize           sign-in: pick a user, get a code (authorize.go)
//	GET  /{tenant}/discovery/keys, /{tenant}/discovery/v2.0/keys
//	GET  /{tenant}/.well-known/openid-configuration, /{tenant}/v2.0/.well-known/openid-configuration
//	GET  /common/discovery/instance                     MSAL's instance discovery
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/oauth2/token", func(w http.ResponseWriter, r *http.Request) { e.token(w, r, 1) })
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) { e.token(w, r, 2) })
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", e.authorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/authorize", e.authorize)
	mux.HandleFunc("GET /{tenant}/discovery/keys", e.jwks)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", e.jwks)
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { e.openid(w, r, 1) })
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { e.openid(w, r, 2) })
	mux.HandleFunc("GET /common/discovery/instance", e.instance)
	return mux
}

// tenantOf resolves a tenant id or domain; "common" and "organizations"
// resolve to nothing (client credentials need a tenant).
func (e *Emulator) tenantOf(name string) *Tenant {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.tenants[strings.ToLower(name)]
}

// appOf finds clientID's registration usable in tenant t: its own, or a
// multi-tenant app of any tenant.
func (e *Emulator) appOf(t *Tenant, clientID string) *App {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for i := range t.Apps {
		if strings.EqualFold(t.Apps[i].ClientID, clientID) {
			return &t.Apps[i]
		}
	}
	for _, other := range e.tenants {
		for i := range other.Apps {
			if other.Apps[i].MultiTenant && strings.EqualFold(other.Apps[i].ClientID, clientID) {
				return &other.Apps[i]
			}
		}
	}
	return nil
}

func (e *Emulator) resourceOf(name string) (Resource, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	r, ok := e.resources[strings.ToLower(name)]
	if !ok {
		r, ok = e.resources[strings.ToLower(strings.TrimSuffix(name, "/"))]
	}
	return r, ok
}

func (e *Emulator) token(w http.ResponseWriter, r *http.Request, version int) {
	if err := r.ParseForm(); err != nil {
		e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'grant_type'."))
		return
	}
	tenantName := r.PathValue("tenant")
	t := e.tenantOf(tenantName)
	if t == nil {
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_request", AADSTS: 90002, Message: fmt.Sprintf(
			"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenantName)})
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	grant := r.PostForm.Get("grant_type")
	switch {
	case grant == "":
		e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'grant_type'."))
		return
	case grant != "client_credentials" && grant != "refresh_token" && (grant != "authorization_code" || version != 2):
		e.fail(w, r, &aadError{Status: 400, Code: "unsupported_grant_type", AADSTS: 70003, Message: "The app requested an unsupported grant type '" + grant + "'."})
		return
	case clientID == "":
		e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'client_id'."))
		return
	}
	app := e.appOf(t, clientID)
	if app == nil {
		e.fail(w, r, &aadError{Status: 400, Code: "unauthorized_client", AADSTS: 700016, Message: fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.ID)})
		return
	}
	if secret == "" {
		e.fail(w, r, &aadError{Status: 401, Code: "invalid_client", AADSTS: 7000218, Message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."})
		return
	}
	if !secretMatches(app.Secrets, secret) {
		e.fail(w, r, &aadError{Status: 401, Code: "invalid_client", AADSTS: 7000215, Message: fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID)})
		return
	}
	if grant == "authorization_code" {
		e.redeemCode(w, r, t, app)
		return
	}

	var (
		user      *User
		resName   string
		rtGrant   refreshGrant
		isRefresh = grant == "refresh_token"
	)
	if isRefresh {
		rt := r.PostForm.Get("refresh_token")
		e.mu.RLock()
		g, ok := e.refresh[rt]
		e.mu.RUnlock()
		switch {
		case rt == "":
			e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'refresh_token'."))
			return
		case !ok || g.tenant != t.ID || !strings.EqualFold(g.clientID, app.ClientID):
			e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 9002313, Message: "Invalid request. Request is malformed or invalid."})
			return
		case !e.now().Before(g.expires):
			e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 700082, Message: "The refresh token has expired due to inactivity. The token was issued on " + g.expires.Add(-e.rtTTL).UTC().Format(time.RFC3339) + " and was inactive for " + e.rtTTL.String() + "."})
			return
		}
		rtGrant = g
		user = userOf(t, g.upn)
		if user == nil {
			e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 50034, Message: "The user account " + g.upn + " does not exist in the " + t.ID + " directory."})
			return
		}
		resName = g.resource
	}

	// The resource: v1 resource=, v2 scope=<resource>/.default (client
	// credentials) or <resource>/<scope> (refresh).
	if version == 1 {
		if v := r.PostForm.Get("resource"); v != "" {
			resName = v
		}
	} else {
		scope := strings.TrimSpace(r.PostForm.Get("scope"))
		if scope == "" && !isRefresh {
			e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'scope'."))
			return
		}
		var resScopes []string
		for _, s := range strings.Fields(scope) {
			switch s {
			case "openid", "profile", "offline_access", "email":
				continue
			}
			resScopes = append(resScopes, s)
		}
		if !isRefresh && (len(resScopes) != 1 || !strings.HasSuffix(resScopes[0], "/.default")) {
			e.fail(w, r, &aadError{Status: 400, Code: "invalid_scope", AADSTS: 1002012, Message: fmt.Sprintf(
				"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)})
			return
		}
		if len(resScopes) > 0 {
			i := strings.LastIndex(resScopes[0], "/")
			if i <= 0 {
				e.fail(w, r, &aadError{Status: 400, Code: "invalid_scope", AADSTS: 70011, Message: fmt.Sprintf("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope)})
				return
			}
			resName = resScopes[0][:i]
		}
	}
	if resName == "" {
		e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'resource'."))
		return
	}
	res, ok := e.resourceOf(resName)
	if !ok {
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_resource", AADSTS: 500011, Message: fmt.Sprintf(
			"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resName, t.ID)})
		return
	}

	now := e.now()
	e.mu.RLock()
	ttl := e.ttl
	e.mu.RUnlock()
	exp := now.Add(ttl)
	aud := audienceOf(res, resName)
	access, err := e.sign(e.claims(r, t, app, user, res, aud, now, exp))
	if err != nil {
		e.log.ErrorContext(r.Context(), "entra: sign token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	e.issued.Add(1)
	var newRT string
	if isRefresh {
		e.mu.Lock()
		rtGrant.resource = res.URI
		newRT = e.newRefreshLocked(rtGrant)
		e.mu.Unlock()
	}
	secs := int64(ttl / time.Second)
	var body any
	if version == 1 {
		v1 := map[string]string{
			"token_type": "Bearer", "expires_in": strconv.FormatInt(secs, 10), "ext_expires_in": strconv.FormatInt(secs, 10),
			"expires_on": strconv.FormatInt(exp.Unix(), 10), "not_before": strconv.FormatInt(now.Unix(), 10),
			"resource": aud, "access_token": access,
		}
		if newRT != "" {
			v1["refresh_token"], v1["scope"] = newRT, "user_impersonation"
		}
		body = v1
	} else {
		v2 := map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": access}
		if newRT != "" {
			v2["refresh_token"], v2["scope"] = newRT, res.URI+"/user_impersonation"
		}
		body = v2
	}
	e.log.DebugContext(r.Context(), "entra: token issued", "tenant", t.ID, "client_id", app.ClientID, "resource", res.URI, "grant", grant)
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, body)
}

func secretMatches(secrets []string, s string) bool {
	ok := 0
	for _, v := range secrets {
		ok |= subtle.ConstantTimeCompare([]byte(v), []byte(s))
	}
	return ok == 1
}

// audienceOf is a v1 token's aud: the resource as the client named it (an
// alias: "https://management.azure.com/" for a scope of
// "https://management.azure.com/.default"), with the trailing slash of the
// resource's URI, as Entra ID answers.
func audienceOf(res Resource, requested string) string {
	if requested == "" {
		return res.URI
	}
	if strings.HasSuffix(res.URI, "/") && !strings.HasSuffix(requested, "/") {
		return requested + "/"
	}
	return requested
}

// claims builds an access token's claims in the resource's format; aud is
// the v1 audience (audienceOf).
func (e *Emulator) claims(r *http.Request, t *Tenant, app *App, user *User, res Resource, aud string, now, exp time.Time) jwt.MapClaims {
	spOID := stableGUID("sp", t.ID, strings.ToLower(app.ClientID))
	c := jwt.MapClaims{
		"iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
		"tid": t.ID, "aio": randomID(), "uti": randomID(), "rh": "0.AAAA" + randomID() + ".",
		"idp": "https://sts.windows.net/" + t.ID + "/",
	}
	if res.TokenVersion == 2 {
		c["ver"], c["aud"], c["iss"] = "2.0", res.AppID, e.base(r)+"/"+t.ID+"/v2.0"
		c["azp"], c["azpacr"] = app.ClientID, "1"
	} else {
		c["ver"], c["aud"], c["iss"] = "1.0", aud, "https://sts.windows.net/"+t.ID+"/"
		c["appid"], c["appidacr"] = app.ClientID, "1"
		if app.Name != "" {
			c["app_displayname"] = app.Name
		}
	}
	if user != nil {
		delete(c, "idp")
		c["oid"], c["sub"] = user.ObjectID, stableGUID("sub", user.ObjectID, app.ClientID)
		c["upn"], c["unique_name"], c["name"] = user.UPN, user.UPN, user.Name
		c["scp"], c["amr"] = "user_impersonation", []string{"pwd", "mfa"}
	} else {
		c["oid"], c["sub"] = spOID, spOID
	}
	return c
}

func (e *Emulator) sign(c jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = e.key.kid
	tok.Header["x5t"] = e.key.kid
	return tok.SignedString(e.key.priv)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// base is the scheme and host the request reached the emulator at.
func (e *Emulator) base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (e *Emulator) jwks(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	issuer := e.base(r) + "/{tenantid}/v2.0"
	if t := e.tenantOf(tenant); t != nil {
		issuer = e.base(r) + "/" + t.ID + "/v2.0"
	}
	w.Header().Set("Cache-Control", "max-age=86400, private")
	writeJSON(w, http.StatusOK, JWKS{Keys: []JWK{e.key.jwk(issuer)}})
}

func (e *Emulator) openid(w http.ResponseWriter, r *http.Request, version int) {
	name := r.PathValue("tenant")
	tid := "{tenantid}"
	if t := e.tenantOf(name); t != nil {
		tid = t.ID
	} else if name != "common" && name != "organizations" {
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_tenant", AADSTS: 90002, Message: fmt.Sprintf("Tenant '%s' not found.", name)})
		return
	}
	b := e.base(r)
	doc := map[string]any{
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"request_uri_parameter_supported":       false,
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"frontchannel_logout_supported":         true,
		"http_logout_supported":                 true,
		"end_session_endpoint":                  b + "/" + name + "/oauth2/logout",
		"device_authorization_endpoint":         b + "/" + name + "/oauth2/devicecode",
		"kerberos_endpoint":                     b + "/" + name + "/kerberos",
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"rbac_url":                              "https://pas.windows.net",
		"request_parameter_supported":           true,
		"check_session_iframe":                  b + "/" + name + "/oauth2/checksession",
		"microsoft_multi_refresh_token":         true,
	}
	if version == 2 {
		doc["issuer"] = b + "/" + tid + "/v2.0"
		doc["token_endpoint"] = b + "/" + name + "/oauth2/v2.0/token"
		doc["authorization_endpoint"] = b + "/" + name + "/oauth2/v2.0/authorize"
		doc["jwks_uri"] = b + "/" + name + "/discovery/v2.0/keys"
	} else {
		doc["issuer"] = "https://sts.windows.net/" + tid + "/"
		doc["token_endpoint"] = b + "/" + name + "/oauth2/token"
		doc["authorization_endpoint"] = b + "/" + name + "/oauth2/authorize"
		doc["jwks_uri"] = b + "/common/discovery/keys"
	}
	writeJSON(w, http.StatusOK, doc)
}

// instance answers MSAL's instance discovery for the emulator's own host.
func (e *Emulator) instance(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	tenantDiscovery := e.base(r) + "/{tenant}/v2.0/.well-known/openid-configuration"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		// https://host/{tenant}/oauth2/v2.0/authorize → its tenant.
		parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(ae, "https://"), "http://"), "/")
		if len(parts) > 1 {
			tenantDiscovery = e.base(r) + "/" + parts[1] + "/v2.0/.well-known/openid-configuration"
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": tenantDiscovery,
		"api-version":               "1.1",
		"metadata":                  []map[string]any{{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
