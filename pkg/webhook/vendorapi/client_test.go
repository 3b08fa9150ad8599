package vendorapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook/vendorapi"
)

var ctx = context.Background()

// The recorded world: vendor A's user and token, C1's subscription 1.
const (
	token       = "test-token-vendora-0123456789abcdef"
	vendorEmail = "admin@vendora.test"
	otherEmail  = "admin@vendorb.test"
)

var epoch = time.Date(2026, time.February, 10, 9, 0, 0, 0, time.UTC)

func newClient(t *testing.T, base string, c vendorapi.Credentials) *vendorapi.Client {
	t.Helper()
	cl, err := vendorapi.New(base, c)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func wantAPIError(t *testing.T, err error, status int, sentinel error, holder vendorapi.ErrorHolder) {
	t.Helper()
	if holder.ExtraFields == nil {
		holder.ExtraFields = map[string]any{} // the server always sends extraFields, as Cloudesire's ErrorResponseEntry does
	}
	var ae *vendorapi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T), want *vendorapi.Error", err, err)
	}
	if ae.StatusCode != status || !errors.Is(err, sentinel) || len(ae.Holders) != 1 || !reflect.DeepEqual(ae.Holders[0], holder) {
		t.Fatalf("error %#v, want %d %+v", ae, status, holder)
	}
}

