// Package samplevendor is a small syndicated SaaS, written the way a vendor
// writes one against Cloudesire's protocol: it verifies each webhook with
// pkg/webhook, reads the subscription from the Cloudesire-compatible API
// (/api/, CMW-Auth-Token) with pkg/webhook/vendorapi, provisions a tenant when the subscription is
// PENDING and paid (or a trial), posts its APP endpoint, instructions and
// credentials, and reports DEPLOYED; it suspends on STOPPED, resumes on
// DEPLOYED, and deprovisions on UNDEPLOY_SENT, reporting UNDEPLOYED, or,
// written as Cloudesire's own templates are (OnDeleted), ignores
// UNDEPLOY_SENT and deprovisions when DELETED arrives, answering 2xx
// without reporting anything.
//
// `mercato vendor-demo` runs it on its own; `mercato serve --demo` runs it
// in-process and registers it, so a demo order reaches DEPLOYED by itself.
package samplevendor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
	"github.com/mercato-market/mercato/pkg/webhook/vendorapi"
)

// Vendor is the sample SaaS.
type Vendor struct {
	// AppDomain is where tenants live: https://<tenant>.<AppDomain>/.
	AppDomain string
	Log       *slog.Logger
	// Deployed, when set, is called after a subscription is reported
	// DEPLOYED (tests and benchmarks wait on it).
	Deployed func(subscriptionID int64)
	// OnDeleted makes it deprovision on DELETED instead of on
	// UNDEPLOY_SENT, as Cloudesire's Go, Python, Rust and Java templates
	// do: it ignores UNDEPLOY_SENT and reports nothing.
	OnDeleted bool

	api    *vendorapi.Client
	apiErr error // a base URL the client refused: every notification fails with it

	mu      sync.Mutex
	secrets []string
	tenants map[int64]*Tenant
}

// Tenant is one customer's instance of the app.
type Tenant struct {
	SubscriptionID int64
	Name           string
	Active         bool
}

// New returns a vendor of the marketplace's Cloudesire-compatible API at
// api (ending in /api/) that authenticates with token and trusts webhooks
// signed with secret.
func New(api, token, secret string, log *slog.Logger) *Vendor {
	v := &Vendor{AppDomain: "crm.contoso.example", Log: log, secrets: []string{secret}, tenants: map[int64]*Tenant{}}
	v.api, v.apiErr = vendorapi.New(api, vendorapi.Credentials{Token: token}, vendorapi.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
	if v.apiErr != nil {
		log.Error("sample vendor: no API client", "err", v.apiErr)
	}
	return v
}

// SetSecret changes the secret webhooks are verified with.
func (v *Vendor) SetSecret(secret string) {
	v.mu.Lock()
	v.secrets = []string{secret}
	v.mu.Unlock()
}

// Tenants returns a copy of the provisioned tenants.
func (v *Vendor) Tenants() map[int64]Tenant {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[int64]Tenant{}
	for id, t := range v.tenants {
		out[id] = *t
	}
	return out
}

// Handler is the webhook endpoint.
func (v *Vendor) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		verifier := &webhook.Verifier{Secrets: append([]string(nil), v.secrets...)}
		v.mu.Unlock()
		webhook.Handler(verifier, v.handle).ServeHTTP(w, r)
	})
}

