package microsoft_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/connector/microsoft"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	pcemu "github.com/mercato-market/mercato/internal/emulator/partnercenter"
	"github.com/mercato-market/mercato/internal/partnercenter"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// world is the marketplace (API and webhook delivery), the Entra and
// Partner Center emulators and the connector, each on a loopback server.
type world struct {
	st      *store.Store
	w       *storetest.World
	api     string
	entra   *entra.Emulator
	pc      *pcemu.Emulator
	client  *partnercenter.Client
	conn    *microsoft.Connector
	hookURL string
	secret  string
	m365    catalog.Plan
	azure   catalog.Plan
	legacy  catalog.Plan
	shift   atomic.Int64 // the Partner Center emulator's clock runs this far ahead
	sleeps  atomic.Int64 // the connector's waits for an order's provisioning
}

// now is the clock of Partner Center and of the connector.
func (wd *world) now() time.Time { return time.Now().Add(time.Duration(wd.shift.Load())) }

// newWorld builds the world; opts may change the connector's configuration
// before it is created.
func newWorld(t *testing.T, tokenLifetime time.Duration, opts ...func(*testing.T, *world, *microsoft.Config)) *world {
	t.Helper()
	st := storetest.Open(t, store.SQLite)
	w := storetest.NewWorld(t, st)
	log := slog.New(slog.DiscardHandler)
	d := dispatch.New(st, log, dispatch.Config{AllowPrivate: true})
	st.OnEvents(d.Wake)
	run, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(run); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	apiSrv := httptest.NewServer(app.NewAPI(st, log, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: true}, d.SendTest)))
	t.Cleanup(apiSrv.Close)

	cfg := entra.DemoConfig()
	cfg.TokenLifetime = entra.Duration(tokenLifetime)
	em, err := entra.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	entraSrv := httptest.NewServer(em.Handler())
	t.Cleanup(entraSrv.Close)
	// Partner Center validates tokens with the keys it fetches from the
	// Entra emulator's JWKS URL, as a separate process would.
	wd0 := &world{}
	pc := pcemu.New(pcemu.Config{Log: log, OnCustomerCreated: func(c pcemu.Customer) {
		_ = em.AddTenant(entra.Tenant{ID: c.ID, Domains: []string{c.CompanyProfile.Domain}}) // as Microsoft does: a new directory
	}, Now: wd0.now, ProvisioningDelay: 45 * time.Second, Verifier: entra.NewVerifier(entra.NewRemoteKeys(entraSrv.URL+"/common/discovery/v2.0/keys", nil), entra.PartnerCenterResource)})
	pcSrv := httptest.NewServer(pc.Handler())
	t.Cleanup(pcSrv.Close)
	client, err := partnercenter.New(partnercenter.Config{BaseURL: pcSrv.URL, LoginURL: entraSrv.URL, TenantID: entra.DemoTenantID,
		ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		MaxRetryAfter: 50 * time.Millisecond, AttemptTimeout: 2 * time.Second, MaxAttempts: 10, Log: log})
	if err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	wd := wd0
	wd.st, wd.w, wd.api, wd.entra, wd.pc, wd.client = st, w, apiSrv.URL, em, pc, client
	mkProduct := func(name string, typ catalog.ProductType, md map[string]string, params []catalog.Parameter, pricing string) catalog.Plan {
		p, err := storetest.Listing(st).CreateProduct(ctx, w.VendorA.Principal, catalog.Product{Name: name, Type: typ, Published: true, Metadata: md, Parameters: params})
		if err != nil {
			t.Fatal(err)
		}
		return storetest.Plan(t, st, w.VendorA.Principal, p.ID, "Plan", pricing)
	}
	domain := []catalog.Parameter{{Name: "domain", Type: catalog.ParamString, Required: true, Pattern: `[a-z0-9][a-z0-9-]{1,26}\.onmicrosoft\.com`}}
	wd.m365 = mkProduct("Microsoft 365 Business Basic", catalog.TypeMicrosoftCSP,
		map[string]string{microsoft.MetaProductID: pcemu.BusinessBasicProduct, microsoft.MetaSkuID: "0001", microsoft.MetaCommerce: "new"}, domain,
		`{"currency":"EUR","period":"P1M","commitment":"P1Y","cancellation_window_days":7,"model":"per_unit","unit":"seat","unit_amount":"5.60"}`)
	wd.legacy = mkProduct("Office 365 Business Essentials (legacy)", catalog.TypeMicrosoftCSP,
		map[string]string{microsoft.MetaCommerce: "legacy", microsoft.MetaOfferID: pcemu.LegacyBusinessBasicOffer}, domain,
		`{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"4.20"}`)
	wd.azure = mkProduct("Azure plan", catalog.TypeAzurePlan,
		map[string]string{microsoft.MetaProductID: pcemu.AzurePlanProduct, microsoft.MetaSkuID: "0001"}, azureAccessParameters,
		`{"currency":"EUR","period":"P1M","model":"flat","amount":"0","metrics":[{"name":"azure_consumption","unit":"EUR","aggregation":"sum","model":"per_unit","unit_amount":"1.05"}]}`)

	wd.secret, _ = webhook.NewSecret()
	// The buyer is an Italian company, as its organization says.
	if code := wd.call(t, "PATCH", fmt.Sprintf("/api/v1/organizations/%d", w.C1.Org.ID), w.Platform.Token, map[string]any{"name": "Rossi Arredamenti S.r.l.",
		"email": "it@rossi-arredamenti.example", "country": "IT", "address": map[string]string{"line": "Via Roma 12", "city": "Bologna", "postal_code": "40121"}}, nil); code != http.StatusOK {
		t.Fatalf("organization details: %d", code)
	}
	// Orders stay pending 45 s on Partner Center's clock; the connector
	// waits on the same clock, its sleeps moving it on.
	mcfg := microsoft.Config{API: apiSrv.URL, Token: w.VendorA.Token, Secrets: []string{wd.secret}, PartnerCenter: client, Log: log,
		Now: wd.now, Sleep: func(_ context.Context, d time.Duration) error { wd.shift.Add(int64(d)); wd.sleeps.Add(1); return nil }}
	for _, o := range opts {
		o(t, wd, &mcfg)
	}
	conn, err := microsoft.New(mcfg)
	if err != nil {
		t.Fatal(err)
	}
	wd.conn = conn
	connSrv := httptest.NewServer(conn.Handler())
	t.Cleanup(connSrv.Close)
	wd.hookURL = connSrv.URL
	if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: connSrv.URL, Secret: wd.secret}); err != nil {
		t.Fatal(err)
	}
	return wd
}

