// Package azure is Mercato's Azure connector: a stateless service that
// deploys what a customer bought (an ARM-template solution or an Azure
// Marketplace VM) into Azure through Azure Resource Manager, with the Azure
// SDK for Go, and tears it down when the subscription ends.
//
// It drives the same flow as any syndicated vendor: a signed webhook says
// a subscription changed, the connector reads it from the marketplace's API
// and acts on its status. PENDING (paid, or a trial): validate the template
// and the buyer's values with the project's engine (bad values fail at once,
// nothing deployed), accept the Marketplace terms the template needs,
// create the resource group rg-<prefix>, deploy as mercato-<subscription id>,
// wait for the long-running operation, post the launch URL and report
// DEPLOYED. UNDEPLOY_SENT: delete the group, wait, report UNDEPLOYED. A
// failed deployment is reported FAILED with Azure's message, and its
// half-made group is removed.
//
// The connector keeps nothing: the deployment's name is derived from the
// subscription, so a restarted connector finds a deployment in flight in
// Azure and waits for it instead of deploying again, and Run sweeps the
// marketplace for subscriptions left PENDING or UNDEPLOY_SENT.
package azure

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armdeployments"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/connector/marketplace"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TagSubscription tags a resource group with the marketplace subscription
// that owns it; a prefix whose group another subscription owns is taken.
const TagSubscription = "mercato-subscription"

// Config configures a Connector.
type Config struct {
	// MarketplaceURL is the marketplace's base URL (http(s)://host:port).
	MarketplaceURL string
	// Token is the API token the connector acts with (the vendor of the
	// Azure products, or the platform).
	Token string
	// HTTPClient calls the marketplace; default a client with a timeout.
	HTTPClient *http.Client
	// WebhookSecrets verify the marketplace's webhooks (whsec_…).
	WebhookSecrets []string

	// SubscriptionID is the Azure subscription deployed into.
	SubscriptionID string
	// Credential gets ARM tokens (azidentity in production and against the
	// Entra emulator).
	Credential azcore.TokenCredential
	// ARM points the SDK at management.azure.com (zero value) or at an
	// emulator (Cloud and Transport).
	ARM arm.ClientOptions
	// Location is the default region; default "westeurope".
	Location string
	// PollFrequency is how often a deployment is polled when Azure gives
	// no Retry-After; default 5s.
	PollFrequency time.Duration
	// Sweep is how often Run looks for work the webhooks did not bring
	// (after a restart, say); default 1 minute.
	Sweep time.Duration
	// Workers bounds how many subscriptions the connector works on at once
	// (default 8); the rest wait in a queue, so a sweep that finds
	// thousands starts no more goroutines or connections than this.
	Workers int
	Log     *slog.Logger
	// OnDone, when set, is called after a subscription reaches a status
	// the connector reported (DEPLOYED, FAILED, UNDEPLOYED): tests wait on
	// it.
	OnDone func(subscriptionID int64, status string)
}

// Connector deploys Azure products.
type Connector struct {
	cfg        Config
	log        *slog.Logger
	market     *market
	groups     *armresources.ResourceGroupsClient
	resources  *armresources.Client
	deployer   *armdeployments.DeploymentsClient
	operations *armdeployments.DeploymentOperationsClient
	generic    *arm.Client

	mu       sync.Mutex
	inflight map[int64]bool // queued or being worked on
	queue    []int64        // waiting for a worker, in arrival order
	active   int            // workers running
	base     context.Context
	wg       sync.WaitGroup
}

