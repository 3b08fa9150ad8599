// Package frontdoor is the one entrance of every HTTP request: the native
// API (/api/v1), the Cloudesire-compatible API (/api/) and the control
// panel (/). Its middleware gives the request its id (internal/telemetry's),
// resolves the caller from whichever credential it carries — Authorization:
// Bearer, CMW-Auth-Token (with CMW-Auth-User), HTTP Basic of email and API
// token, or, on the control panel only, the session cookie — limits the rate
// per principal (or per client address when anonymous), refuses changes by
// read-only roles, and puts the principal into the request's context, where
// the transports read it with PrincipalFrom. The transports authenticate
// nothing themselves.
//
// Refusals are the front door's decision but each transport's shape: every
// Mount (a path prefix) brings the Render function that writes them —
// problem JSON on /api/v1, errorHolders on /api/, a page or a redirect to
// sign-in on the control panel.
package frontdoor

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// SessionCookie is the name of the control panel's session cookie.
const SessionCookie = "mercato_session"

// Source says which kind of credential a principal was resolved from.
type Source string

// The credentials the front door reads.
const (
	SourceBearer  Source = "bearer"  // Authorization: Bearer <token>
	SourceCMW     Source = "cmw"     // CMW-Auth-Token: <token>
	SourceBasic   Source = "basic"   // Authorization: Basic email:token
	SourceSession Source = "session" // the control panel's cookie
)

// Identity is the resolved caller of a request.
type Identity struct {
	Principal mercato.Principal
	Source    Source
	// User is the signed-in user, loaded with a session (the control
	// panel shows it); nil for the API credentials.
	User *mercato.User
}

// Refusal is a request the front door turns away; the mount's Render
// writes it in its transport's shape.
type Refusal struct {
	Status  int    // 401, 403, 429 or 500
	Message string // user-safe
	// RetryAfter is how long a rate-limited caller should wait (429).
	RetryAfter time.Duration
	// Err is the cause of a 500 (already logged).
	Err error
}

// RetryAfterSeconds is RetryAfter for the Retry-After header, rounded up.
func (r Refusal) RetryAfterSeconds() string {
	s := int((r.RetryAfter + time.Second - 1) / time.Second)
	return fmt.Sprint(max(s, 1))
}

// Render writes a refusal.
type Render func(w http.ResponseWriter, r *http.Request, ref Refusal)

// Mount is a part of the URL space served by one transport.
type Mount struct {
	// Prefix is the path prefix (the longest matching one applies).
	Prefix string
	// Render writes the front door's refusals for this transport.
	Render Render
	// Reads are ServeMux patterns of requests that are not GET or HEAD
	// but only read, so that read-only roles may send them
	// ("POST /api/v1/quotes").
	Reads []string
	// Sessions accepts the control panel's session cookie. Only the panel
	// does: a cookie is sent by the browser on its own, and the APIs have
	// no protection against cross-site requests.
	Sessions bool
	// Logins are ServeMux patterns of sign-in requests ("POST /api/login"):
	// there a credential that is no valid token passes on unresolved
	// (counted against the client's address like any failed attempt), so
	// that the transport's sign-in use case may check it as a password.
	// A valid token is resolved as anywhere else.
	Logins []string

	reads  *http.ServeMux
	logins *http.ServeMux
}

// Callers resolve credentials to principals (internal/store: API tokens,
// the bootstrap token, the panel's sessions).
type Callers interface {
	// Session resolves a control-panel session cookie.
	Session(ctx context.Context, secret string) (mercato.Principal, mercato.User, error)
	// Authenticate resolves an API token.
	Authenticate(ctx context.Context, secret string) (mercato.Principal, error)
	// User returns a user p sees.
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
}

// Config is what the front door needs.
type Config struct {
	Callers Callers
	Log     *slog.Logger
	// Rate and Burst limit each principal (requests a second, and the
	// burst above it); Rate 0 means no limit.
	Rate  float64
	Burst int
	// AnonRate and AnonBurst limit each client address for requests
	// without a valid credential (including failed attempts); 0: no limit.
	AnonRate  float64
	AnonBurst int
	// TrustedProxies are the addresses of reverse proxies in front: from
	// them, the client is the last address of X-Forwarded-For that is not
	// a trusted proxy itself. From anyone else X-Forwarded-For is ignored.
	TrustedProxies []netip.Prefix
	// Now is the clock of the limits (default time.Now).
	Now func() time.Time
}

// Door is the front door's middleware.
type Door struct {
	cfg    Config
	mounts []*Mount
	users  *limiter // nil: no limit
	anon   *limiter // nil: no limit
}

