package entra_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/entra"
)

const (
	tenant = "11111111-2222-3333-4444-555555555555"
	client = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	secret = "s3cr3t~value"
)

func newEmulator(t *testing.T, opts ...entra.Option) (*entra.Emulator, *httptest.Server) {
	t.Helper()
	em, err := entra.New(entra.Config{Tenants: []entra.Tenant{{
		ID: tenant, Domains: []string{"contoso.onmicrosoft.com"},
		Apps:  []entra.App{{ClientID: client, Secrets: []string{"old", secret}, Name: "connector"}},
		Users: []entra.User{{UPN: "admin@contoso.onmicrosoft.com", Name: "Admin"}},
	}}}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(em.Handler())
	t.Cleanup(srv.Close)
	return em, srv
}

func post(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestTokenEndpoints(t *testing.T) {
	t.Parallel()
	em, srv := newEmulator(t)
	ver := entra.NewVerifier(em.Keys(), append([]string{entra.PartnerCenterResource}, entra.ManagementAudiences...)...)
	cases := []struct {
		name     string
		path     string
		form     url.Values
		status   int
		errCode  string
		aadsts   float64
		audience string
	}{
		{"v1 partner center", "/" + tenant + "/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "resource": {entra.PartnerCenterResource}},
			200, "", 0, entra.PartnerCenterResource},
		{"v1 by domain, arm", "/contoso.onmicrosoft.com/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {"old"}, "resource": {"https://management.core.windows.net/"}},
			200, "", 0, entra.ManagementResource},
		{"v2 arm scope as the Azure SDK spells it", "/" + tenant + "/oauth2/v2.0/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {"https://management.core.windows.net//.default"}},
			200, "", 0, entra.ManagementResource},
		// The aud is the resource as requested (the JavaScript SDK's scope).
		{"v2 management.azure.com alias", "/" + tenant + "/oauth2/v2.0/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {"https://management.azure.com/.default"}},
			200, "", 0, entra.ManagementAzureResource},
		{"v1 management.azure.com alias", "/" + tenant + "/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "resource": {"https://management.azure.com"}},
			200, "", 0, entra.ManagementAzureResource},
		{"wrong secret", "/" + tenant + "/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {"nope"}, "resource": {entra.PartnerCenterResource}},
			401, "invalid_client", 7000215, ""},
		{"no secret", "/" + tenant + "/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "resource": {entra.PartnerCenterResource}},
			401, "invalid_client", 7000218, ""},
		{"unknown app", "/" + tenant + "/oauth2/v2.0/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {"99999999-0000-0000-0000-000000000000"}, "client_secret": {secret}, "scope": {"https://api.partnercenter.microsoft.com/.default"}},
			400, "unauthorized_client", 700016, ""},
		{"unknown tenant", "/nosuch.onmicrosoft.com/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "resource": {entra.PartnerCenterResource}},
			400, "invalid_request", 90002, ""},
		{"scope without .default", "/" + tenant + "/oauth2/v2.0/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {"https://api.partnercenter.microsoft.com/user_impersonation"}},
			400, "invalid_scope", 1002012, ""},
		{"unknown resource", "/" + tenant + "/oauth2/token",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "resource": {"https://nothing.example"}},
			400, "invalid_resource", 500011, ""},
		{"no grant type", "/" + tenant + "/oauth2/token",
			url.Values{"client_id": {client}, "client_secret": {secret}},
			400, "invalid_request", 900144, ""},
		{"password grant", "/" + tenant + "/oauth2/token",
			url.Values{"grant_type": {"password"}, "client_id": {client}, "client_secret": {secret}},
			400, "unsupported_grant_type", 70003, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, srv.URL+tc.path, tc.form)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.errCode != "" {
				desc, _ := body["error_description"].(string)
				codes, _ := body["error_codes"].([]any)
				if body["error"] != tc.errCode || len(codes) != 1 || codes[0] != tc.aadsts || !strings.HasPrefix(desc, "AADSTS") ||
					!strings.Contains(desc, "Trace ID:") || body["trace_id"] == "" || body["correlation_id"] == "" {
					t.Fatalf("error body %v", body)
				}
				return
			}
			tok, _ := body["access_token"].(string)
			if body["token_type"] != "Bearer" || tok == "" {
				t.Fatalf("body %v", body)
			}
			if strings.Contains(tc.path, "v2.0") {
				if _, ok := body["expires_in"].(float64); !ok {
					t.Fatalf("v2 expires_in should be a number: %v", body)
				}
			} else if body["expires_in"] != "3600" || body["resource"] != tc.audience {
				t.Fatalf("v1 body %v", body)
			}
			c, err := ver.Verify(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if c.Audience != tc.audience || c.TenantID != tenant || c.AppID != client || c.Issuer != "https://sts.windows.net/"+tenant+"/" ||
				time.Until(c.Expires) < 59*time.Minute || c.ObjectID == "" {
				t.Fatalf("claims %+v", c)
			}
		})
	}
}