// New returns a connector; it calls nothing yet.
func New(cfg Config) (*Connector, error) {
	if cfg.MarketplaceURL == "" || cfg.Token == "" || cfg.SubscriptionID == "" || cfg.Credential == nil {
		return nil, errors.New("azure connector: marketplace URL, token, Azure subscription and credential are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Location == "" {
		cfg.Location = "westeurope"
	}
	if cfg.PollFrequency <= 0 {
		cfg.PollFrequency = 5 * time.Second
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	opts := cfg.ARM
	c := &Connector{cfg: cfg, log: cfg.Log, inflight: map[int64]bool{}, base: context.Background(),
		market: &market{marketplace.Client{Base: strings.TrimSuffix(cfg.MarketplaceURL, "/"), Token: cfg.Token, HTTP: cfg.HTTPClient}}}
	rf, err := armresources.NewClientFactory(cfg.SubscriptionID, cfg.Credential, &opts)
	if err != nil {
		return nil, fmt.Errorf("azure connector: %w", err)
	}
	c.groups, c.resources = rf.NewResourceGroupsClient(), rf.NewClient()
	df, err := armdeployments.NewClientFactory(cfg.SubscriptionID, cfg.Credential, &opts)
	if err != nil {
		return nil, fmt.Errorf("azure connector: %w", err)
	}
	c.deployer, c.operations = df.NewDeploymentsClient(), df.NewDeploymentOperationsClient()
	if c.generic, err = arm.NewClient("mercato.azure.connector", "v1.0.0", cfg.Credential, &opts); err != nil {
		return nil, fmt.Errorf("azure connector: %w", err)
	}
	return c, nil
}

// Handler is the connector's webhook endpoint: it verifies the signature,
// answers at once and works on the subscription in the background.
func (c *Connector) Handler() http.Handler {
	v := &webhook.Verifier{Secrets: c.cfg.WebhookSecrets}
	return webhook.Handler(v, func(ctx context.Context, n webhook.Notification) error {
		if n.Entity == webhook.EntitySubscription && n.ID != 0 {
			c.kick(n.ID)
		}
		if n.Entity == webhook.EntityProductVersion && n.ID != 0 && n.Type != webhook.TypeDeleted {
			c.fetchTermsOfPlan(n.ID) // a plan set up: the product's terms from Azure
		}
		return nil
	})
}

// Run sweeps the marketplace for subscriptions that wait for the connector
// (at once, then every Sweep), and works on webhooks' subscriptions, until
// ctx ends; then it waits for the work in flight to stop.
func (c *Connector) Run(ctx context.Context) error {
	c.mu.Lock()
	c.base = ctx
	c.mu.Unlock()
	defer c.wg.Wait()
	t := time.NewTicker(c.cfg.Sweep)
	defer t.Stop()
	for {
		for _, status := range []string{"PENDING", "UNDEPLOY_SENT"} {
			err := c.market.subscriptionIDs(ctx, status, func(ids []int64) {
				for _, id := range ids {
					c.kick(id)
				}
			})
			if err != nil && ctx.Err() == nil {
				c.log.WarnContext(ctx, "azure connector: sweep failed", "status", status, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// kick queues a subscription for the workers, once at a time: a
// subscription already queued or being worked on is not queued again. At
// most Workers goroutines run; one starts when work arrives and fewer run.
func (c *Connector) kick(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight[id] || c.base.Err() != nil {
		return
	}
	c.inflight[id] = true
	c.queue = append(c.queue, id)
	if c.active < c.cfg.Workers {
		c.active++
		c.wg.Go(c.work)
	}
}

// work reconciles queued subscriptions until the queue is empty.
func (c *Connector) work() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.base.Err() != nil {
			for _, id := range c.queue {
				delete(c.inflight, id)
			}
			c.queue = c.queue[:0]
			c.active--
			c.mu.Unlock()
			return
		}
		id, ctx := c.queue[0], c.base
		c.queue = c.queue[1:]
		c.mu.Unlock()
		if err := c.Reconcile(ctx, id); err != nil && ctx.Err() == nil {
			c.log.ErrorContext(ctx, "azure connector: subscription not handled; the next sweep retries", "subscription", id, "err", err)
		}
		c.mu.Lock()
		delete(c.inflight, id)
		c.mu.Unlock()
	}
}

// Reconcile brings one subscription's Azure side to what its status asks.
func (c *Connector) Reconcile(ctx context.Context, id int64) error {
	sub, err := c.market.subscription(ctx, id)
	if err != nil {
		return err
	}
	p, err := c.market.product(ctx, sub.ProductID)
	if err != nil {
		return err
	}
	if p.Type != "arm_template" && p.Type != "azure_marketplace_vm" {
		return nil
	}
	switch {
	case sub.DeploymentStatus == "PENDING" && (sub.Paid || sub.Type == "TRIAL"):
		return c.provision(ctx, sub, p)
	case sub.DeploymentStatus == "UNDEPLOY_SENT":
		return c.teardown(ctx, sub)
	}
	return nil
}

func (c *Connector) done(id int64, status string) {
	if c.cfg.OnDone != nil {
		c.cfg.OnDone(id, status)
	}
}

// provision deploys a subscription, or waits for its deployment in flight.
func (c *Connector) provision(ctx context.Context, sub subscription, p product) error {
	s, err := c.buildSpec(sub, p, newPassword)
	if err != nil {
		return c.fail(ctx, sub.ID, nil, err)
	}
	log := c.log.With("subscription", sub.ID, "resource_group", s.group, "deployment", s.deployment)
	// Resume: a deployment of this subscription already exists in Azure.
	if existing, err := c.deployer.Get(ctx, s.group, s.deployment, nil); err == nil {
		log.InfoContext(ctx, "azure connector: resuming deployment", "state", deref(existing.Properties.ProvisioningState))
		return c.await(ctx, sub, s, existing.DeploymentExtended)
	} else if !isNotFound(err) {
		return fmt.Errorf("get deployment: %w", err)
	}
	// The engine first: bad values fail fast, before anything is made. An
	// expression it cannot evaluate offline (it reads what exists in Azure,
	// say) is left to the deployment: Azure decides, not the connector.
	res, err := engine.Evaluate(s.tpl, s.params, engine.Deployment{SubscriptionID: c.cfg.SubscriptionID, ResourceGroup: s.group,
		Location: s.location, DeploymentName: s.deployment})
	var invalid *engine.ValidationError
	if errors.As(err, &invalid) {
		return c.fail(ctx, sub.ID, nil, badSpec("the deployment's parameters are invalid: %v", err))
	} else if err != nil {
		log.WarnContext(ctx, "azure connector: template not evaluated offline, deferred to the deployment", "error", err)
	}
	// The prefix must be free: its group belongs to this subscription or
	// to nobody.
	if g, err := c.groups.Get(ctx, s.group, nil); err == nil {
		if owner := g.Tags[TagSubscription]; owner == nil || *owner != strconv.FormatInt(sub.ID, 10) {
			return c.fail(ctx, sub.ID, nil, badSpec("the resource name prefix %q is taken: resource group %s already exists", s.prefix, s.group))
		}
	} else if !isNotFound(err) {
		return fmt.Errorf("get resource group: %w", err)
	}
	if err := c.acceptTerms(ctx, sub, res, s.acceptTerms); err != nil {
		return err
	}
	if _, err := c.groups.CreateOrUpdate(ctx, s.group, armresources.ResourceGroup{Location: to.Ptr(s.location),
		Tags: map[string]*string{TagSubscription: to.Ptr(strconv.FormatInt(sub.ID, 10)), "mercato-product": to.Ptr(strconv.FormatInt(p.ID, 10))}}, nil); err != nil {
		return fmt.Errorf("create resource group: %w", err)
	}
	if s.password != "" {
		if err := c.market.addCredential(ctx, sub.ID, "admin_password", s.password, "Password of the VM administrator "+s.prefix+"admin"); err != nil {
			return err
		}
	}
	params := map[string]*armdeployments.DeploymentParameter{}
	for k, v := range s.params {
		params[k] = &armdeployments.DeploymentParameter{Value: v}
	}
	var template any = s.template
	poller, err := c.deployer.BeginCreateOrUpdate(ctx, s.group, s.deployment, armdeployments.Deployment{Properties: &armdeployments.DeploymentProperties{
		Mode: to.Ptr(armdeployments.DeploymentModeIncremental), Template: template, Parameters: params}}, nil)
	if err != nil {
		// Refused before it started (preflight): nothing runs in Azure.
		return c.fail(ctx, sub.ID, &s.group, err)
	}
	log.InfoContext(ctx, "azure connector: deployment started")
	out, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: c.cfg.PollFrequency})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // stopping: the next connector resumes
		}
		return c.fail(ctx, sub.ID, &s.group, err)
	}
	return c.deployed(ctx, sub, s, out.DeploymentExtended)
}

// await waits for a deployment found in Azure to end, by reading it.
func (c *Connector) await(ctx context.Context, sub subscription, s *spec, d armdeployments.DeploymentExtended) error {
	for {
		state := armdeployments.ProvisioningStateNotSpecified
		if d.Properties != nil && d.Properties.ProvisioningState != nil {
			state = *d.Properties.ProvisioningState
		}
		switch state {
		case armdeployments.ProvisioningStateSucceeded:
			return c.deployed(ctx, sub, s, d)
		case armdeployments.ProvisioningStateFailed, armdeployments.ProvisioningStateCanceled:
			msg := "the deployment was " + strings.ToLower(string(state))
			if d.Properties.Error != nil {
				msg = errorText(d.Properties.Error)
			}
			return c.fail(ctx, sub.ID, &s.group, errors.New(msg))
		}
		t := time.NewTimer(c.cfg.PollFrequency)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		got, err := c.deployer.Get(ctx, s.group, s.deployment, nil)
		if err != nil {
			return fmt.Errorf("get deployment: %w", err)
		}
		d = got.DeploymentExtended
	}
}

// deployed posts the launch URL and reports DEPLOYED.
func (c *Connector) deployed(ctx context.Context, sub subscription, s *spec, d armdeployments.DeploymentExtended) error {
	url := fmt.Sprintf("https://%s.%s.cloudapp.azure.com", s.prefix, s.location)
	if s.launchOutput != "" && d.Properties != nil {
		if o, ok := d.Properties.Outputs.(map[string]any); ok {
			for name, v := range o {
				if !strings.EqualFold(name, s.launchOutput) {
					continue
				}
				if m, ok := v.(map[string]any); ok {
					if text, ok := m["value"].(string); ok && text != "" {
						url = text
						if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
							url = "https://" + url
						}
					}
				}
			}
		}
	}
	if err := c.market.setEndpoint(ctx, sub.ID, url, "Your deployment"); err != nil {
		return err
	}
	text := fmt.Sprintf("Deployed to Azure resource group %s in %s. Open %s.", s.group, s.location, url)
	if s.password != "" {
		text += fmt.Sprintf(" Sign in as %sadmin with the password shown under credentials.", s.prefix)
	}
	if err := c.market.setInstructions(ctx, sub.ID, text); err != nil {
		return err
	}
	if err := c.market.setStatus(ctx, sub.ID, "DEPLOYED"); err != nil {
		return err
	}
	c.log.InfoContext(ctx, "azure connector: deployed", "subscription", sub.ID, "url", url)
	c.done(sub.ID, "DEPLOYED")
	return nil
}

