package entra_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/mercato-market/mercato/internal/emulator/entra"
)

// TestAuthorizationCodeFlow signs a user in as a web app does with
// go-oidc and x/oauth2: discovery, the authorize page, the picked user's
// code on the redirect URI (any loopback port), the code redeemed with the
// PKCE verifier for an id_token that go-oidc verifies with the JWKS, with
// Microsoft's v2.0 claims. A code works once, only with its verifier and
// its redirect URI; an unregistered redirect URI gets Entra's error page.
func TestAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	const webApp, webSecret = "0b5d7c3a-1f2e-4d6c-8a9b-7e6f5d4c3b2a", "web~secret"
	em, err := entra.New(entra.Config{Tenants: []entra.Tenant{{
		ID: tenant, Domains: []string{"contoso.onmicrosoft.com", "contoso.example"},
		Apps: []entra.App{{ClientID: webApp, Name: "Mercato", Secrets: []string{webSecret}, RedirectURIs: []string{"http://127.0.0.1/signin/oidc/callback"}}},
		Users: []entra.User{
			{UPN: "ada@contoso.onmicrosoft.com", Name: "Ada Lovelace", Email: "ada@contoso.example"},
			{UPN: "guest@contoso.onmicrosoft.com", Name: "Guest", Email: "guest@elsewhere.example"},
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(em.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	issuer := srv.URL + "/" + tenant + "/v2.0"
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		t.Fatal(err)
	}
	if got := provider.Endpoint().AuthURL; got != srv.URL+"/"+tenant+"/oauth2/v2.0/authorize" {
		t.Fatalf("authorization endpoint %s", got)
	}
	redirect := "http://127.0.0.1:8123/signin/oidc/callback" // the port is not the registered one's
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInParams // client_secret_post, as Microsoft's samples (auto-detection would send the code twice)
	conf := oauth2.Config{ClientID: webApp, ClientSecret: webSecret, Endpoint: endpoint, RedirectURL: redirect,
		Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// signIn walks the authorize page for upn and returns the redirect.
	signIn := func(authURL, upn string) *url.URL {
		t.Helper()
		resp, err := http.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), `value="`+upn+`"`) {
			t.Fatalf("authorize page %d: %s", resp.StatusCode, page)
		}
		resp, err = noFollow.PostForm(authURL, url.Values{"login_hint": {upn}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil {
			t.Fatalf("authorize post %d %q %v", resp.StatusCode, resp.Header.Get("Location"), err)
		}
		return loc
	}
	verifier := oauth2.GenerateVerifier()
	loc := signIn(conf.AuthCodeURL("state-1", oidc.Nonce("nonce-1"), oauth2.S256ChallengeOption(verifier)), "ada@contoso.onmicrosoft.com")
	if loc.Host != "127.0.0.1:8123" || loc.Query().Get("state") != "state-1" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	code := loc.Query().Get("code")
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption("not-the-verifier-"+verifier)); err == nil || !strings.Contains(err.Error(), "AADSTS501481") {
		t.Fatalf("wrong verifier: %v", err)
	}
	// The refused try used the code up, as Entra does.
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil || !strings.Contains(err.Error(), "AADSTS70000") {
		t.Fatalf("code used twice: %v", err)
	}
	loc = signIn(conf.AuthCodeURL("state-2", oidc.Nonce("nonce-2"), oauth2.S256ChallengeOption(verifier)), "ada@contoso.onmicrosoft.com")
	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: webApp}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Ver, Tid, Oid, Name, Nonce, Email string
		Preferred                         string `json:"preferred_username"`
		EDOV                              *bool  `json:"xms_edov"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Issuer != issuer || idt.Subject == "" || claims.Ver != "2.0" || claims.Tid != tenant || claims.Oid == "" || claims.Nonce != "nonce-2" ||
		claims.Preferred != "ada@contoso.onmicrosoft.com" || claims.Name != "Ada Lovelace" || claims.Email != "ada@contoso.example" || claims.EDOV == nil || !*claims.EDOV {
		t.Fatalf("id_token %s %s %+v", idt.Issuer, idt.Subject, claims)
	}
	// An address outside the tenant's domains is not vouched for.
	loc = signIn(conf.AuthCodeURL("state-3", oidc.Nonce("nonce-3")), "guest@contoso.onmicrosoft.com")
	tok, err = conf.Exchange(ctx, loc.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = tok.Extra("id_token").(string)
	if idt, err = provider.Verifier(&oidc.Config{ClientID: webApp}).Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	claims.EDOV = nil
	if err := idt.Claims(&claims); err != nil || claims.EDOV == nil || *claims.EDOV || claims.Email != "guest@elsewhere.example" {
		t.Fatalf("guest claims %+v %v", claims, err)
	}
	// Another redirect URI than the code's is refused at the token endpoint.
	loc = signIn(conf.AuthCodeURL("state-4"), "ada@contoso.onmicrosoft.com")
	other := conf
	other.RedirectURL = "http://127.0.0.1:9999/signin/oidc/callback"
	if _, err := other.Exchange(ctx, loc.Query().Get("code")); err == nil || !strings.Contains(err.Error(), "AADSTS50011") {
		t.Fatalf("other redirect uri: %v", err)
	}
	// An unregistered redirect URI never gets a code: Entra's own page.
	bad := conf
	bad.RedirectURL = "https://attacker.example/callback"
	resp, err := noFollow.Get(bad.AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "AADSTS50011") {
		t.Fatalf("unregistered redirect: %d %s", resp.StatusCode, body)
	}
}
