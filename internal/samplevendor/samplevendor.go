// Package samplevendor is a small syndicated SaaS, written the way a vendor
// writes one against Cloudesire's protocol: it verifies each webhook with
// pkg/webhook, reads the subscription from the Cloudesire-compatible API
// (/api/, CMW-Auth-Token), provisions a tenant when the subscription is
// PENDING and paid (or a trial), posts its APP endpoint, instructions and
// credentials, and reports DEPLOYED; it suspends on STOPPED, resumes on
// DEPLOYED, and deprovisions on UNDEPLOY_SENT, reporting UNDEPLOYED.
//
// `mercato vendor-demo` runs it on its own; `mercato serve --demo` runs it
// in-process and registers it, so a demo order reaches DEPLOYED by itself.
package samplevendor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// Vendor is the sample SaaS.
type Vendor struct {
	// API is the marketplace's Cloudesire-compatible base, ending in /api/.
	API string
	// Token authenticates the vendor (CMW-Auth-Token).
	Token string
	// AppDomain is where tenants live: https://<tenant>.<AppDomain>/.
	AppDomain string
	Log       *slog.Logger
	Client    *http.Client
	// Deployed, when set, is called after a subscription is reported
	// DEPLOYED (tests and benchmarks wait on it).
	Deployed func(subscriptionID int64)

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

// New returns a vendor that trusts webhooks signed with secret.
func New(api, token, secret string, log *slog.Logger) *Vendor {
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	return &Vendor{API: api, Token: token, AppDomain: "crm.contoso.example", Log: log, Client: &http.Client{Timeout: 10 * time.Second},
		secrets: []string{secret}, tenants: map[int64]*Tenant{}}
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

// subscription is what the vendor reads of a subscription.
type subscription struct {
	ID                      int64             `json:"id"`
	DeploymentStatus        string            `json:"deploymentStatus"`
	Paid                    bool              `json:"paid"`
	Type                    string            `json:"type"`
	ConfigurationParameters map[string]string `json:"configurationParameters"`
}

// handle reacts to one notification. An error makes the handler answer
// 500, so the marketplace sends the notification again later.
func (v *Vendor) handle(ctx context.Context, n webhook.Notification) error {
	if n.Entity != webhook.EntitySubscription || n.ID == 0 {
		return nil // a test event, or an entity this app does not care about
	}
	var sub subscription
	if err := v.call(ctx, http.MethodGet, fmt.Sprintf("subscription/%d", n.ID), nil, &sub); err != nil {
		return err
	}
	switch sub.DeploymentStatus {
	case "PENDING":
		if !sub.Paid && sub.Type != "TRIAL" {
			return nil // not cleared for provisioning yet
		}
		return v.provision(ctx, sub)
	case "STOPPED":
		v.setActive(sub.ID, false)
	case "DEPLOYED":
		v.setActive(sub.ID, true)
	case "UNDEPLOY_SENT":
		v.mu.Lock()
		delete(v.tenants, sub.ID)
		v.mu.Unlock()
		v.Log.Info("sample vendor: tenant removed", "subscription", sub.ID)
		return v.call(ctx, http.MethodPatch, fmt.Sprintf("subscription/%d", sub.ID), map[string]string{"deploymentStatus": "UNDEPLOYED"}, nil)
	}
	return nil
}

func (v *Vendor) setActive(id int64, active bool) {
	v.mu.Lock()
	if t := v.tenants[id]; t != nil {
		t.Active = active
	}
	v.mu.Unlock()
}

// provision creates the tenant and tells the marketplace how to reach it.
func (v *Vendor) provision(ctx context.Context, sub subscription) error {
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
	steps := []struct {
		path string
		body any
	}{
		{"endpoints", []map[string]string{
			{"endpoint": url, "description": "Your CRM", "category": "APP"},
			{"endpoint": url + "reset-password", "description": "Reset your password", "category": "PASSWORD_RESET"},
		}},
		{"instructions", map[string]string{
			"en": fmt.Sprintf("Sign in at %s as admin with the password shown under credentials.", url),
			"it": fmt.Sprintf("Accedi a %s come admin con la password indicata nelle credenziali.", url),
		}},
		{"credentials", []map[string]any{
			{"key": "admin_password", "value": randomPassword(), "description": map[string]string{"en": "Password of the admin user"}, "weight": 1},
		}},
	}
	for _, s := range steps {
		if err := v.call(ctx, http.MethodPost, fmt.Sprintf("subscription/%d/%s", sub.ID, s.path), s.body, nil); err != nil {
			return err
		}
	}
	if err := v.call(ctx, http.MethodPatch, fmt.Sprintf("subscription/%d", sub.ID), map[string]string{"deploymentStatus": "DEPLOYED"}, nil); err != nil {
		return err
	}
	v.Log.Info("sample vendor: tenant provisioned", "subscription", sub.ID, "url", url)
	if v.Deployed != nil {
		v.Deployed(sub.ID)
	}
	return nil
}

// tenantName is the subdomain the buyer chose, or one made from the id.
func tenantName(sub subscription) string {
	for k, val := range sub.ConfigurationParameters {
		if strings.HasSuffix(k, "subdomain") && val != "" {
			return val
		}
	}
	return fmt.Sprintf("tenant-%d", sub.ID)
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// call sends one request to the Cloudesire-compatible API.
func (v *Vendor) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, v.API+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("CMW-Auth-Token", v.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := v.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}