// fail removes the half-made group (when one may exist), tells the
// customer why, and reports FAILED.
func (c *Connector) fail(ctx context.Context, id int64, group *string, cause error) error {
	msg := errorMessage(cause)
	c.log.WarnContext(ctx, "azure connector: deployment failed", "subscription", id, "reason", msg)
	if group != nil {
		if err := c.deleteGroup(ctx, *group); err != nil {
			return fmt.Errorf("remove half-made resource group: %w", err)
		}
	}
	if err := c.market.setInstructions(ctx, id, "The deployment to Azure failed: "+msg); err != nil {
		return err
	}
	if err := c.market.setStatus(ctx, id, "FAILED"); err != nil {
		return err
	}
	c.done(id, "FAILED")
	return nil
}

// teardown deletes the subscription's resource group and reports
// UNDEPLOYED.
func (c *Connector) teardown(ctx context.Context, sub subscription) error {
	prefix, _ := sub.Configuration[armproduct.PrefixParameter].(string)
	if armproduct.PrefixRule.MatchString(prefix) {
		group := "rg-" + prefix
		// Only the group this subscription made.
		g, err := c.groups.Get(ctx, group, nil)
		switch {
		case err == nil:
			if owner := g.Tags[TagSubscription]; owner != nil && *owner == strconv.FormatInt(sub.ID, 10) {
				if err := c.deleteGroup(ctx, group); err != nil {
					return err
				}
			}
		case !isNotFound(err):
			return fmt.Errorf("get resource group: %w", err)
		}
	}
	if err := c.market.setStatus(ctx, sub.ID, "UNDEPLOYED"); err != nil {
		return err
	}
	c.log.InfoContext(ctx, "azure connector: undeployed", "subscription", sub.ID)
	c.done(sub.ID, "UNDEPLOYED")
	return nil
}

