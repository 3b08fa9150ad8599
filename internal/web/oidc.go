package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Sign-in with an identity provider (OpenID Connect, authorization code
// flow with PKCE, on github.com/coreos/go-oidc/v3 and golang.org/x/oauth2):
// GET /signin/oidc starts it (a link beside the password form, so that the
// page's form-action 'self' allows the redirect to the provider), the
// provider sends the browser back to GET /signin/oidc/callback. The state,
// the nonce and the PKCE verifier of one sign-in live in a short-lived
// cookie of the callback's path only; the callback checks the state, sends
// the verifier with the code, has go-oidc verify the id_token (signature
// by the provider's JWKS, issuer, audience, expiry) and checks its nonce.
// The accounts service then decides which user it is
// (accounts.SignInWithIdentity); the session is the password sign-in's.

// OIDC is the identity provider the panel offers beside passwords.
type OIDC struct {
	// Name is the provider as the button names it ("Microsoft").
	Name string
	// Issuer is the provider's issuer URL; its discovery document is
	// Issuer + "/.well-known/openid-configuration".
	Issuer string
	// ClientID and ClientSecret are the panel's registration at the
	// provider (the secret: MERCATO_OIDC_CLIENT_SECRET, never logged).
	ClientID, ClientSecret string
	// Client makes the requests to the provider (default
	// http.DefaultClient).
	Client *http.Client
	// Now is the clock id_tokens are checked against (default time.Now).
	Now func() time.Time
}

// WithOIDC offers sign-in with the identity provider o; the redirect URI
// to register at the provider is the base URL (WithBaseURL) +
// /signin/oidc/callback.
func WithOIDC(o OIDC) Option { return func(s *Server) { s.oidc = &oidcClient{cfg: o} } }

// oidcCookie holds one sign-in's state, nonce, PKCE verifier and where to
// go after it, for oidcFlowTTL.
const (
	oidcCookie   = "mercato_oidc"
	oidcPath     = "/signin/oidc"
	oidcCallback = oidcPath + "/callback"
	oidcFlowTTL  = 10 * time.Minute
)

// oidcClient discovers the provider on first use, and again after a
// failure (the provider may start after the marketplace).
type oidcClient struct {
	cfg      OIDC
	mu       sync.Mutex
	provider *oidc.Provider
}

func (c *oidcClient) ctx(ctx context.Context) context.Context {
	if c.cfg.Client != nil {
		return oidc.ClientContext(ctx, c.cfg.Client)
	}
	return ctx
}

func (c *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c.provider, nil
	}
	p, err := oidc.NewProvider(c.ctx(ctx), c.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover identity provider %s: %w", c.cfg.Issuer, err)
	}
	c.provider = p
	return p, nil
}

func (c *oidcClient) oauth2(p *oidc.Provider, redirect string) *oauth2.Config {
	ep := p.Endpoint()
	// client_secret_post: the one way tried (auto-detection would send a
	// refused code twice, which a provider counts as a reuse).
	ep.AuthStyle = oauth2.AuthStyleInParams
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: ep, RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
}

// oidcFlow is the cookie's content.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
}

// oidcName is the provider's name for the sign-in page, "" when the panel
// offers none.
func (s *Server) oidcName() string {
	if s.oidc == nil {
		return ""
	}
	return s.oidc.cfg.Name
}

func (s *Server) oidcRedirect(r *http.Request) string {
	base := s.baseURL
	if base == "" { // tests: the request's own origin
		base = "http://" + r.Host
		if r.TLS != nil {
			base = "https://" + r.Host
		}
	}
	return base + oidcCallback
}

func randomText() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oidcStart sends the browser to the provider's authorization endpoint
// with a new state, nonce and PKCE challenge, kept in the flow cookie.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		http.NotFound(w, r)
		return
	}
	p, err := s.oidc.discover(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "identity provider unreachable", "issuer", s.oidc.cfg.Issuer, "err", err)
		s.oidcRefused(w, r, http.StatusBadGateway, s.say(r, "%s cannot be reached right now. Try again in a moment, or sign in with your password.", s.oidc.cfg.Name))
		return
	}
	flow := oidcFlow{State: randomText(), Nonce: randomText(), Verifier: oauth2.GenerateVerifier(), Next: safeNext(r.FormValue("next"))}
	b, _ := json.Marshal(flow)
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: oidcPath, HttpOnly: true,
		Secure: !s.insecure, SameSite: http.SameSiteLaxMode, MaxAge: int(oidcFlowTTL.Seconds())})
	to := s.oidc.oauth2(p, s.oidcRedirect(r)).AuthCodeURL(flow.State, oidc.Nonce(flow.Nonce), oauth2.S256ChallengeOption(flow.Verifier))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// oidcRefused shows the sign-in page with the reason.
func (s *Server) oidcRefused(w http.ResponseWriter, r *http.Request, status int, msg string) {
	v := &view{Title: s.say(r, "Sign in"), Request: r, Error: msg, Data: signInData{Next: "/", Provider: s.oidcName()}}
	s.render(w, r, status, "signin.html", v)
}

