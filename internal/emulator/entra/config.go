// Package entra emulates the Microsoft Entra ID (Azure AD) token service that
// Partner Center and Azure Resource Manager clients use: the v1 and v2.0
// token endpoints (client-credentials and refresh-token grants), RS256 JWT
// access tokens with Microsoft's claims, the signing keys (JWKS) and the
// OpenID metadata documents, and Microsoft's error bodies with AADSTS codes.
//
// Other emulators validate the tokens it issues with a [Verifier]: in-process
// from the [Emulator] itself ([Emulator.Keys]), across processes from its JWKS
// URL ([NewRemoteKeys]):
//
//	em, _ := entra.New(entra.DemoConfig())               // or LoadConfig(path)
//	v := entra.NewVerifier(em.Keys(), entra.ManagementResource)
//	// cross-process: entra.NewVerifier(entra.NewRemoteKeys(base+"/common/discovery/v2.0/keys", client), …)
//	claims, err := v.VerifyRequest(r)                   // *TokenError tells missing/malformed/expired/audience
package entra

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Well-known resources (application ID URIs) and their first-party app ids.
const (
	// PartnerCenterResource is the Partner Center API's resource.
	PartnerCenterResource = "https://api.partnercenter.microsoft.com"
	// PartnerCenterAppID is the Partner Center API's application id.
	PartnerCenterAppID = "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd"
	// ManagementResource is Azure Resource Manager's resource (audience of
	// ARM tokens, trailing slash included).
	ManagementResource = "https://management.core.windows.net/"
	// ManagementAzureResource is the other spelling of ARM's resource, the
	// one the Azure SDKs ask for (scope https://management.azure.com/.default):
	// a token asked for with it has this aud.
	ManagementAzureResource = "https://management.azure.com/"
	// ManagementAppID is Azure Resource Manager's application id.
	ManagementAppID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
)

// Config is what the emulator knows: tenants with their registered apps
// (client id and secrets) and users, the resources it issues tokens for and
// the token lifetime. It is read from JSON by [LoadConfig].
type Config struct {
	Tenants []Tenant `json:"tenants"`
	// Resources adds to (or replaces by URI) the built-in resources:
	// Partner Center, Azure Resource Manager, Microsoft Graph.
	Resources []Resource `json:"resources,omitempty"`
	// TokenLifetime of access tokens; default one hour.
	TokenLifetime Duration `json:"token_lifetime,omitempty"`
	// RefreshTokenLifetime; default 90 days.
	RefreshTokenLifetime Duration `json:"refresh_token_lifetime,omitempty"`
}

// Tenant is a directory: its id (a GUID), the domains that also name it in
// URLs, its apps and users.
type Tenant struct {
	ID      string   `json:"id"`
	Domains []string `json:"domains,omitempty"`
	Apps    []App    `json:"apps,omitempty"`
	Users   []User   `json:"users,omitempty"`
}

// App is an app registration (a confidential client).
type App struct {
	ClientID string   `json:"client_id"`
	Name     string   `json:"name,omitempty"`
	Secrets  []string `json:"secrets"`
	// MultiTenant apps may get tokens in every tenant of the emulator (as a
	// CSP partner's app does in its customers' tenants), not only their own.
	MultiTenant bool `json:"multi_tenant,omitempty"`
	// RedirectURIs are where the authorization endpoint may send its
	// codes (a web app's reply URLs): exactly, except that the port of a
	// loopback http URI is ignored, as Entra does.
	RedirectURIs []string `json:"redirect_uris,omitempty"`
}

// User is a user of a tenant, used by the refresh-token grant (app+user
// tokens, Partner Center's secure application model) and picked on the
// authorization endpoint's page (sign-in).
type User struct {
	UPN      string `json:"upn"`
	Name     string `json:"name,omitempty"`
	ObjectID string `json:"object_id,omitempty"`
	// Email is the user's mail, the id_token's email claim; its domain
	// being one of the tenant's makes xms_edov true.
	Email string `json:"email,omitempty"`
}

// Resource is an API tokens are issued for.
type Resource struct {
	// URI is the application ID URI, also the v1 token's aud.
	URI string `json:"uri"`
	// AppID is the resource app's id (the v2 token's aud).
	AppID string `json:"app_id"`
	// TokenVersion is the access token format the resource accepts, 1
	// (default, as Partner Center and ARM) or 2.
	TokenVersion int `json:"token_version,omitempty"`
	// Aliases also name the resource (another spelling of the URI).
	Aliases []string `json:"aliases,omitempty"`
}

// Duration is a time.Duration read from JSON as "1h" or seconds.
type Duration time.Duration

// UnmarshalJSON reads "90s", "1h" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		*d = Duration(v)
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: want \"1h\" or seconds: %w", err)
	}
	*d = Duration(n * float64(time.Second))
	return nil
}

// MarshalJSON writes the duration as "1h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// LoadConfig reads a JSON configuration file.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("entra config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("entra config %s: %w", path, err)
	}
	return c, nil
}

// DefaultResources are the resources every emulator knows.
func DefaultResources() []Resource {
	return []Resource{
		{URI: PartnerCenterResource, AppID: PartnerCenterAppID, TokenVersion: 1},
		{URI: ManagementResource, AppID: ManagementAppID, TokenVersion: 1,
			Aliases: []string{ManagementAzureResource, "https://management.core.windows.net", "https://management.azure.com"}},
		{URI: "https://graph.microsoft.com", AppID: "00000003-0000-0000-c000-000000000000", TokenVersion: 1,
			Aliases: []string{"https://graph.microsoft.com/"}},
	}
}

// ManagementAudiences are the audiences Azure Resource Manager accepts
// (either spelling of its resource), for NewVerifier.
var ManagementAudiences = []string{ManagementResource, ManagementAzureResource}

// CertificateSubject is the common name of the Entra emulator's TLS
// certificate, distinct from the other emulators'.
const CertificateSubject = "Mercato Entra ID emulator"

// DemoTenantID, DemoClientID and DemoClientSecret name the tenant and app
// [DemoConfig] registers (the CSP partner's own tenant and its app).
const (
	DemoTenantID     = "2f4a9c61-7d3e-4b8a-9e15-6c0d8a3b5f21"
	DemoClientID     = "8c3e2d1b-5a4f-4e6d-9b7c-0a1f2e3d4c5b"
	DemoClientSecret = "demo~Secret.For-The_Entra-Emulator-0001"
)

// DemoConfig is a one-tenant, one-app configuration (the CSP partner's
// tenant and a multi-tenant app) for the demo and quick starts.
func DemoConfig() Config {
	return Config{Tenants: []Tenant{{
		ID:      DemoTenantID,
		Domains: []string{"mercatopartner.onmicrosoft.com"},
		Apps: []App{{
			ClientID: DemoClientID, Name: "Mercato connector",
			Secrets: []string{DemoClientSecret}, MultiTenant: true,
		}},
		Users: []User{{UPN: "admin@mercatopartner.onmicrosoft.com", Name: "Partner Admin"}},
	}}}
}

// stableGUID derives a GUID-shaped id from parts, so that object ids are the
// same on every run.
func stableGUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