// TestRecordedExchanges sends the requests of the recording and checks that
// each is exactly the recorded one (the replay answers nothing else) and
// that the answers read as they should.
func TestRecordedExchanges(t *testing.T) {
	rp := newReplay()
	defer rp.Close()
	base := rp.URL + "/api" // no final slash: New adds it
	vendor := newClient(t, base, vendorapi.Credentials{Token: token})
	basic := newClient(t, base, vendorapi.Credentials{Token: token, User: vendorEmail, Basic: true})
	wrongUser := newClient(t, base, vendorapi.Credentials{Token: token, User: otherEmail})

	me, err := vendor.Me(ctx)
	wantMe := vendorapi.User{ID: 2, Self: "user/2", Email: vendorEmail, UserName: vendorEmail, UserRole: "ROLE_VENDOR",
		Company: &vendorapi.Ref{URL: "company/2"}, Enabled: true, Activated: true, CreationDate: epoch}
	if err != nil || !reflect.DeepEqual(me, wantMe) {
		t.Fatalf("Me: %+v %v", me, err)
	}
	if me, err := basic.Me(ctx); err != nil || me.ID != 2 {
		t.Fatalf("Me with Basic: %+v %v", me, err)
	}
	_, err = wrongUser.Me(ctx)
	wantAPIError(t, err, 401, vendorapi.ErrUnauthorized, vendorapi.ErrorHolder{Key: "unauthorized", Error: "the token does not belong to " + otherEmail})

	sub, err := vendor.Subscription(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	periodEnd := epoch.AddDate(0, 1, 0)
	wantSub := vendorapi.Subscription{ID: 1, Self: "subscription/1", Name: "Product A - Seats", CreatedAt: epoch, UpdatedAt: epoch, StartDate: epoch,
		EndDate: periodEnd, BillingPeriodStart: &epoch, BillingPeriodEnd: &periodEnd, DeploymentStatus: vendorapi.StatusPending, Paid: true, AutoRenew: true,
		Type: vendorapi.TypeNormal, BillingPeriod: 1, Product: &vendorapi.Ref{URL: "product/1"}, ProductVersion: &vendorapi.Ref{URL: "productVersion/1"},
		Company: &vendorapi.Ref{URL: "company/8"}, Buyer: &vendorapi.Ref{URL: "user/8"}, Endpoints: []vendorapi.Endpoint{},
		BillingItems: []vendorapi.BillingItem{{BillingItem: &vendorapi.Ref{URL: "billingItem/10000"}, Identifier: "seat", Unit: "seat", Value: "3", Bought: true,
			Tag: "seat", Unlimited: true}},
		Orders: []vendorapi.Ref{{URL: "order/1"}}, Invoices: []vendorapi.Ref{}, Credentials: []vendorapi.SubscriptionCredential{},
		ConfigurationParameters: []vendorapi.ConfigurationValue{{ConfigurationParameter: &vendorapi.Ref{URL: "configurationParameter/13603"}, Code: "subdomain", Value: "acme"}},
		BillingItemValues:       []vendorapi.BillingItemValue{{Item: &vendorapi.Ref{URL: "billingItem/10000"}, Start: 1, Price: "10"}}}
	if !reflect.DeepEqual(sub, wantSub) {
		t.Fatalf("Subscription:\n got %+v\nwant %+v", sub, wantSub)
	}
	if !sub.ReadyToProvision() || sub.BillingItems[0].Quantity() != 3 {
		t.Error("a paid PENDING subscription of 3 seats is not ready to provision")
	}
	if v, ok := sub.Parameter("subdomain"); !ok || v != "acme" {
		t.Errorf("Parameter: %q %v", v, ok)
	}
	_, err = vendor.Subscription(ctx, 1001)
	wantAPIError(t, err, 404, vendorapi.ErrNotFound, vendorapi.ErrorHolder{Key: "notFound", Error: "subscription 1001 not found"})

	_, err = vendor.SetEndpoints(ctx, 1, []vendorapi.Endpoint{{Endpoint: "http://acme.example/", Category: vendorapi.CategoryApp}})
	wantAPIError(t, err, 400, vendorapi.ErrBadRequest, vendorapi.ErrorHolder{Key: "endpoints[0].endpoint", Error: "must be an https URL"})
	if got := err.Error(); got != "vendorapi: POST subscription/1/endpoints: 400 Bad Request: endpoints[0].endpoint: must be an https URL" {
		t.Errorf("Error() = %q", got)
	}
	eps := []vendorapi.Endpoint{
		{Endpoint: "https://acme.crm.example/", Description: "Your CRM", Category: vendorapi.CategoryApp},
		{Endpoint: "https://acme.crm.example/reset", Description: "Reset your password", Category: vendorapi.CategoryPasswordReset},
	}
	if got, err := vendor.SetEndpoints(ctx, 1, eps); err != nil || !reflect.DeepEqual(got, eps) {
		t.Fatalf("SetEndpoints: %+v %v", got, err)
	}
	ins := map[string]string{"en": "Sign in as admin.", "it": "Accedi come admin."}
	if got, err := vendor.SetInstructions(ctx, 1, ins); err != nil || !reflect.DeepEqual(got, ins) {
		t.Fatalf("SetInstructions: %v %v", got, err)
	}
	cred := vendorapi.Credential{Key: "admin_password", Value: "s3cret-value", Description: map[string]string{"en": "Password of admin"}, Weight: 1}
	got, err := vendor.AddCredentials(ctx, 1, []vendorapi.Credential{cred})
	shown := vendorapi.SubscriptionCredential{Key: cred.Key, Description: "Password of admin", Weight: 1} // no value: not shown to the vendor again
	if err != nil || !reflect.DeepEqual(got, []vendorapi.SubscriptionCredential{shown}) {
		t.Fatalf("AddCredentials: %+v %v", got, err)
	}
	sub, err = vendor.SetDeploymentStatus(ctx, 1, vendorapi.StatusDeployed)
	if err != nil || sub.DeploymentStatus != vendorapi.StatusDeployed || !reflect.DeepEqual(sub.Endpoints, eps) || sub.EndUserInstructions != ins["en"] ||
		len(sub.Credentials) != 1 || sub.Credentials[0].Value != "" || sub.ReadyToProvision() {
		t.Fatalf("SetDeploymentStatus: %+v %v", sub, err)
	}
	_, err = vendor.SetDeploymentStatus(ctx, 1, vendorapi.StatusPending)
	wantAPIError(t, err, 400, vendorapi.ErrBadRequest, vendorapi.ErrorHolder{Key: "conflict", Error: "cannot move a subscription from DEPLOYED to PENDING"})

	page, err := vendor.Subscriptions(ctx, vendorapi.ListOptions{PageSize: 1})
	if err != nil || page.Page != 1 || page.PageSize != 1 || page.TotalItems != 2 || page.TotalPages != 2 || len(page.Subscriptions) != 1 ||
		page.Subscriptions[0].ID != 1 || page.Subscriptions[0].DeploymentStatus != vendorapi.StatusDeployed {
		t.Fatalf("Subscriptions: %+v %v", page, err)
	}
	page, err = vendor.Subscriptions(ctx, vendorapi.ListOptions{Page: 2, PageSize: 1})
	if err != nil || page.Page != 2 || len(page.Subscriptions) != 1 || page.Subscriptions[0].ID != 2 || !page.Subscriptions[0].ReadyToProvision() {
		t.Fatalf("Subscriptions page 2: %+v %v", page, err)
	}
	if v, _ := page.Subscriptions[0].Parameter("subdomain"); v != "beta" {
		t.Errorf("page 2 subdomain %q", v)
	}
	page, err = vendor.Subscriptions(ctx, vendorapi.ListOptions{DeploymentStatus: vendorapi.StatusDeployed, ProductID: 1})
	if err != nil || page.TotalItems != 1 || page.PageSize != 20 || page.Subscriptions[0].ID != 1 {
		t.Fatalf("Subscriptions DEPLOYED: %+v %v", page, err)
	}
	page, err = vendor.ExpiringSubscriptions(ctx, 30, vendorapi.ListOptions{})
	if err != nil || page.TotalItems != 1 || page.Subscriptions[0].ID != 1 || !page.Subscriptions[0].EndDate.Equal(epoch.AddDate(0, 1, 0)) {
		t.Fatalf("ExpiringSubscriptions: %+v %v", page, err)
	}
	page, err = vendor.ExpiringSubscriptions(ctx, 7, vendorapi.ListOptions{})
	if err != nil || page.TotalItems != 0 || page.TotalPages != 0 || page.Subscriptions == nil || len(page.Subscriptions) != 0 {
		t.Fatalf("ExpiringSubscriptions within 7 days: %+v %v", page, err)
	}

	var product struct {
		Name      string        `json:"name"`
		Type      string        `json:"type"`
		Published *time.Time    `json:"published"`
		Company   vendorapi.Ref `json:"company"`
	}
	if err := vendor.Do(ctx, http.MethodGet, "/product/1", nil, &product); err != nil || product.Name != "Product A" || product.Type != "SYNDICATED" ||
		product.Published == nil || !product.Published.Equal(epoch) {
		t.Fatalf("Do: %+v %v", product, err)
	}

	if len(rp.misses) > 0 {
		t.Errorf("requests not in the recording (the client changed what it sends; rerun the main module's TestVendorAPIClient with -update if that is meant):\n%s", strings.Join(rp.misses, "\n"))
	}
	if u := rp.unused(); len(u) > 0 {
		t.Errorf("recorded calls never made: %v", u)
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		base  string
		creds vendorapi.Credentials
		want  string
	}{
		{"ftp://x/api/", vendorapi.Credentials{Token: "t"}, "want http(s)://host/api/"},
		{"/api/", vendorapi.Credentials{Token: "t"}, "want http(s)://host/api/"},
		{"https://x/api/?a=1", vendorapi.Credentials{Token: "t"}, "no query"},
		{"https://x/api/", vendorapi.Credentials{}, "no token"},
		{"https://x/api/", vendorapi.Credentials{Token: "t", Basic: true}, "needs the user's email"},
	} {
		if _, err := vendorapi.New(tc.base, tc.creds); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %+v) = %v, want %q", tc.base, tc.creds, err, tc.want)
		}
	}
	c := newClient(t, "https://x/api/", vendorapi.Credentials{Token: "t"})
	if err := c.Do(ctx, http.MethodGet, "https://elsewhere.example/steal", nil, nil); err == nil {
		t.Error("Do follows an absolute URL away from the API base")
	}
}

