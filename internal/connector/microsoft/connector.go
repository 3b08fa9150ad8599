// Package microsoft is the Microsoft CSP connector: a stateless service that
// receives the marketplace's signed webhooks for its Microsoft products
// (types microsoft_csp and azure_plan) and turns them into Partner Center
// calls, answering through the marketplace's API exactly as a third-party
// vendor does.
//
//   - PENDING (paid, or a trial): create the Partner Center customer if the
//     buyer has none (domain from the "domain" configuration parameter,
//     checked for availability), order (new commerce: availability → cart →
//     checkout; legacy: an order with the offer id), record the Partner
//     Center ids in the subscription's metadata, post the launch URL,
//     instructions and the new tenant's admin credentials, report DEPLOYED.
//     An Azure plan also reads its Azure subscription (entitlement) and,
//     when the buyer asks, grants its administrator a role on it through
//     Azure Resource Manager (access.go).
//   - DEPLOYED: seats follow the marketplace's quantity; a suspended
//     Partner Center subscription is resumed. STOPPED suspends it.
//   - UNDEPLOY_SENT: cancel (new commerce) or suspend then delete (legacy),
//     then report UNDEPLOYED.
//
// Failures that will not heal (a refused domain, an offer that is not
// purchasable) report FAILED with instructions saying why; transient ones
// answer the webhook with an error, so the marketplace delivers it again.
// Its state lives in the marketplace (subscription metadata); orders are
// placed with MS-RequestIds derived from the marketplace subscription, so a
// delivery repeated after a crash does not order twice.
package microsoft

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/connector/marketplace"
	"github.com/mercato-market/mercato/internal/partnercenter"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// Metadata keys: on the product (set by the operator) and on the
// subscription (kept by the connector).
const (
	MetaProductID    = "partner_center.product_id" // product: e.g. CFQ7TTC0LH18
	MetaSkuID        = "partner_center.sku_id"     // product: e.g. 0001
	MetaCommerce     = "partner_center.commerce"   // product: "new" (default) or "legacy"
	MetaOfferID      = "partner_center.offer_id"   // product (legacy): the offer id
	MetaCountry      = "partner_center.country"    // product: catalog country (default: the buyer's, else US)
	MetaTerm         = "partner_center.term_duration"
	MetaBillingCycle = "partner_center.billing_cycle"

	MetaCustomerID     = "partner_center.customer_id"     // subscription
	MetaSubscriptionID = "partner_center.subscription_id" // subscription
	MetaOrderID        = "partner_center.order_id"        // subscription
	MetaDomain         = "partner_center.domain"          // subscription
	MetaAzureSubID     = "azure.subscription_id"          // subscription (Azure plan)
	MetaUsageThrough   = "azure.usage_imported_through"   // subscription (Azure plan): last imported day
)

// Product types the connector serves.
const (
	TypeCSP       = "microsoft_csp"
	TypeAzurePlan = "azure_plan"
)

// Config configures a [Connector].
type Config struct {
	// API is the marketplace's base URL (http://host:port), Token the
	// vendor's API token there.
	API, Token string
	// Secrets verify the webhooks (the endpoint's whsec_ secrets).
	Secrets []string
	// PartnerCenter is the Partner Center client.
	PartnerCenter *partnercenter.Client
	// Azure, when set, is where Azure Resource Manager and Entra ID are and
	// the partner app that signs in there (ClientID, ClientSecret;
	// CACertPEM for emulators), to grant customers access to their Azure
	// plans. TenantID is left empty: tokens are requested in each
	// customer's tenant. Without it a request for access is only noted in
	// the instructions.
	Azure *azure.Endpoints
	// AzureRetry tunes the Azure SDK's retries (zero: the SDK's defaults).
	AzureRetry policy.RetryOptions
	HTTPClient *http.Client
	Log        *slog.Logger
	// Now is the clock and Sleep the wait between two reads of an order
	// being provisioned (defaults: time.Now and a timer).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// PollMin and PollMax bound the wait between two reads of a pending
	// order (default 2 s and 30 s); ProvisioningTimeout is how long one
	// delivery of the webhook waits for it (default 5 min).
	PollMin, PollMax, ProvisioningTimeout time.Duration
	// Deployed, when set, is called after a subscription reached a final
	// state of a step (tests wait on it): its id and the status reported.
	Reported func(subscriptionID int64, status string)
}

// Connector is the Microsoft connector.
type Connector struct {
	cfg Config
	m   *market
	pc  *partnercenter.Client
	arm *armAccess
	log *slog.Logger

	mu      sync.Mutex
	secrets []string
	locks   map[int64]*sync.Mutex
}

// New returns a connector.
func New(cfg Config) (*Connector, error) {
	if cfg.API == "" || cfg.Token == "" || cfg.PartnerCenter == nil || len(cfg.Secrets) == 0 {
		return nil, errors.New("microsoft connector: API, token, webhook secret and Partner Center client are required")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = partnercenter.Sleep
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = 2 * time.Second
	}
	if cfg.PollMax <= 0 {
		cfg.PollMax = 30 * time.Second
	}
	if cfg.ProvisioningTimeout <= 0 {
		cfg.ProvisioningTimeout = 5 * time.Minute
	}
	arm, err := newARMAccess(cfg.Azure, cfg.AzureRetry)
	if err != nil {
		return nil, err
	}
	return &Connector{cfg: cfg, m: &market{marketplace.Client{Base: strings.TrimSuffix(strings.TrimSuffix(cfg.API, "/"), "/api"), Token: cfg.Token, HTTP: hc}},
		pc: cfg.PartnerCenter, arm: arm, log: log, secrets: cfg.Secrets, locks: map[int64]*sync.Mutex{}}, nil
}

