package partnercenter_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/entra"
	pcemu "github.com/mercato-market/mercato/internal/emulator/partnercenter"
	"github.com/mercato-market/mercato/internal/partnercenter"
)

type rig struct {
	em     *entra.Emulator
	pc     *pcemu.Emulator
	client *partnercenter.Client
	shift  *atomic.Int64 // Partner Center's clock runs this far ahead
	pcURL  string
	login  string
}

func newRig(t *testing.T, secret string) *rig {
	t.Helper()
	em, err := entra.New(entra.DemoConfig())
	if err != nil {
		t.Fatal(err)
	}
	es := httptest.NewServer(em.Handler())
	t.Cleanup(es.Close)
	shift := &atomic.Int64{}
	now := func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	v := entra.NewVerifier(em.Keys(), entra.PartnerCenterResource)
	v.Now = now
	pc := pcemu.New(pcemu.Config{Verifier: v, Now: now, Log: slog.New(slog.DiscardHandler)})
	ps := httptest.NewServer(pc.Handler())
	t.Cleanup(ps.Close)
	c, err := partnercenter.New(partnercenter.Config{BaseURL: ps.URL, LoginURL: es.URL, TenantID: entra.DemoTenantID, ClientID: entra.DemoClientID,
		ClientSecret: secret, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{em: em, pc: pc, client: c, shift: shift, pcURL: ps.URL, login: es.URL}
}

func newCustomer(t *testing.T, r *rig, domain string) partnercenter.Customer {
	t.Helper()
	cu, err := r.client.CreateCustomer(context.Background(), partnercenter.NewCustomer{Domain: domain, CompanyName: "Adatum", Email: "it@adatum.example", Address: partnercenter.Address{Country: "US"}})
	if err != nil {
		t.Fatal(err)
	}
	return cu
}

// provisioned checks that a placed order answers pending without its
// subscriptions, and returns it as read again: completed, with them.
func provisioned(t *testing.T, r *rig, customerID string, placed partnercenter.Order) partnercenter.Order {
	t.Helper()
	if placed.Completed() || placed.Status != "pending" || placed.LineItems[0].SubscriptionID != "" {
		t.Fatalf("placed order %+v, want pending without subscriptions", placed)
	}
	o, err := r.client.GetOrder(context.Background(), customerID, placed.ID)
	if err != nil || !o.Completed() || o.LineItems[0].SubscriptionID == "" {
		t.Fatalf("order read again: %+v %v", o, err)
	}
	return o
}

func TestUnauthenticatedAndWrongSecret(t *testing.T) {
	t.Parallel()
	r := newRig(t, "wrong")
	_, err := r.client.GetCustomer(context.Background(), "x")
	var ae *partnercenter.AuthError
	if !errors.As(err, &ae) || ae.Code != "invalid_client" || len(ae.AADSTS) != 1 || ae.AADSTS[0] != 7000215 || partnercenter.IsTemporary(err) {
		t.Fatalf("wrong secret: %v", err)
	}
	resp, err := http.Get(r.pcURL + "/v1/customers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
}

// TestTokenExpiresMidRun: Partner Center's clock passes the token's expiry;
// the client gets 401, fetches a new token and the call succeeds.
func TestTokenExpiresMidRun(t *testing.T) {
	t.Parallel()
	r := newRig(t, entra.DemoClientSecret)
	ctx := context.Background()
	cu := newCustomer(t, r, "expiry.onmicrosoft.com")
	r.shift.Store(int64(2 * time.Hour)) // the cached token is now expired there
	r.em.SetTokenLifetime(3 * time.Hour)
	if _, err := r.client.GetCustomer(ctx, cu.ID); err != nil {
		t.Fatal(err)
	}
	if s := r.client.Stats(); s.TokenFetches != 2 || r.pc.Stats().Unauthorized != 1 {
		t.Fatalf("stats %+v, 401s %d", s, r.pc.Stats().Unauthorized)
	}
}

// TestSubscriptionRules: etags, Microsoft's codes for illegal changes.
func TestSubscriptionRules(t *testing.T) {
	t.Parallel()
	r := newRig(t, entra.DemoClientSecret)
	ctx := context.Background()
	cu := newCustomer(t, r, "rules.onmicrosoft.com")
	o, err := r.client.CreateOrder(ctx, cu.ID, partnercenter.Order{BillingCycle: "monthly", LineItems: []partnercenter.OrderLineItem{{OfferID: pcemu.LegacyBusinessBasicOffer, Quantity: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.client.GetSubscription(ctx, cu.ID, provisioned(t, r, cu.ID, o).LineItems[0].SubscriptionID)
	if err != nil {
		t.Fatal(err)
	}
	stale := s
	s.Quantity = 7
	if s, err = r.client.UpdateSubscription(ctx, cu.ID, s); err != nil || s.Quantity != 7 {
		t.Fatalf("seats: %+v %v", s, err)
	}
	suspended := s
	suspended.Status = "suspended"
	if suspended, err = r.client.UpdateSubscription(ctx, cu.ID, suspended); err != nil {
		t.Fatal(err)
	}
	moreSeats := suspended
	moreSeats.Quantity = 9
	activeDelete := s // still carries the etag before suspension
	activeDelete.Status = "deleted"
	cases := []struct {
		name   string
		sub    partnercenter.Subscription
		status int
		code   string
	}{
		{"stale etag", func() partnercenter.Subscription { x := stale; x.Quantity = 6; return x }(), 412, "412"},
		{"seats of a suspended subscription", moreSeats, 400, "800091"},
		{"stale etag on delete", activeDelete, 412, "412"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.client.UpdateSubscription(ctx, cu.ID, tc.sub)
			var pe *partnercenter.Error
			if !errors.As(err, &pe) || pe.Status != tc.status || pe.Code != tc.code || pe.Description == "" {
				t.Fatalf("got %v", err)
			}
		})
	}
	// New commerce: seats cannot decrease after the cancellation window.
	avs, err := r.client.Availabilities(ctx, pcemu.BusinessStandardProduct, "0001", "US")
	if err != nil || len(avs) != 1 {
		t.Fatalf("availabilities %v %v", avs, err)
	}
	cart, err := r.client.CreateCart(ctx, cu.ID, partnercenter.Cart{LineItems: []partnercenter.CartLineItem{{CatalogItemID: avs[0].CatalogItemID, Quantity: 4, BillingCycle: "monthly", TermDuration: "P1Y"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.client.Checkout(ctx, cu.ID, cart.ID)
	if err != nil || len(res.Orders) != 1 {
		t.Fatalf("checkout %+v %v", res, err)
	}
	ncID := provisioned(t, r, cu.ID, res.Orders[0]).LineItems[0].SubscriptionID
	r.shift.Store(int64(8 * 24 * time.Hour))
	r.em.SetTokenLifetime(10 * 24 * time.Hour)
	nc, err := r.client.GetSubscription(ctx, cu.ID, ncID)
	if err != nil {
		t.Fatal(err)
	}
	nc.Quantity = 2
	var pe *partnercenter.Error
	if _, err := r.client.UpdateSubscription(ctx, cu.ID, nc); !errors.As(err, &pe) || pe.Code != "800090" {
		t.Fatalf("decrease after the window: %v", err)
	}
}

// TestRetriesAndIdempotency: a 429 with Retry-After and a dropped
// connection after the commit are retried under the same MS-RequestId, and
// one order results.
func TestRetriesAndIdempotency(t *testing.T) {
	t.Parallel()
	r := newRig(t, entra.DemoClientSecret)
	ctx := context.Background()
	cu := newCustomer(t, r, "retry.onmicrosoft.com")
	r.pc.InjectFault(pcemu.Fault{Kind: pcemu.FaultThrottle, Count: 2, RetryAfter: time.Second})
	r.pc.InjectFault(pcemu.Fault{Kind: pcemu.FaultDropAfterCommit, Method: "POST", Path: "/v1/customers/*/orders", Count: 2})
	o, err := r.client.CreateOrder(ctx, cu.ID, partnercenter.Order{BillingCycle: "monthly", LineItems: []partnercenter.OrderLineItem{{OfferID: pcemu.LegacyBusinessBasicOffer, Quantity: 1}}})
	if err != nil || o.ID == "" {
		t.Fatalf("order %+v %v", o, err)
	}
	if n := len(r.pc.Orders(cu.ID)); n != 1 {
		t.Fatalf("%d orders", n)
	}
	if s := r.pc.Stats(); s.Replays != 2 {
		t.Fatalf("replays %d", s.Replays)
	}
	// A permanent refusal is not retried.
	before := r.client.Stats().Attempts
	_, err = r.client.CreateOrder(ctx, cu.ID, partnercenter.Order{BillingCycle: "monthly", LineItems: []partnercenter.OrderLineItem{{OfferID: "NO-SUCH-OFFER", Quantity: 1}}})
	var pe *partnercenter.Error
	if !errors.As(err, &pe) || pe.Status != 400 || partnercenter.IsTemporary(err) || r.client.Stats().Attempts-before != 1 {
		t.Fatalf("permanent: %v", err)
	}
}

// TestUtilizationPagingAndNotReady: 204 + Retry-After before a day is
// over, deterministic records after, followed across pages.
func TestUtilizationPagingAndNotReady(t *testing.T) {
	t.Parallel()
	r := newRig(t, entra.DemoClientSecret)
	ctx := context.Background()
	cu := newCustomer(t, r, "azureuse.onmicrosoft.com")
	avs, err := r.client.Availabilities(ctx, pcemu.AzurePlanProduct, "0001", "US")
	if err != nil {
		t.Fatal(err)
	}
	cart, err := r.client.CreateCart(ctx, cu.ID, partnercenter.Cart{LineItems: []partnercenter.CartLineItem{{CatalogItemID: avs[0].CatalogItemID, Quantity: 1, BillingCycle: "monthly"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.client.Checkout(ctx, cu.ID, cart.ID)
	if err != nil {
		t.Fatal(err)
	}
	plan := provisioned(t, r, cu.ID, res.Orders[0]).LineItems[0].SubscriptionID
	ents, err := r.client.AzureEntitlements(ctx, cu.ID, plan)
	if err != nil || len(ents) != 1 {
		t.Fatalf("entitlements %v %v", ents, err)
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	var nr *partnercenter.NotReadyError
	if _, err := r.client.AzureUtilization(ctx, cu.ID, ents[0].SubscriptionID, day, day.Add(24*time.Hour)); !errors.As(err, &nr) || nr.RetryAfter != time.Minute {
		t.Fatalf("not ready: %v", err)
	}
	r.shift.Store(int64(30 * 24 * time.Hour))
	r.em.SetTokenLifetime(40 * 24 * time.Hour)
	recs, err := r.client.AzureUtilization(ctx, cu.ID, ents[0].SubscriptionID, day, day.Add(30*24*time.Hour))
	if err != nil || len(recs) != 90 { // 30 days × 3 meters
		t.Fatalf("records %d %v", len(recs), err)
	}
	if recs[0].Quantity != pcemu.UsageQuantity(ents[0].SubscriptionID, day, 0) {
		t.Fatalf("not deterministic: %v", recs[0].Quantity)
	}
}
