package azure_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/dispatch"
	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

const azureSub = "00000000-0000-0000-0000-00000000a2e0"

// siteTemplate is a web app whose URL output reads the deployed site
// (reference()), and a bounded int parameter.
const planTemplate = `{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0",
  "parameters":{"prefix":{"type":"string"},"location":{"type":"string"}},
  "resources":[{"type":"Microsoft.Compute/virtualMachines","apiVersion":"2024-03-01","name":"[concat(parameters('prefix'), '-vm')]",
    "location":"[parameters('location')]","plan":{"name":"hardened","publisher":"cognosys","product":"ubuntu-hardened"},"properties":{}}]}`

const siteTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "prefix": {"type": "string", "minLength": 3, "maxLength": 12},
    "location": {"type": "string"},
    "workers": {"type": "int", "minValue": 1, "maxValue": 3, "metadata": {"description": "Number of workers"}},
    "tier": {"type": "string", "defaultValue": "B1", "allowedValues": ["B1", "S1"]}
  },
  "resources": [
    {"type": "Microsoft.Web/serverfarms", "apiVersion": "2022-09-01", "name": "[concat(parameters('prefix'), '-plan')]", "location": "[parameters('location')]",
     "sku": {"name": "[parameters('tier')]", "capacity": "[parameters('workers')]"}},
    {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "[parameters('prefix')]", "location": "[parameters('location')]",
     "dependsOn": ["[resourceId('Microsoft.Web/serverfarms', concat(parameters('prefix'), '-plan'))]"],
     "properties": {"serverFarmId": "[resourceId('Microsoft.Web/serverfarms', concat(parameters('prefix'), '-plan'))]"}}
  ],
  "outputs": {
    "siteUrl": {"type": "string", "value": "[concat('https://', reference(resourceId('Microsoft.Web/sites', parameters('prefix'))).defaultHostName)]"}
  }
}`

// typedTemplate takes a user-defined object type and an array from the
// buyer (languageVersion 2.0, as Bicep writes them).
const typedTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "definitions": {
    "site": {"type": "object", "additionalProperties": false, "properties": {
      "name": {"type": "string", "minLength": 3, "maxLength": 20},
      "workers": {"type": "int", "minValue": 1, "maxValue": 3}}}
  },
  "parameters": {
    "prefix": {"type": "string"},
    "location": {"type": "string"},
    "site": {"$ref": "#/definitions/site"},
    "owners": {"type": "array", "items": {"type": "string", "minLength": 3}, "maxLength": 2}
  },
  "resources": {
    "plan": {"type": "Microsoft.Web/serverfarms", "apiVersion": "2022-09-01", "name": "[concat(parameters('prefix'), '-plan')]", "location": "[parameters('location')]",
     "sku": {"name": "B1", "capacity": "[parameters('site').workers]"}},
    "web": {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "[parameters('site').name]", "location": "[parameters('location')]",
     "dependsOn": ["plan"], "tags": {"owners": "[join(parameters('owners'), ',')]"},
     "properties": {"serverFarmId": "[resourceId('Microsoft.Web/serverfarms', concat(parameters('prefix'), '-plan'))]"}}
  },
  "outputs": {
    "siteUrl": {"type": "string", "value": "[concat('https://', reference('web').defaultHostName)]"}
  }
}`