// deleteGroup deletes a resource group and waits; a missing group is fine.
func (c *Connector) deleteGroup(ctx context.Context, group string) error {
	poller, err := c.groups.BeginDelete(ctx, group, nil)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete resource group %s: %w", group, err)
	}
	if _, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: c.cfg.PollFrequency}); err != nil {
		return fmt.Errorf("delete resource group %s: %w", group, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// errorMessage is Azure's code and message (with the inner errors that
// say what went wrong), or the error's text.
func errorMessage(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		var body struct {
			Error *armdeployments.ErrorResponse `json:"error"`
		}
		if re.RawResponse != nil {
			if raw, rerr := runtime.Payload(re.RawResponse); rerr == nil && json.Unmarshal(raw, &body) == nil && body.Error != nil {
				return errorText(body.Error)
			}
		}
		return re.ErrorCode
	}
	return err.Error()
}

// errorText flattens an ARM error and its details.
func errorText(e *armdeployments.ErrorResponse) string {
	parts := []string{deref(e.Code) + ": " + deref(e.Message)}
	for _, d := range e.Details {
		if d != nil {
			parts = append(parts, errorText(d))
		}
	}
	return strings.Join(parts, " — ")
}

func deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// newPassword makes a VM administrator password that meets Azure's
// complexity rules (upper, lower, digit, symbol; 20 characters).
func newPassword() string {
	const (
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnopqrstuvwxyz"
		digits = "23456789"
		symbol = "!#%+-=?@"
	)
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	b := []byte{pick(upper), pick(lower), pick(digits), pick(symbol)}
	all := upper + lower + digits + symbol
	for len(b) < 20 {
		b = append(b, pick(all))
	}
	return string(b)
}