func (wd *world) call(t *testing.T, method, path, token string, body, out any) int {
	t.Helper()
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
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	if res.StatusCode >= 300 && out == nil {
		t.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

func (wd *world) order(t *testing.T, plan catalog.Plan, qty int, config map[string]any) int64 {
	t.Helper()
	var o struct {
		SubscriptionID int64 `json:"subscription_id"`
	}
	if code := wd.call(t, "POST", "/api/v1/orders", wd.w.C1.Token, map[string]any{"plan_id": plan.ID, "quantity": qty, "configuration": config}, &o); code != http.StatusCreated {
		t.Fatalf("order: %d", code)
	}
	return o.SubscriptionID
}

func (wd *world) status(t *testing.T, id int64) string {
	var s struct {
		Status string `json:"deployment_status"`
	}
	wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.w.C1.Token, nil, &s)
	return s.Status
}

func (wd *world) metadata(t *testing.T, id int64) map[string]string {
	var m struct {
		Metadata map[string]string `json:"metadata"`
	}
	wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id), wd.w.VendorA.Token, nil, &m)
	return m.Metadata
}

// pcOrders counts the Partner Center orders placed for marketplace
// subscription id (marked in their friendly names).
func (wd *world) pcOrders(id int64) int {
	n := 0
	for _, o := range wd.pc.AllOrders() {
		for _, li := range o.LineItems {
			if strings.HasSuffix(li.FriendlyName, fmt.Sprintf("(Mercato #%d)", id)) {
				n++
			}
		}
	}
	return n
}

