package demo

import (
	"strings"

	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/store"
)

// Sign-in with Microsoft in the demo: serve --demo runs an Entra ID
// emulator whose directory has the demo's people (the same addresses,
// in domains the directory owns, so the id_token vouches for them) and one
// newcomer without an account here, whom the panel refuses.

// The demo directory's tenant and the panel's app registration in it.
const (
	SignInTenantID     = "7b1e4c2d-9a3f-4e5b-8c6d-2f1a0b9e8d7c"
	SignInClientID     = "4d2c6e8a-1b3f-4a5c-9e7d-6c5b4a3f2e1d"
	SignInClientSecret = "demo~Panel.Sign-In_Secret-0001"
	SignInNewcomer     = "newcomer@adatum.example"
)

// SignInDirectory is the demo directory's emulator configuration, the app
// allowed to send its codes to redirectURI.
func SignInDirectory(redirectURI string) entra.Config {
	emails := []string{store.PlatformAdminEmail}
	for _, p := range people {
		emails = append(emails, p.email)
	}
	emails = append(emails, SignInNewcomer)
	t := entra.Tenant{ID: SignInTenantID, Domains: []string{"mercatodemo.onmicrosoft.com"},
		Apps: []entra.App{{ClientID: SignInClientID, Name: "Mercato control panel", Secrets: []string{SignInClientSecret}, RedirectURIs: []string{redirectURI}}}}
	seen := map[string]bool{}
	for _, e := range emails {
		local, domain, _ := strings.Cut(e, "@")
		if !seen[domain] {
			seen[domain] = true
			t.Domains = append(t.Domains, domain)
		}
		t.Users = append(t.Users, entra.User{UPN: e, Name: local + " at " + domain, Email: e})
	}
	return entra.Config{Tenants: []entra.Tenant{t}}
}