// handle reacts to one notification. An error makes the handler answer
// 500, so the marketplace sends the notification again later.
func (v *Vendor) handle(ctx context.Context, n webhook.Notification) error {
	if n.Entity != webhook.EntitySubscription || n.ID == 0 {
		return nil // a test event, or an entity this app does not care about
	}
	if v.OnDeleted && n.Type == webhook.TypeDeleted {
		v.remove(n.ID)
		return nil
	}
	if v.apiErr != nil {
		return v.apiErr
	}
	sub, err := v.api.Subscription(ctx, n.ID)
	if err != nil {
		return fmt.Errorf("sample vendor: %w", err)
	}
	switch sub.DeploymentStatus {
	case vendorapi.StatusPending:
		if !sub.ReadyToProvision() {
			return nil // not cleared for provisioning yet
		}
		return v.provision(ctx, sub)
	case vendorapi.StatusStopped:
		v.setActive(sub.ID, false)
	case vendorapi.StatusDeployed:
		v.setActive(sub.ID, true)
	case vendorapi.StatusUndeploySent:
		if v.OnDeleted {
			return nil // it waits for DELETED
		}
		v.remove(sub.ID)
		if _, err := v.api.SetDeploymentStatus(ctx, sub.ID, vendorapi.StatusUndeployed); err != nil {
			return fmt.Errorf("sample vendor: %w", err)
		}
	}
	return nil
}

// remove deprovisions a subscription's tenant.
func (v *Vendor) remove(id int64) {
	v.mu.Lock()
	delete(v.tenants, id)
	v.mu.Unlock()
	v.Log.Info("sample vendor: tenant removed", "subscription", id)
}

func (v *Vendor) setActive(id int64, active bool) {
	v.mu.Lock()
	if t := v.tenants[id]; t != nil {
		t.Active = active
	}
	v.mu.Unlock()
}

// provision creates the tenant and tells the marketplace how to reach it.
func (v *Vendor) provision(ctx context.Context, sub vendorapi.Subscription) error {
	name := tenantName(sub)
	// Idempotent, as a vendor must be: a notification sent again (the
	// marketplace delivers at least once) finds the tenant and finishes the
	// same provisioning instead of creating a second one.
	v.mu.Lock()
	if _, exists := v.tenants[sub.ID]; !exists {
		v.tenants[sub.ID] = &Tenant{SubscriptionID: sub.ID, Name: name, Active: true}
		v.Log.Info("sample vendor: tenant created", "subscription", sub.ID, "name", name)
	}
	v.mu.Unlock()
	url := fmt.Sprintf("https://%s.%s/", name, v.AppDomain)
	if _, err := v.api.SetEndpoints(ctx, sub.ID, []vendorapi.Endpoint{
		{Endpoint: url, Description: "Your CRM", Category: vendorapi.CategoryApp},
		{Endpoint: url + "reset-password", Description: "Reset your password", Category: vendorapi.CategoryPasswordReset},
	}); err != nil {
		return fmt.Errorf("sample vendor: %w", err)
	}
	if _, err := v.api.SetInstructions(ctx, sub.ID, map[string]string{
		"en": fmt.Sprintf("Sign in at %s as admin with the password shown under credentials.", url),
		"it": fmt.Sprintf("Accedi a %s come admin con la password indicata nelle credenziali.", url),
	}); err != nil {
		return fmt.Errorf("sample vendor: %w", err)
	}
	if _, err := v.api.AddCredentials(ctx, sub.ID, []vendorapi.Credential{
		{Key: "admin_password", Value: randomPassword(), Description: map[string]string{"en": "Password of the admin user"}, Weight: 1},
	}); err != nil {
		return fmt.Errorf("sample vendor: %w", err)
	}
	if _, err := v.api.SetDeploymentStatus(ctx, sub.ID, vendorapi.StatusDeployed); err != nil {
		return fmt.Errorf("sample vendor: %w", err)
	}
	v.Log.Info("sample vendor: tenant provisioned", "subscription", sub.ID, "url", url)
	if v.Deployed != nil {
		v.Deployed(sub.ID)
	}
	return nil
}

// tenantName is the subdomain the buyer chose, or one made from the id.
func tenantName(sub vendorapi.Subscription) string {
	for _, c := range sub.ConfigurationParameters {
		if strings.HasSuffix(c.Code, "subdomain") && c.Value != "" {
			return c.Value
		}
	}
	return fmt.Sprintf("tenant-%d", sub.ID)
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