func waitStatus(t *testing.T, wd *world, id int64, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := wd.status(t, id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscription %d is %s, want %s", id, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLifecycle: new commerce and legacy seats through their whole life.
func TestLifecycle(t *testing.T) {
	wd := newWorld(t, time.Hour)
	cases := []struct {
		name      string
		plan      func() catalog.Plan
		domain    string
		newTenant bool // the buyer's first Microsoft order creates its tenant
	}{
		{"new commerce", func() catalog.Plan { return wd.m365 }, "adatumnc.onmicrosoft.com", true},
		{"legacy, same buyer and tenant", func() catalog.Plan { return wd.legacy }, "adatumnc.onmicrosoft.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := wd.order(t, tc.plan(), 5, map[string]any{"domain": tc.domain})
			waitStatus(t, wd, id, "DEPLOYED")
			md := wd.metadata(t, id)
			pcSub, ok := wd.pc.Subscription(md[microsoft.MetaSubscriptionID])
			if !ok || pcSub.Quantity != 5 || pcSub.Status != "active" || md[microsoft.MetaCustomerID] == "" {
				t.Fatalf("metadata %v, partner center %+v", md, pcSub)
			}
			if n := wd.pcOrders(id); n != 1 {
				t.Fatalf("%d Partner Center orders", n)
			}
			if tc.newTenant && wd.sleeps.Load() == 0 {
				t.Fatal("the order was pending 45 s, yet the connector did not wait for its provisioning")
			}
			// The tenant is the buyer's company, not "Customer N" in the US.
			for _, cu := range wd.pc.Customers() {
				if cu.ID == md[microsoft.MetaCustomerID] {
					bp := cu.BillingProfile
					if bp.CompanyName != "Rossi Arredamenti S.r.l." || bp.Email != "it@rossi-arredamenti.example" || bp.DefaultAddress.Country != "IT" ||
						bp.DefaultAddress.AddressLine1 != "Via Roma 12" || bp.DefaultAddress.City != "Bologna" || bp.DefaultAddress.PostalCode != "40121" {
						t.Fatalf("partner center customer %+v", bp)
					}
				}
			}
			var creds struct {
				Credentials []struct{ Key, Value string } `json:"credentials"`
			}
			wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/credentials", id), wd.w.C1.Token, nil, &creds)
			if tc.newTenant && (len(creds.Credentials) != 2 || !strings.HasSuffix(creds.Credentials[0].Value, "@"+tc.domain)) || !tc.newTenant && len(creds.Credentials) != 0 {
				t.Fatalf("credentials %+v", creds)
			}
			var eps struct {
				Endpoints []struct{ Endpoint, Category string } `json:"endpoints"`
			}
			wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), wd.w.C1.Token, nil, &eps)
			if len(eps.Endpoints) != 1 || !strings.Contains(eps.Endpoints[0].Endpoint, tc.domain) {
				t.Fatalf("endpoints %+v", eps)
			}

			wd.call(t, "PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.w.C1.Token, map[string]any{"quantity": 8}, nil)
			waitFor(t, "8 seats", func() bool { s, _ := wd.pc.Subscription(pcSub.ID); return s.Quantity == 8 })
			if s, _ := wd.pc.Subscription(pcSub.ID); !s.AutoRenewEnabled {
				t.Fatal("partner center subscription does not renew, the marketplace's does")
			}
			wd.call(t, "PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.w.C1.Token, map[string]any{"auto_renew": false}, nil)
			waitFor(t, "autoRenewEnabled false", func() bool { s, _ := wd.pc.Subscription(pcSub.ID); return !s.AutoRenewEnabled })
			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/suspend", id), wd.w.R1.Token, nil, nil)
			waitFor(t, "suspended", func() bool { s, _ := wd.pc.Subscription(pcSub.ID); return s.Status == "suspended" })
			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/resume", id), wd.w.R1.Token, nil, nil)
			waitFor(t, "resumed", func() bool { s, _ := wd.pc.Subscription(pcSub.ID); return s.Status == "active" })
			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/terminate", id), wd.w.C1.Token, nil, nil)
			waitStatus(t, wd, id, "UNDEPLOYED")
			if s, _ := wd.pc.Subscription(pcSub.ID); s.Status != "deleted" {
				t.Fatalf("partner center subscription is %s after termination", s.Status)
			}
		})
	}
	// The same buyer orders for another domain: another tenant, never the
	// first one silently.
	first := wd.metadata(t, 1)[microsoft.MetaCustomerID]
	id := wd.order(t, wd.m365, 2, map[string]any{"domain": "rossibranch.onmicrosoft.com"})
	waitStatus(t, wd, id, "DEPLOYED")
	md := wd.metadata(t, id)
	if md[microsoft.MetaCustomerID] == first || md[microsoft.MetaDomain] != "rossibranch.onmicrosoft.com" || len(wd.pc.Customers()) != 2 {
		t.Fatalf("order for another domain: metadata %v, first tenant %s, %d customers", md, first, len(wd.pc.Customers()))
	}
}

// TestPermanentFailures: a taken domain and an unpurchasable offer end
// FAILED with a reason the customer understands, and no order.
func TestPermanentFailures(t *testing.T) {
	wd := newWorld(t, time.Hour)
	ctx := context.Background()
	retired, err := storetest.Listing(wd.st).CreateProduct(ctx, wd.w.VendorA.Principal, catalog.Product{Name: "Retired", Type: catalog.TypeMicrosoftCSP, Published: true,
		Metadata:   map[string]string{microsoft.MetaProductID: pcemu.RetiredProduct, microsoft.MetaSkuID: "0001"},
		Parameters: []catalog.Parameter{{Name: "domain", Type: catalog.ParamString, Required: true}}})
	if err != nil {
		t.Fatal(err)
	}
	retiredPlan := storetest.Plan(t, wd.st, wd.w.VendorA.Principal, retired.ID, "Plan", `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"1.00"}`)
	cases := []struct {
		name, domain string
		plan         catalog.Plan
		reason       string
	}{
		{"domain taken", "contoso.onmicrosoft.com", wd.m365, "already taken"},
		{"not purchasable", "retiredbuyer.onmicrosoft.com", retiredPlan, "cannot be purchased"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := wd.order(t, tc.plan, 2, map[string]any{"domain": tc.domain})
			waitStatus(t, wd, id, "FAILED")
			var ins struct {
				Instructions map[string]string `json:"instructions"`
			}
			wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/instructions", id), wd.w.C1.Token, nil, &ins)
			if !strings.Contains(ins.Instructions["en"], tc.reason) {
				t.Fatalf("instructions %v", ins.Instructions)
			}
			if md := wd.metadata(t, id); md[microsoft.MetaSubscriptionID] != "" {
				t.Fatalf("an order was recorded: %v", md)
			}
		})
	}
}