// New builds the front door over cfg.Callers for the mounts.
func New(cfg Config, mounts ...Mount) *Door {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	d := &Door{cfg: cfg, users: newLimiter(cfg.Rate, cfg.Burst), anon: newLimiter(cfg.AnonRate, cfg.AnonBurst)}
	for _, m := range mounts {
		m.reads = http.NewServeMux()
		for _, p := range m.Reads {
			m.reads.Handle(p, http.NotFoundHandler())
		}
		m.logins = http.NewServeMux()
		for _, p := range m.Logins {
			m.logins.Handle(p, http.NotFoundHandler())
		}
		d.mounts = append(d.mounts, &m)
	}
	return d
}

type stateKey struct{}

// state is what the front door leaves in a request's context.
type state struct {
	id   *Identity
	addr string // the client's address
}

// From returns the identity the front door resolved for the request of
// ctx; false when the caller sent no valid credential.
func From(ctx context.Context) (Identity, bool) {
	s, _ := ctx.Value(stateKey{}).(*state)
	if s == nil || s.id == nil {
		return Identity{}, false
	}
	return *s.id, true
}

// PrincipalFrom returns the principal of the request of ctx.
func PrincipalFrom(ctx context.Context) (mercato.Principal, bool) {
	id, ok := From(ctx)
	return id.Principal, ok
}

// Passed reports whether the request of ctx came through a front door.
func Passed(ctx context.Context) bool {
	_, ok := ctx.Value(stateKey{}).(*state)
	return ok
}

// mount returns the mount of a path (nil if none).
func (d *Door) mount(path string) *Mount {
	var best *Mount
	for _, m := range d.mounts {
		if strings.HasPrefix(path, m.Prefix) && (best == nil || len(m.Prefix) > len(best.Prefix)) {
			best = m
		}
	}
	return best
}

// Wrap returns next behind the front door. A request that already came
// through one (a transport's own door inside serve's) passes as it is.
func (d *Door) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Passed(r.Context()) {
			next.ServeHTTP(w, r)
			return
		}
		r = telemetry.EnsureRequestID(w, r)
		collapseSlashes(r)
		addr := d.clientAddr(r)
		m := d.mount(r.URL.Path)
		render := defaultRender
		if m != nil && m.Render != nil {
			render = m.Render
		}
		id, ref := d.admit(r, m, addr)
		if ref == nil {
			ref = checkInput(w, r)
		}
		if ref != nil {
			render(w, r, *ref)
			return
		}
		inner := r.WithContext(context.WithValue(r.Context(), stateKey{}, &state{id: id, addr: addr}))
		if id != nil {
			inner = inner.WithContext(mercato.WithPrincipal(inner.Context(), id.Principal))
		}
		next.ServeHTTP(w, inner)
		// The mux sets the matched pattern on the request it routed; the
		// outer middleware (metrics by route) reads it from its own.
		r.Pattern = inner.Pattern
	})
}

// admit resolves the caller and decides whether the request may pass.
func (d *Door) admit(r *http.Request, m *Mount, addr string) (*Identity, *Refusal) {
	ctx := r.Context()
	now := d.cfg.Now()
	id, err := d.resolve(ctx, r, m)
	if err != nil {
		if mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			d.cfg.Log.ErrorContext(ctx, "front door: resolve the caller", "err", err)
			return nil, &Refusal{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
		}
		// A failed attempt counts against the address, so that guessing
		// tokens is limited like any anonymous flood.
		if ok, wait := d.anon.allow("addr:"+addr, now); !ok {
			return nil, tooMany(wait)
		}
		if m.isLogin(r) {
			return nil, nil
		}
		return nil, &Refusal{Status: http.StatusUnauthorized, Message: mercato.ErrorMessage(err)}
	}
	if id == nil {
		if ok, wait := d.anon.allow("addr:"+addr, now); !ok {
			return nil, tooMany(wait)
		}
		return nil, nil
	}
	if ok, wait := d.users.allow(fmt.Sprintf("user:%d", id.Principal.UserID), now); !ok {
		return nil, tooMany(wait)
	}
	if !id.Principal.CanWrite() && !safe(r.Method) && !m.isRead(r) {
		return nil, &Refusal{Status: http.StatusForbidden, Message: "your role is read-only"}
	}
	return id, nil
}

func tooMany(wait time.Duration) *Refusal {
	ref := &Refusal{Status: http.StatusTooManyRequests, RetryAfter: wait}
	ref.Message = "too many requests; retry after " + ref.RetryAfterSeconds() + " s"
	return ref
}

func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

func (m *Mount) isRead(r *http.Request) bool {
	if m == nil {
		return false
	}
	_, pattern := m.reads.Handler(r)
	return pattern != ""
}

func (m *Mount) isLogin(r *http.Request) bool {
	if m == nil || m.logins == nil {
		return false
	}
	_, pattern := m.logins.Handler(r)
	return pattern != ""
}