// SetSecrets replaces the webhook secrets (after a rotation).
func (c *Connector) SetSecrets(secrets ...string) {
	c.mu.Lock()
	c.secrets = append([]string(nil), secrets...)
	c.mu.Unlock()
}

// Handler is the webhook endpoint: a delivery with a bad signature is
// refused (401) and changes nothing.
func (c *Connector) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		v := &webhook.Verifier{Secrets: append([]string(nil), c.secrets...)}
		c.mu.Unlock()
		webhook.Handler(v, c.Handle).ServeHTTP(w, r)
	})
}

// permanent marks a failure that will not heal: the subscription is
// reported FAILED with Reason, written for the customer.
type permanent struct {
	Reason string
	Err    error
}

func (p *permanent) Error() string { return p.Reason + ": " + fmt.Sprint(p.Err) }
func (p *permanent) Unwrap() error { return p.Err }

// Handle reacts to one notification. A returned error makes the webhook
// answer 500, so the marketplace delivers it again later.
func (c *Connector) Handle(ctx context.Context, n webhook.Notification) error {
	if n.Entity != webhook.EntitySubscription || n.ID == 0 {
		return nil
	}
	sub, err := c.m.subscription(ctx, n.ID)
	if err != nil {
		if marketplace.IsStatus(err, http.StatusNotFound) {
			return nil // not ours (or gone)
		}
		return err
	}
	// One buyer's subscriptions are handled one at a time in this process,
	// so that two first orders do not create two Partner Center customers.
	lock := c.lockFor(sub.CustomerID)
	lock.Lock()
	defer lock.Unlock()
	if sub, err = c.m.subscription(ctx, n.ID); err != nil {
		return err
	}
	prod, err := c.m.product(ctx, sub.ProductID)
	if err != nil {
		return err
	}
	if prod.Type != TypeCSP && prod.Type != TypeAzurePlan {
		return nil
	}
	md, err := c.m.metadata(ctx, sub.ID)
	if err != nil {
		return err
	}
	switch sub.DeploymentStatus {
	case "PENDING":
		if !sub.Paid && sub.Type != "TRIAL" {
			return nil
		}
		err = c.provision(ctx, sub, prod, md)
	case "DEPLOYED":
		err = c.reconcile(ctx, sub, md, "active")
	case "STOPPED":
		err = c.reconcile(ctx, sub, md, "suspended")
	case "UNDEPLOY_SENT":
		err = c.deprovision(ctx, sub, md)
	default:
		return nil
	}
	var perm *permanent
	if errors.As(err, &perm) {
		c.log.WarnContext(ctx, "microsoft connector: subscription failed", "subscription", sub.ID, "reason", perm.Reason, "err", perm.Err)
		return c.fail(ctx, sub.ID, perm.Reason)
	}
	if err != nil {
		c.log.WarnContext(ctx, "microsoft connector: will retry", "subscription", sub.ID, "status", sub.DeploymentStatus, "err", err)
	}
	return err
}

func (c *Connector) lockFor(id int64) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		c.locks[id] = l
	}
	return l
}

func (c *Connector) report(ctx context.Context, id int64, status string) error {
	if err := c.m.setStatus(ctx, id, status); err != nil {
		return err
	}
	c.log.InfoContext(ctx, "microsoft connector: reported", "subscription", id, "status", status)
	if c.cfg.Reported != nil {
		c.cfg.Reported(id, status)
	}
	return nil
}

// fail reports FAILED with the reason as the end-user instructions.
func (c *Connector) fail(ctx context.Context, id int64, reason string) error {
	if err := c.m.Do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/instructions", id),
		map[string]any{"instructions": map[string]string{"en": reason}}, nil); err != nil {
		return err
	}
	return c.report(ctx, id, "FAILED")
}

// classify turns a Partner Center refusal of the request itself into a
// permanent failure with reason; throttling, 5xx and network errors stay
// transient.
func classify(err error, reason string) error {
	if err == nil {
		return nil
	}
	var pe *partnercenter.Error
	if errors.As(err, &pe) && !pe.Temporary() && pe.Status != http.StatusUnauthorized {
		return &permanent{Reason: reason + " Microsoft said: " + pe.Description, Err: err}
	}
	var ae *partnercenter.AuthError
	if errors.As(err, &ae) {
		return err // the operator's credentials: retried until fixed
	}
	return err
}

func configString(sub mSubscription, key string) string {
	if v, ok := sub.Configuration[key]; ok {
		if s, ok := v.(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func configBool(sub mSubscription, key string) bool {
	switch v := sub.Configuration[key].(type) {
	case bool:
		return v
	case string:
		return v == "true" || v == "yes" || v == "1"
	}
	return false
}