// TestFaultsExactlyOnce: 429 storms, 5xx, slow answers, connections dropped
// before and after the emulator committed the order, and tokens expiring
// mid-run: every marketplace order ends DEPLOYED with exactly one Partner
// Center order.
func TestFaultsExactlyOnce(t *testing.T) {
	wd := newWorld(t, 2*time.Second) // tokens expire during the run
	const orders = 8
	faults := []pcemu.Fault{
		{Kind: pcemu.FaultThrottle, Count: 6, RetryAfter: time.Second},
		{Kind: pcemu.FaultServerError, Method: "POST", Path: "/v1/customers/*/carts", Count: 3, Status: 503},
		{Kind: pcemu.FaultDropAfterCommit, Method: "POST", Path: "/v1/customers/*/carts/*/checkout", Count: 3},
		{Kind: pcemu.FaultDropAfterCommit, Method: "POST", Path: "/v1/customers", Count: 2},
		{Kind: pcemu.FaultDropBeforeCommit, Method: "POST", Path: "/v1/customers/*/carts/*/checkout", Count: 1},
		{Kind: pcemu.FaultSlow, Method: "GET", Count: 3, Delay: 3 * time.Second}, // beyond the client's attempt timeout
		{Kind: pcemu.FaultServerError, Count: 4},
	}
	for _, f := range faults {
		wd.pc.InjectFault(f)
	}
	ids := make([]int64, 0, orders)
	for i := range orders {
		// One buyer, one domain: one tenant (another domain would be another).
		ids = append(ids, wd.order(t, wd.m365, 1+i, map[string]any{"domain": "faulty.onmicrosoft.com"}))
		time.Sleep(300 * time.Millisecond) // spread over more than one token lifetime
	}
	for _, id := range ids {
		waitStatus(t, wd, id, "DEPLOYED")
	}
	dups := 0
	for _, id := range ids {
		md := wd.metadata(t, id)
		if n := wd.pcOrders(id); n != 1 || md[microsoft.MetaSubscriptionID] == "" {
			dups += n - 1
			t.Errorf("subscription %d: %d Partner Center orders", id, n)
		}
	}
	stats, cs := wd.pc.Stats(), wd.client.Stats()
	if stats.OrdersPlaced != orders || stats.CustomersCreated != 1 {
		t.Fatalf("orders placed %d (want %d), customers created %d (want 1: one buyer)", stats.OrdersPlaced, orders, stats.CustomersCreated)
	}
	if cs.TokenFetches < 2 {
		t.Fatalf("tokens were not refreshed: %d fetches", cs.TokenFetches)
	}
	t.Logf("marketplace orders %d, Partner Center orders %d, duplicates %d, faults injected %d, client attempts %d, retries %d, replays of a repeated MS-RequestId %d, tokens fetched %d, 401s %d",
		orders, stats.OrdersPlaced, dups, stats.FaultsInjected, cs.Attempts, cs.Retries, stats.Replays, cs.TokenFetches, stats.Unauthorized)
}