// workersTemplate sizes its copy loop from a plan that exists in Azure
// (another group's): only the deployment can read it.
const workersTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"prefix": {"type": "string"}, "location": {"type": "string"}},
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat(parameters('prefix'), 'q', copyIndex())]",
     "location": "[parameters('location')]", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
     "copy": {"name": "queues", "count": "[reference(resourceId('rg-taken', 'Microsoft.Web/serverfarms', 'taken-plan'), '2022-09-01', 'Full').sku.capacity]"}}
  ]
}`

// world is the marketplace (API and webhook delivery), the Entra and ARM
// emulators over TLS, and the connector's webhook endpoint, each on its own
// loopback server.
type world struct {
	t         *testing.T
	st        *store.Store
	w         *storetest.World
	api       string
	arm       *armemu.Emulator
	cred      azcore.TokenCredential
	opts      arm.ClientOptions
	secret    string
	current   atomic.Pointer[azure.Connector]
	done      chan result
	armURL    string
	siteProd  catalog.Product
	vmProd    catalog.Product
	vmNoTerms catalog.Product
	// planTemplate deploys a Marketplace plan's VM from a template with no
	// publisher terms in its metadata: the buyer accepts none.
	planTemplate catalog.Product
	hookURL      string
	workers      catalog.Product
	// siteLegacy sells siteTemplate with a parameter mapping saved before
	// uploads checked fixed values: workers fixed at 7, which the template
	// refuses (checkout cannot see it: the buyer does not give it).
	siteLegacy catalog.Product
	// typed sells typedTemplate.
	typed catalog.Product
}

type result struct {
	id     int64
	status string
}

func newWorld(t *testing.T, step time.Duration) *world {
	st := storetest.Open(t, store.SQLite)
	w := storetest.NewWorld(t, st)
	log := slog.New(slog.DiscardHandler)
	d := dispatch.New(st, log, dispatch.Config{AllowPrivate: true})
	st.OnEvents(d.Wake)
	run, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = d.Run(run); close(stopped) }()
	t.Cleanup(func() { stop(); <-stopped })
	apiSrv := httptest.NewServer(app.NewAPI(st, log, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: true}, d.SendTest)))
	t.Cleanup(apiSrv.Close)

	// Entra and ARM emulators, both over TLS with one self-signed
	// certificate the SDK is told to trust.
	cert, err := armemu.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	idp, err := entra.New(entra.DemoConfig())
	if err != nil {
		t.Fatal(err)
	}
	entraSrv := armemu.ServeTLS(listen(t), idp.Handler(), cert)
	t.Cleanup(func() { _ = entraSrv.Close() })
	verifier := entra.NewVerifier(idp.Keys(), entra.ManagementResource)
	em := armemu.New(armemu.Config{Step: step, RetryAfter: 20 * time.Millisecond,
		Verifier: armemu.TokenVerifierFunc(func(ctx context.Context, token, _ string) error {
			_, err := verifier.Verify(ctx, token)
			return err
		})})
	t.Cleanup(em.Close)
	armSrv := armemu.ServeTLS(listen(t), em.Handler(), cert)
	t.Cleanup(func() { _ = armSrv.Close() })
	cred, opts, err := azure.SDKConfig(azure.Endpoints{ResourceManager: armSrv.URL, Authority: entraSrv.URL, CACertPEM: cert.PEM,
		TenantID: entra.DemoTenantID, ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := webhook.NewSecret()
	wd := &world{t: t, st: st, w: w, api: apiSrv.URL, arm: em, cred: cred, opts: opts, secret: secret, done: make(chan result, 64), armURL: armSrv.URL}

	// The connector's webhook endpoint hands notifications to whichever
	// connector runs now (the restart test swaps it).
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if c := wd.current.Load(); c != nil {
			c.Handler().ServeHTTP(rw, r)
			return
		}
		rw.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(hook.Close)
	wd.hookURL = hook.URL

	ctx := context.Background()
	tpl, err := engine.ParseTemplate([]byte(siteTemplate))
	if err != nil {
		t.Fatal(err)
	}
	product := func(name string, typ catalog.ProductType, meta map[string]string, params []catalog.Parameter) catalog.Product {
		p, err := storetest.Listing(st).CreateProduct(ctx, w.VendorA.Principal, catalog.Product{Name: name, Type: typ, Published: true, Metadata: meta, Parameters: params})
		if err != nil {
			t.Fatalf("product %s: %v", name, err)
		}
		storetest.Plan(t, st, w.VendorA.Principal, p.ID, "Monthly", `{"currency":"EUR","period":"P1M","model":"flat","amount":"10.00"}`)
		if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{ProductID: &p.ID, URL: hook.URL, Secret: secret}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wd.siteProd = product("Site", catalog.TypeARMTemplate, map[string]string{armproduct.MetaTemplate: siteTemplate, armproduct.MetaLaunchOutput: "siteUrl"},
		armproduct.Form(tpl, nil))
	legacy := armproduct.ParameterMapping{"workers": {Source: armproduct.SourceFixed, Value: 7}}
	wd.siteLegacy = product("Site (legacy mapping)", catalog.TypeARMTemplate, map[string]string{armproduct.MetaTemplate: siteTemplate, armproduct.MetaLaunchOutput: "siteUrl",
		armproduct.MetaParameters: `{"workers": {"source": "fixed", "value": 7}}`}, armproduct.Form(tpl, legacy))
	wtpl, err := engine.ParseTemplate([]byte(workersTemplate))
	if err != nil {
		t.Fatal(err)
	}
	ttpl, err := engine.ParseTemplate([]byte(typedTemplate))
	if err != nil {
		t.Fatal(err)
	}
	wd.typed = product("Typed site", catalog.TypeARMTemplate, map[string]string{armproduct.MetaTemplate: typedTemplate, armproduct.MetaLaunchOutput: "siteUrl"}, armproduct.Form(ttpl, nil))
	wd.workers = product("Workers", catalog.TypeARMTemplate, map[string]string{armproduct.MetaTemplate: workersTemplate}, armproduct.Form(wtpl, nil))
	vmMeta := map[string]string{armproduct.MetaPublisher: "canonical", armproduct.MetaOffer: "ubuntu-24_04-lts", armproduct.MetaPlan: "server"}
	prefixOnly := armproduct.Form(&engine.Template{}, nil)
	wd.vmProd = product("VM", catalog.TypeAzureMarketplaceVM, vmMeta, prefixOnly)
	noTerms := map[string]string{armproduct.MetaAcceptTerms: "false", armproduct.MetaPublisher: "bitnami", armproduct.MetaOffer: "wordpress", armproduct.MetaPlan: "default"}
	wd.vmNoTerms = product("VM without terms", catalog.TypeAzureMarketplaceVM, noTerms, prefixOnly)
	ptpl, err := engine.ParseTemplate([]byte(planTemplate))
	if err != nil {
		t.Fatal(err)
	}
	wd.planTemplate = product("Template with a Marketplace plan", catalog.TypeARMTemplate, map[string]string{armproduct.MetaTemplate: planTemplate}, armproduct.Form(ptpl, nil))
	return wd
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// start runs a connector until the returned function stops it.
func (wd *world) start() func() {
	c, err := azure.New(azure.Config{MarketplaceURL: wd.api, Token: wd.w.VendorA.Token, WebhookSecrets: []string{wd.secret},
		SubscriptionID: azureSub, Credential: wd.cred, ARM: wd.opts, PollFrequency: 20 * time.Millisecond, Sweep: 200 * time.Millisecond,
		OnDone: func(id int64, status string) { wd.done <- result{id, status} }, Log: testLog()})
	if err != nil {
		wd.t.Fatal(err)
	}
	wd.current.Store(c)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = c.Run(ctx); close(stopped) }()
	stop := sync.OnceFunc(func() { wd.current.CompareAndSwap(c, nil); cancel(); <-stopped })
	wd.t.Cleanup(stop)
	return stop
}

func (wd *world) call(method, path, token string, body, out any) int {
	wd.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, wd.api+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		wd.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			wd.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// order buys a product as C1 (on account, so PENDING and paid at once).
func (wd *world) order(p catalog.Product, config map[string]any) int64 {
	wd.t.Helper()
	var plans struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	wd.call("GET", fmt.Sprintf("/api/v1/products/%d/plans", p.ID), wd.w.C1.Token, nil, &plans)
	var o struct {
		SubscriptionID int64 `json:"subscription_id"`
	}
	body := map[string]any{"plan_id": plans.Items[0].ID, "quantity": 1, "configuration": config}
	if _, ok := p.Terms(); ok {
		body["accept_terms"] = true // the buyer ticks the publisher's terms
	}
	if code := wd.call("POST", "/api/v1/orders", wd.w.C1.Token, body, &o); code != http.StatusCreated {
		wd.t.Fatalf("order: %d", code)
	}
	return o.SubscriptionID
}

// wait returns the status the connector reported for id.
func (wd *world) wait(id int64) string {
	wd.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r := <-wd.done:
			if r.id == id {
				return r.status
			}
		case <-deadline:
			wd.t.Fatalf("subscription %d: no outcome", id)
		}
	}
}

type subscriptionView struct {
	Status       string
	Endpoint     string
	Instructions string
}

func (wd *world) view(id int64) subscriptionView {
	wd.t.Helper()
	var s struct {
		Status string `json:"deployment_status"`
	}
	wd.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.w.C1.Token, nil, &s)
	var eps struct {
		Endpoints []struct {
			Endpoint string `json:"endpoint"`
		} `json:"endpoints"`
	}
	wd.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), wd.w.C1.Token, nil, &eps)
	var ins struct {
		Instructions map[string]string `json:"instructions"`
	}
	wd.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d/instructions", id), wd.w.C1.Token, nil, &ins)
	v := subscriptionView{Status: s.Status, Instructions: ins.Instructions["en"]}
	if len(eps.Endpoints) > 0 {
		v.Endpoint = eps.Endpoints[0].Endpoint
	}
	return v
}

func (wd *world) terminate(id int64) {
	wd.t.Helper()
	if code := wd.call("POST", fmt.Sprintf("/api/v1/subscriptions/%d/terminate", id), wd.w.C1.Token, nil, nil); code != http.StatusOK {
		wd.t.Fatalf("terminate: %d", code)
	}
}

// groupExists asks the emulator through the SDK.
func (wd *world) groupExists(name string) bool {
	wd.t.Helper()
	c, err := newGroupsClient(wd)
	if err != nil {
		wd.t.Fatal(err)
	}
	res, err := c.CheckExistence(context.Background(), name, nil)
	if err != nil {
		wd.t.Fatal(err)
	}
	return res.Success
}

// TestConnectorFlows drives subscriptions through the connector against
// the emulators with the real SDK: deployments that succeed, fail in
// Azure, are refused for terms or for bad values, and teardown.
func TestConnectorFlows(t *testing.T) {
	wd := newWorld(t, 5*time.Millisecond)
	wd.start()

	t.Run("arm template deploys with a computed launch URL, throttled on the way, and tears down", func(t *testing.T) {
		wd.arm.Throttle(3, 10*time.Millisecond)
		id := wd.order(wd.siteProd, map[string]any{"global_prefix": "contoso", "workers": 2})
		if got := wd.wait(id); got != "DEPLOYED" {
			t.Fatalf("status %s: %+v", got, wd.view(id))
		}
		v := wd.view(id)
		if v.Status != "DEPLOYED" || v.Endpoint != "https://contoso.azurewebsites.net" {
			t.Fatalf("view %+v", v)
		}
		if n := wd.arm.Count("throttled"); n != 3 {
			t.Errorf("throttled %d requests, want 3 (the SDK retries them)", n)
		}
		if !wd.groupExists("rg-contoso") {
			t.Fatal("resource group missing")
		}
		wd.terminate(id)
		if got := wd.wait(id); got != "UNDEPLOYED" {
			t.Fatalf("teardown: %s", got)
		}
		if wd.groupExists("rg-contoso") {
			t.Error("resource group left after teardown")
		}
	})

	t.Run("marketplace VM: terms accepted, fqdn from the public IP", func(t *testing.T) {
		before := wd.arm.Count("PUT agreement")
		id := wd.order(wd.vmProd, map[string]any{"global_prefix": "ubuntu1"})
		if got := wd.wait(id); got != "DEPLOYED" {
			t.Fatalf("status %s: %+v", got, wd.view(id))
		}
		if v := wd.view(id); v.Endpoint != "https://ubuntu1.westeurope.cloudapp.azure.com" || !strings.Contains(v.Instructions, "ubuntu1admin") {
			t.Fatalf("view %+v", v)
		}
		if n := wd.arm.Count("PUT agreement") - before; n != 1 {
			t.Errorf("accepted terms %d times, want 1", n)
		}
		// Who accepted and when: the buyer at checkout, then Azure's record,
		// on the subscription's metadata the vendor and the operator read.
		var md struct {
			Metadata map[string]string `json:"metadata"`
		}
		wd.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id), wd.w.VendorA.Token, nil, &md)
		var sub struct {
			Terms struct {
				UserID     int64     `json:"user_id"`
				OrgID      int64     `json:"organization_id"`
				AcceptedAt time.Time `json:"accepted_at"`
				Version    string    `json:"version"`
			} `json:"terms_acceptance"`
		}
		wd.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.w.Platform.Token, nil, &sub)
		m := md.Metadata
		if sub.Terms.UserID != wd.w.C1.User.ID || sub.Terms.OrgID != wd.w.C1.Org.ID || sub.Terms.Version == "" ||
			m[azure.MetaTermsAcceptedByUser] != strconv.FormatInt(wd.w.C1.User.ID, 10) ||
			m[azure.MetaTermsAcceptedByOrganization] != strconv.FormatInt(wd.w.C1.Org.ID, 10) ||
			m[azure.MetaTermsBuyerAcceptedAt] != sub.Terms.AcceptedAt.Format(time.RFC3339) || m[azure.MetaTermsVersion] != sub.Terms.Version ||
			m[azure.MetaTermsAzurePlan] != "canonical/ubuntu-24_04-lts/server" || m[azure.MetaTermsAzureAcceptedAt] == "" || m[azure.MetaTermsAzureSignature] == "" {
			t.Errorf("acceptance %+v, metadata %v", sub.Terms, m)
		}
		var creds struct {
			Credentials []struct {
				Key   string  `json:"key"`
				Value *string `json:"value"`
			} `json:"credentials"`
		}
		wd.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d/credentials", id), wd.w.C1.Token, nil, &creds)
		if len(creds.Credentials) != 1 || creds.Credentials[0].Value == nil || len(*creds.Credentials[0].Value) < 12 {
			t.Errorf("credentials %+v", creds)
		}
	})

	t.Run("the buyer did not accept the terms: the order is refused, nothing sold", func(t *testing.T) {
		var plans struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		wd.call("GET", fmt.Sprintf("/api/v1/products/%d/plans", wd.vmProd.ID), wd.w.C1.Token, nil, &plans)
		var problem struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		for _, accept := range []any{nil, false} {
			body := map[string]any{"plan_id": plans.Items[0].ID, "quantity": 1, "configuration": map[string]any{"global_prefix": "refused"}}
			if accept != nil {
				body["accept_terms"] = accept
			}
			if code := wd.call("POST", "/api/v1/orders", wd.w.C1.Token, body, &problem); code != http.StatusUnprocessableEntity ||
				len(problem.Errors) != 1 || problem.Errors[0].Location != "body.accept_terms" {
				t.Fatalf("accept_terms %v: %d %+v", accept, code, problem)
			}
		}
	})

	t.Run("a VM offer's terms read from Azure when its plan is set up, the vendor's own kept", func(t *testing.T) {
		ctx := context.Background()
		p, err := storetest.Listing(wd.st).CreateProduct(ctx, wd.w.VendorA.Principal, catalog.Product{Name: "FortiGate", Type: catalog.TypeAzureMarketplaceVM,
			Metadata: map[string]string{armproduct.MetaPublisher: "fortinet", armproduct.MetaOffer: "fortigate-vm", armproduct.MetaPlan: "byol"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := webhooks.New(wd.st, store.TxFunc[webhooks.Tx](wd.st)).CreateEndpoint(ctx, wd.w.VendorA.Principal, syndication.Endpoint{ProductID: &p.ID, URL: wd.hookURL, Secret: wd.secret}); err != nil {
			t.Fatal(err)
		}
		storetest.Plan(t, wd.st, wd.w.VendorA.Principal, p.ID, "BYOL", `{"currency":"EUR","period":"P1M","model":"flat","amount":"0"}`)
		var got struct {
			Metadata map[string]string `json:"metadata"`
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			wd.call("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), wd.w.VendorA.Token, nil, &got)
			if got.Metadata[catalog.MetaTermsLicense] != "" || time.Now().After(deadline) {
				break
			}
		}
		m := got.Metadata
		if !strings.HasSuffix(m[catalog.MetaTermsLicense], "_legalterms_FORTINET.txt") || m[catalog.MetaTermsPrivacy] == "" ||
			m[catalog.MetaTermsMarketplace] == "" || !strings.Contains(m[catalog.MetaTermsSummary], "fortinet/fortigate-vm") || m[armproduct.MetaPlan] != "byol" {
			t.Fatalf("metadata after the plan: %v", m)
		}
		if n := wd.arm.Count("PUT agreement"); n != 1 {
			t.Errorf("reading the terms accepted them (%d PUTs in all)", n)
		}
		// Terms the vendor entered are its own.
		own := maps.Clone(m)
		own[catalog.MetaTermsSummary] = "The vendor's own words."
		if code := wd.call("PATCH", fmt.Sprintf("/api/v1/products/%d", p.ID), wd.w.VendorA.Token, map[string]any{"metadata": own}, nil); code != http.StatusOK {
			t.Fatalf("patch: %d", code)
		}
		if err := wd.current.Load().FetchTerms(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		wd.call("GET", fmt.Sprintf("/api/v1/products/%d", p.ID), wd.w.VendorA.Token, nil, &got)
		if got.Metadata[catalog.MetaTermsSummary] != "The vendor's own words." {
			t.Errorf("the vendor's terms were replaced: %v", got.Metadata)
		}
	})

	t.Run("a template's Marketplace plan without the buyer's acceptance: not accepted on Azure, FAILED", func(t *testing.T) {
		before := wd.arm.Count("PUT agreement")
		id := wd.order(wd.planTemplate, map[string]any{"global_prefix": "planned"})
		if got := wd.wait(id); got != "FAILED" {
			t.Fatalf("status %s", got)
		}
		if v := wd.view(id); !strings.Contains(v.Instructions, "MarketplacePurchaseEligibilityFailed") {
			t.Fatalf("instructions %q", v.Instructions)
		}
		if n := wd.arm.Count("PUT agreement") - before; n != 0 {
			t.Errorf("accepted terms %d times without the buyer", n)
		}
	})

	t.Run("terms not accepted: FAILED with Azure's reason, group removed", func(t *testing.T) {
		id := wd.order(wd.vmNoTerms, map[string]any{"global_prefix": "noterms"})
		if got := wd.wait(id); got != "FAILED" {
			t.Fatalf("status %s", got)
		}
		if v := wd.view(id); !strings.Contains(v.Instructions, "MarketplacePurchaseEligibilityFailed") || !strings.Contains(v.Instructions, "Legal terms have not been accepted") {
			t.Fatalf("instructions %q", v.Instructions)
		}
		if wd.groupExists("rg-noterms") {
			t.Error("half-made group left")
		}
	})

	t.Run("the template's bounds are the checkout form's", func(t *testing.T) {
		var plans struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		wd.call("GET", fmt.Sprintf("/api/v1/products/%d/plans", wd.siteProd.ID), wd.w.C1.Token, nil, &plans)
		var problem struct {
			Errors []struct {
				Location string `json:"location"`
			} `json:"errors"`
		}
		code := wd.call("POST", "/api/v1/orders", wd.w.C1.Token, map[string]any{"plan_id": plans.Items[0].ID, "quantity": 1,
			"configuration": map[string]any{"global_prefix": "toomany", "workers": 99}}, &problem)
		if code != http.StatusUnprocessableEntity || len(problem.Errors) != 1 || problem.Errors[0].Location != "body.configuration.workers" {
			t.Fatalf("order with 99 workers: %d %+v", code, problem)
		}
	})

	t.Run("a template's own types are checked at checkout, and a typed value deploys", func(t *testing.T) {
		var plans struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		wd.call("GET", fmt.Sprintf("/api/v1/products/%d/plans", wd.typed.ID), wd.w.C1.Token, nil, &plans)
		for _, c := range []struct {
			config map[string]any
			want   []string
		}{
			{map[string]any{"global_prefix": "typed", "site": `{"name": "ty", "workers": 9, "colour": "red"}`, "owners": `["alice"]`},
				[]string{"body.configuration.site.colour", "body.configuration.site.name", "body.configuration.site.workers"}},
			{map[string]any{"global_prefix": "typed", "site": `{"name": "typed-site"} trailing`, "owners": `["alice"]`}, []string{"body.configuration.site"}},
			{map[string]any{"global_prefix": "typed", "site": `{"name": "typed-site", "workers": 1}`, "owners": `["al", "bob", "carol"]`},
				[]string{"body.configuration.owners", "body.configuration.owners[0]"}},
			{map[string]any{"global_prefix": "typed", "site": `{"name": "typed-site", "workers": 1}`, "owners": `{"not": "an array"}`},
				[]string{"body.configuration.owners"}},
		} {
			var problem struct {
				Errors []struct {
					Location string `json:"location"`
				} `json:"errors"`
			}
			code := wd.call("POST", "/api/v1/orders", wd.w.C1.Token, map[string]any{"plan_id": plans.Items[0].ID, "quantity": 1, "configuration": c.config}, &problem)
			var got []string
			for _, e := range problem.Errors {
				got = append(got, e.Location)
			}
			slices.Sort(got)
			if code != http.StatusUnprocessableEntity || !slices.Equal(got, c.want) {
				t.Errorf("order with %v: %d %v, want 422 naming %v", c.config, code, got, c.want)
			}
		}
		id := wd.order(wd.typed, map[string]any{"global_prefix": "typed", "site": `{"name": "typed-site", "workers": 2}`, "owners": `["alice", "bob"]`})
		if got := wd.wait(id); got != "DEPLOYED" {
			t.Fatalf("status %s: %+v", got, wd.view(id))
		}
		if v := wd.view(id); v.Endpoint != "https://typed-site.azurewebsites.net" {
			t.Fatalf("view %+v", v)
		}
	})

	t.Run("bad parameters fail fast, nothing deployed", func(t *testing.T) {
		groups, deploys := wd.arm.Count("PUT resourcegroup"), wd.arm.Count("PUT deployment")
		id := wd.order(wd.siteLegacy, map[string]any{"global_prefix": "toomany"})
		if got := wd.wait(id); got != "FAILED" {
			t.Fatalf("status %s", got)
		}
		if v := wd.view(id); !strings.Contains(v.Instructions, "workers") {
			t.Fatalf("instructions %q", v.Instructions)
		}
		if wd.arm.Count("PUT resourcegroup") != groups || wd.arm.Count("PUT deployment") != deploys {
			t.Error("something was deployed")
		}
	})

	t.Run("a deployment failing in Azure: FAILED with its message, group removed", func(t *testing.T) {
		wd.arm.FailDeployments("rg-broken/", 50*time.Millisecond, "QuotaExceeded", "Operation could not be completed as it results in exceeding approved standardBSFamily Cores quota.")
		id := wd.order(wd.siteProd, map[string]any{"global_prefix": "broken", "workers": 1})
		if got := wd.wait(id); got != "FAILED" {
			t.Fatalf("status %s", got)
		}
		if v := wd.view(id); !strings.Contains(v.Instructions, "DeploymentFailed") || !strings.Contains(v.Instructions, "QuotaExceeded") {
			t.Fatalf("instructions %q", v.Instructions)
		}
		if wd.groupExists("rg-broken") {
			t.Error("half-made group left")
		}
	})

	t.Run("a prefix another subscription owns is refused", func(t *testing.T) {
		first := wd.order(wd.siteProd, map[string]any{"global_prefix": "taken", "workers": 1})
		if got := wd.wait(first); got != "DEPLOYED" {
			t.Fatalf("first: %s", got)
		}
		second := wd.order(wd.siteProd, map[string]any{"global_prefix": "taken", "workers": 1})
		if got := wd.wait(second); got != "FAILED" {
			t.Fatalf("second: %s", got)
		}
		if v := wd.view(second); !strings.Contains(v.Instructions, "taken") {
			t.Fatalf("instructions %q", v.Instructions)
		}
		if !wd.groupExists("rg-taken") {
			t.Error("the first subscription's group was removed")
		}
	})

	t.Run("an expression only Azure can evaluate is left to the deployment", func(t *testing.T) {
		// The engine alone cannot size the loop: it reads rg-taken's plan.
		tpl, _ := engine.ParseTemplate([]byte(workersTemplate))
		if _, err := engine.Evaluate(tpl, map[string]any{"prefix": "wkr", "location": "westeurope"},
			engine.Deployment{SubscriptionID: azureSub, ResourceGroup: "rg-wkr"}); !errors.Is(err, engine.ErrNoState) {
			t.Fatalf("offline evaluation: %v", err)
		}
		id := wd.order(wd.workers, map[string]any{"global_prefix": "wkr"})
		if got := wd.wait(id); got != "DEPLOYED" {
			t.Fatalf("status %s: %+v", got, wd.view(id))
		}
		if !wd.groupExists("rg-wkr") {
			t.Error("nothing deployed")
		}
	})
}

// TestConnectorRestartResumes stops the connector while Azure deploys and
// starts another: it finds the deployment by its name and waits for it,
// without deploying again.
func TestConnectorRestartResumes(t *testing.T) {
	wd := newWorld(t, 150*time.Millisecond)
	stop := wd.start()
	id := wd.order(wd.siteProd, map[string]any{"global_prefix": "resume", "workers": 1})
	deadline := time.Now().Add(20 * time.Second)
	for wd.arm.Count("PUT deployment") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no deployment started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if v := wd.view(id); v.Status != "PENDING" {
		t.Fatalf("status after the stop: %s", v.Status)
	}
	wd.start()
	if got := wd.wait(id); got != "DEPLOYED" {
		t.Fatalf("status %s: %+v", got, wd.view(id))
	}
	if n := wd.arm.Count("PUT deployment"); n != 1 {
		t.Errorf("%d deployment PUTs, want 1", n)
	}
	if v := wd.view(id); v.Endpoint != "https://resume.azurewebsites.net" {
		t.Errorf("view %+v", v)
	}
}