// oidcCallback finishes a sign-in: the flow cookie (used up whatever
// happens), the state, the code exchanged with the PKCE verifier, the
// id_token verified with its nonce, the user found by the accounts
// service, a session. Every refusal counts as a failed sign-in of the
// client address (the password sign-in's guard) and writes nothing.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Path: oidcPath, MaxAge: -1, HttpOnly: true, Secure: !s.insecure, SameSite: http.SameSiteLaxMode})
	addr := clientIP(r)
	key := "oidc|" + addr // the guard's account: the address's OpenID sign-ins
	if wait := s.signIns.wait(key, addr); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.log.WarnContext(r.Context(), "sign-in delayed after failed attempts", "ip", addr, "wait", wait, "method", "oidc")
		s.oidcRefused(w, r, http.StatusTooManyRequests, s.say(r, "Too many failed sign-ins. Wait %s and try again.", wait.Round(time.Second)))
		return
	}
	name := s.oidc.cfg.Name
	fail := func(status int, reason string, err error, msg string) {
		s.signIns.failed(key, addr)
		s.log.InfoContext(r.Context(), "sign-in failed", "ip", addr, "method", "oidc", "reason", reason, "err", err)
		s.oidcRefused(w, r, status, msg)
	}
	again := s.say(r, "The sign-in with %s could not be completed: it expired or was started in another window. Try again.", name)
	if e := r.FormValue("error"); e != "" {
		// The provider's refusal (the person cancelled, or was refused):
		// no guess at anything, so not counted.
		s.log.InfoContext(r.Context(), "sign-in refused by the identity provider", "ip", addr, "error", e, "description", r.FormValue("error_description"))
		s.oidcRefused(w, r, http.StatusUnauthorized, s.say(r, "%s did not sign you in. Try again, or sign in with your password.", name))
		return
	}
	var flow oidcFlow
	c, err := r.Cookie(oidcCookie)
	if err == nil {
		var b []byte
		if b, err = base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			err = json.Unmarshal(b, &flow)
		}
	}
	if err != nil || flow.State == "" || flow.Nonce == "" || flow.Verifier == "" {
		fail(http.StatusBadRequest, "no sign-in under way", err, again)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.FormValue("state")), []byte(flow.State)) != 1 {
		fail(http.StatusBadRequest, "state mismatch", nil, again)
		return
	}
	p, err := s.oidc.discover(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "identity provider unreachable", "issuer", s.oidc.cfg.Issuer, "err", err)
		s.oidcRefused(w, r, http.StatusBadGateway, s.say(r, "%s cannot be reached right now. Try again in a moment, or sign in with your password.", name))
		return
	}
	ctx := s.oidc.ctx(r.Context())
	tok, err := s.oidc.oauth2(p, s.oidcRedirect(r)).Exchange(ctx, r.FormValue("code"), oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		fail(http.StatusUnauthorized, "code exchange refused", err, again)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	verifier := p.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID, Now: s.oidc.cfg.Now})
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		fail(http.StatusUnauthorized, "id_token refused", err, again)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		fail(http.StatusUnauthorized, "nonce mismatch", nil, again)
		return
	}
	var claims struct {
		Email         string          `json:"email"`
		EmailVerified json.RawMessage `json:"email_verified"`
		EDOV          json.RawMessage `json:"xms_edov"` // Microsoft's "email domain owner verified"
	}
	if err := idt.Claims(&claims); err != nil {
		fail(http.StatusUnauthorized, "id_token claims unreadable", err, again)
		return
	}
	pr, err := s.services.Accounts.SignInWithIdentity(r.Context(), accounts.Identity{
		Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email,
		EmailVerified: claimTrue(claims.EmailVerified) || claimTrue(claims.EDOV),
	})
	switch {
	case errors.Is(err, accounts.ErrIdentityUnverified):
		fail(http.StatusForbidden, "address not vouched for", nil, s.say(r, "%s did not vouch for your email address, so it cannot be matched to an account here. Sign in with your password.", name))
		return
	case errors.Is(err, accounts.ErrIdentityNoAccount):
		fail(http.StatusForbidden, "no account", nil, s.say(r, "No active account here has the address %s vouched for. Ask your administrator for an invitation, accept it, then sign in with %s.", name, name))
		return
	case mercato.ErrorCode(err) == mercato.EUNAUTHORIZED:
		fail(http.StatusForbidden, "refused", err, again)
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	secret, err := s.services.Accounts.CreateSession(r.Context(), pr.UserID, s.ttl)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.signIns.succeeded(key, addr)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: !s.insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.ttl.Seconds())})
	s.log.InfoContext(r.Context(), "signed in", "user_id", pr.UserID, "org_id", pr.OrgID, "method", "oidc", "issuer", idt.Issuer)
	http.Redirect(w, r, flow.Next, http.StatusSeeOther)
}

// claimTrue reads a boolean claim sent as true or as "true" (some
// providers send strings).
func claimTrue(raw json.RawMessage) bool {
	v := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	return strings.EqualFold(v, "true") || v == "1"
}