// TestBadSignatureChangesNothing: a forged delivery is refused and nothing
// is ordered.
func TestBadSignatureChangesNothing(t *testing.T) {
	wd := newWorld(t, time.Hour)
	// An order the marketplace will deliver to nobody: disable the endpoint
	// by pointing the connector at a secret the marketplace does not use.
	other, _ := webhook.NewSecret()
	wd.conn.SetSecrets(other)
	id := wd.order(t, wd.m365, 3, map[string]any{"domain": "forged.onmicrosoft.com"})
	body := []byte(fmt.Sprintf(`{"date":"2025-01-01T00:00:00Z","entity":"Subscription","entityUrl":"subscription/%d","id":%d,"type":"CREATED","eventId":1}`, id, id))
	forged, _ := webhook.NewSecret()
	req, _ := http.NewRequest(http.MethodPost, wd.hookURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("CMW-Event-Signature", webhook.SignCMW(forged, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode < 400 {
		t.Fatalf("forged delivery answered %d", res.StatusCode)
	}
	time.Sleep(300 * time.Millisecond) // the marketplace's own deliveries are refused too
	if st := wd.status(t, id); st != "PENDING" {
		t.Fatalf("status %s", st)
	}
	if s := wd.pc.Stats(); s.OrdersPlaced != 0 || s.CustomersCreated != 0 {
		t.Fatalf("forged delivery changed Partner Center: %+v", s)
	}
}

// TestAzurePlanAndUsage: an Azure plan is ordered, its Azure subscription
// recorded, and its daily usage imported once as pay-per-use usage.
func TestAzurePlanAndUsage(t *testing.T) {
	wd := newWorld(t, time.Hour)
	wd.shift.Store(int64(-72 * time.Hour)) // the plan was bought three days ago
	id := wd.order(t, wd.azure, 1, map[string]any{})
	waitStatus(t, wd, id, "DEPLOYED")
	md := wd.metadata(t, id)
	if md[microsoft.MetaAzureSubID] == "" {
		t.Fatalf("metadata %v", md)
	}
	ctx := context.Background()
	// Today's usage is not ready: nothing is imported yet.
	rep, err := wd.conn.ImportUsage(ctx, microsoft.DefaultPrices(), time.Now().Add(-72*time.Hour))
	if err != nil || rep.Records != 0 {
		t.Fatalf("import today: %+v %v", rep, err)
	}
	// Three days later: the day of the order and the two after it, three
	// meters each, once.
	wd.shift.Store(0)
	later := time.Now()
	rep, err = wd.conn.ImportUsage(ctx, microsoft.DefaultPrices(), later)
	if err != nil || rep.Records != 9 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	rep, err = wd.conn.ImportUsage(ctx, microsoft.DefaultPrices(), later)
	if err != nil || rep.Records != 0 {
		t.Fatalf("second import: %+v %v", rep, err)
	}
	var usage struct {
		Items []struct {
			Metric, Quantity string
		} `json:"items"`
	}
	wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/usage?limit=200", id), wd.w.C1.Token, nil, &usage)
	if len(usage.Items) != 9 || usage.Items[0].Metric != "azure_consumption" {
		t.Fatalf("usage %+v", usage)
	}
}