// resolve reads the request's credential: nil without one, an
// EUNAUTHORIZED error when it is not valid.
func (d *Door) resolve(ctx context.Context, r *http.Request, m *Mount) (*Identity, error) {
	c, err := Credential(r)
	if err != nil {
		return nil, err
	}
	if c.Secret == "" {
		if m == nil || !m.Sessions {
			return nil, nil
		}
		cookie, err := r.Cookie(SessionCookie)
		if err != nil || cookie.Value == "" {
			return nil, nil
		}
		p, u, err := d.cfg.Callers.Session(ctx, cookie.Value)
		if err != nil {
			if mercato.ErrorCode(err) == mercato.EUNAUTHORIZED {
				return nil, nil // an expired session: the panel asks to sign in again
			}
			return nil, fmt.Errorf("session: %w", err)
		}
		return &Identity{Principal: p, Source: SourceSession, User: &u}, nil
	}
	p, err := d.cfg.Callers.Authenticate(ctx, c.Secret)
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if c.User != "" {
		u, err := d.cfg.Callers.User(ctx, p, p.UserID)
		if err != nil {
			return nil, fmt.Errorf("the token's user: %w", err)
		}
		if !strings.EqualFold(u.Email, c.User) && (u.UserName == "" || !strings.EqualFold(u.UserName, c.User)) {
			return nil, mercato.Errorf(mercato.EUNAUTHORIZED, "the token does not belong to %s", truncate(c.User, 100))
		}
	}
	return &Identity{Principal: p, Source: c.Source}, nil
}

// Cred is a request's normalised credential.
type Cred struct {
	Source Source
	Secret string // the API token; empty when the request carries none
	User   string // the email it must belong to (CMW-Auth-User, Basic); may be empty
}

// Credential reads a request's credential, normalised: the scheme in any
// case, surrounding and repeated whitespace dropped, so that one token is
// one credential however it is written. CMW-Auth-Token comes first, then
// Authorization (Bearer or Basic); another scheme counts as none.
func Credential(r *http.Request) (Cred, error) {
	user := strings.TrimSpace(r.Header.Get("CMW-Auth-User"))
	if tok := strings.TrimSpace(r.Header.Get("CMW-Auth-Token")); tok != "" {
		return Cred{Source: SourceCMW, Secret: tok, User: user}, nil
	}
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		return Cred{}, nil
	}
	scheme := strings.Fields(auth)[0]
	rest := strings.TrimSpace(auth[len(scheme):])
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if rest == "" {
			return Cred{}, nil
		}
		return Cred{Source: SourceBearer, Secret: rest, User: user}, nil
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return Cred{}, mercato.Errorf(mercato.EUNAUTHORIZED, "malformed basic authentication")
		}
		email, tok, ok := strings.Cut(string(raw), ":")
		email, tok = strings.TrimSpace(email), strings.TrimSpace(tok)
		if !ok || email == "" {
			return Cred{}, mercato.Errorf(mercato.EUNAUTHORIZED, "basic authentication needs the user's email as user name")
		}
		if tok == "" {
			return Cred{}, mercato.Errorf(mercato.EUNAUTHORIZED, "basic authentication needs an API token as password")
		}
		return Cred{Source: SourceBasic, Secret: tok, User: email}, nil
	}
	return Cred{}, nil
}

// ClientAddr is the client's address as the front door saw it (behind a
// trusted proxy, from X-Forwarded-For); outside a front door, the peer of
// the connection.
func ClientAddr(r *http.Request) string {
	if s, _ := r.Context().Value(stateKey{}).(*state); s != nil && s.addr != "" {
		return s.addr
	}
	return peer(r)
}

func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAddr is the client's address: the peer, or, when the peer is a
// trusted proxy, the last address of X-Forwarded-For that is not one.
func (d *Door) clientAddr(r *http.Request) string {
	addr := peer(r)
	if !d.trusted(addr) {
		return addr
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		ip, err := netip.ParseAddr(hop)
		if err != nil {
			break // a forged or broken list: keep the last good address
		}
		addr = ip.Unmap().String()
		if !d.trusted(addr) {
			break
		}
	}
	return addr
}

func (d *Door) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range d.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// defaultRender writes a refusal as plain text, for paths outside every mount.
func defaultRender(w http.ResponseWriter, _ *http.Request, ref Refusal) {
	if ref.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", ref.RetryAfterSeconds())
	}
	http.Error(w, ref.Message, ref.Status)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// collapseSlashes serves a path with doubled slashes as the path without
// them (clients that join a base ending in "/" with "/login" send
// "/api//login", and Cloudesire serves it), instead of the mux's redirect,
// which a client may not follow for a POST.
func collapseSlashes(r *http.Request) {
	if !strings.Contains(r.URL.Path, "//") {
		return
	}
	collapse := func(p string) string {
		for strings.Contains(p, "//") {
			p = strings.ReplaceAll(p, "//", "/")
		}
		return p
	}
	r.URL.Path = collapse(r.URL.Path)
	if r.URL.RawPath != "" {
		r.URL.RawPath = collapse(r.URL.RawPath)
	}
}