// An answer that is not a Cloudesire error body (a proxy in front of the
// marketplace, say) keeps its text; a cancelled context stops the call.
func TestOtherAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/slow" {
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>bad gateway</html>"))
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/api/", vendorapi.Credentials{Token: "t"})
	_, err := c.Subscription(ctx, 7)
	var ae *vendorapi.Error
	if !errors.As(err, &ae) || ae.StatusCode != 502 || ae.Body != "<html>bad gateway</html>" || len(ae.Holders) != 0 || errors.Is(err, vendorapi.ErrNotFound) {
		t.Fatalf("502: %#v", err)
	}
	if err.Error() != "vendorapi: GET subscription/7: 502 Bad Gateway: <html>bad gateway</html>" {
		t.Errorf("Error() = %q", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := c.Do(cctx, http.MethodGet, "slow", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow: %v, want the context's deadline", err)
	}
}

func TestRef(t *testing.T) {
	if id, err := (&vendorapi.Ref{URL: "productVersion/12"}).ID(); err != nil || id != 12 {
		t.Errorf("ID = %d %v", id, err)
	}
	for _, r := range []*vendorapi.Ref{nil, {URL: "product/"}, {URL: "billingItem/seat"}} {
		if _, err := r.ID(); err == nil {
			t.Errorf("%+v: no error", r)
		}
	}
	trial := vendorapi.Subscription{DeploymentStatus: vendorapi.StatusPending, Type: vendorapi.TypeTrial}
	unpaid := vendorapi.Subscription{DeploymentStatus: vendorapi.StatusPending, Type: vendorapi.TypeNormal}
	if !trial.ReadyToProvision() || unpaid.ReadyToProvision() {
		t.Error("ReadyToProvision: a trial skips payment, a normal order waits for it")
	}
}