func TestBasicAuthAndAudience(t *testing.T) {
	t.Parallel()
	em, srv := newEmulator(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+tenant+"/oauth2/v2.0/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {entra.PartnerCenterResource + "/.default"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d %v", resp.StatusCode, err)
	}
	arm := entra.NewVerifier(em.Keys(), entra.ManagementResource)
	var te *entra.TokenError
	if _, err := arm.Verify(context.Background(), body.AccessToken); !errors.As(err, &te) || te.Kind != entra.TokenAudience {
		t.Fatalf("a Partner Center token must not pass as an ARM token: %v", err)
	}
	// A token signed by another emulator's key is refused.
	other, _ := newEmulator(t)
	if _, err := entra.NewVerifier(other.Keys(), entra.PartnerCenterResource).Verify(context.Background(), body.AccessToken); !errors.As(err, &te) || te.Kind != entra.TokenMalformed {
		t.Fatalf("foreign key: %v", err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := arm.VerifyRequest(r); !errors.As(err, &te) || te.Kind != entra.TokenMissing {
		t.Fatalf("no header: %v", err)
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestRefreshTokenAndExpiry(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	em, srv := newEmulator(t, entra.WithClock(clk.Now))
	rt, err := em.IssueRefreshToken("contoso.onmicrosoft.com", client, "admin@contoso.onmicrosoft.com")
	if err != nil {
		t.Fatal(err)
	}
	status, body := post(t, srv.URL+"/"+tenant+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {client}, "client_secret": {secret},
		"resource": {entra.PartnerCenterResource}})
	if status != 200 || body["refresh_token"] == "" || body["refresh_token"] == rt {
		t.Fatalf("refresh: %d %v", status, body)
	}
	ver := entra.NewVerifier(em.Keys(), entra.PartnerCenterResource)
	ver.Now = clk.Now
	c, err := ver.Verify(context.Background(), body["access_token"].(string))
	if err != nil || c.UPN != "admin@contoso.onmicrosoft.com" || c.Scope != "user_impersonation" {
		t.Fatalf("claims %+v, %v", c, err)
	}
	clk.Advance(61 * time.Minute)
	var te *entra.TokenError
	if _, err := ver.Verify(context.Background(), body["access_token"].(string)); !errors.As(err, &te) || te.Kind != entra.TokenExpired {
		t.Fatalf("expired token: %v", err)
	}
	// v2 refresh with a rotated refresh token and a resource scope.
	status, body = post(t, srv.URL+"/"+tenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}, "client_id": {client}, "client_secret": {secret},
		"scope": {entra.PartnerCenterResource + "/user_impersonation offline_access"}})
	if status != 200 {
		t.Fatalf("v2 refresh: %d %v", status, body)
	}
	if status, body = post(t, srv.URL+"/"+tenant+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {"garbage"}, "client_id": {client}, "client_secret": {secret}}); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("bad refresh token: %d %v", status, body)
	}
	clk.Advance(91 * 24 * time.Hour)
	if status, body = post(t, srv.URL+"/"+tenant+"/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {client}, "client_secret": {secret}}); status != 400 || body["error_codes"].([]any)[0] != float64(700082) {
		t.Fatalf("expired refresh token: %d %v", status, body)
	}
}

func TestRemoteKeysAndMetadata(t *testing.T) {
	t.Parallel()
	_, srv := newEmulator(t)
	resp, err := http.Get(srv.URL + "/" + tenant + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Issuer        string `json:"issuer"`
		JWKSURI       string `json:"jwks_uri"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if doc.Issuer != srv.URL+"/"+tenant+"/v2.0" || doc.TokenEndpoint != srv.URL+"/"+tenant+"/oauth2/v2.0/token" {
		t.Fatalf("metadata %+v", doc)
	}
	_, body := post(t, doc.TokenEndpoint, url.Values{"grant_type": {"client_credentials"}, "client_id": {client}, "client_secret": {secret}, "scope": {"https://management.core.windows.net//.default"}})
	ver := entra.NewVerifier(entra.NewRemoteKeys(doc.JWKSURI, nil), entra.ManagementResource)
	if _, err := ver.Verify(context.Background(), body["access_token"].(string)); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(srv.URL + "/common/discovery/instance?api-version=1.1&authorization_endpoint=" + url.QueryEscape(srv.URL+"/"+tenant+"/oauth2/v2.0/authorize"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("instance discovery: %v", err)
	}
	resp.Body.Close()
}
