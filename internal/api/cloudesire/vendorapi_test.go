package cloudesire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/pkg/webhook/vendorapi"
)

// The recording of this test's exchanges with the real handler is what the
// pkg/webhook module (which cannot import this one) replays to test the
// client's exact requests and its reading of the answers.
var update = flag.Bool("update", false, "rewrite pkg/webhook/vendorapi/testdata/mercato.json from the real handler")

const recordingFile = "../../../pkg/webhook/vendorapi/testdata/mercato.json"

// exchange is one recorded request and answer; the same shape is read by
// pkg/webhook/vendorapi's replay test.
type exchange struct {
	Call     string `json:"call"`
	Request  record `json:"request"`
	Response record `json:"response"`
}

type record struct {
	Method string            `json:"method,omitempty"`
	Path   string            `json:"path,omitempty"` // with the query
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header"`
	Body   string            `json:"body"`
}

// answerHeaders are the answer headers recorded (Date and lengths vary).
var answerHeaders = []string{"Content-Type", "WWW-Authenticate", "Allow", "CMW-PageNumber", "CMW-PageSize", "CMW-TotalItems", "CMW-TotalPages"}

// recorder is the client's transport: it sends each request to the real
// server and records it with its answer.
type recorder struct {
	call string
	got  []exchange
}

func (rc *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	ex := exchange{Call: rc.call, Request: record{Method: req.Method, Path: req.URL.RequestURI(), Header: map[string]string{}, Body: string(body)}}
	for k := range req.Header {
		ex.Request.Header[k] = req.Header.Get(k)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	ex.Response = record{Status: res.StatusCode, Header: map[string]string{}, Body: string(raw)}
	for _, k := range answerHeaders {
		if v := res.Header.Get(k); v != "" {
			ex.Response.Header[k] = v
		}
	}
	rc.got = append(rc.got, ex)
	return res, nil
}

// TestVendorAPIClient drives the real Cloudesire-compatible handler with
// pkg/webhook/vendorapi's client over loopback, on both engines, through a
// vendor's whole provisioning; on SQLite it also checks (or, with -update,
// rewrites) the recording the client's own module replays.
func TestVendorAPIClient(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			st := storetest.Open(t, engine)
			st.Now = func() time.Time { return storetest.Epoch } // a fixed clock: the recording holds dates
			w := storetest.NewWorld(t, st)
			srv := httptest.NewServer(app.NewAPI(st, slog.New(slog.DiscardHandler)))
			t.Cleanup(srv.Close)
			o, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 3, Configuration: map[string]any{"subdomain": "acme"}})
			if err != nil {
				t.Fatal(err)
			}
			id := o.SubscriptionID
			_, err = app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1, Configuration: map[string]any{"subdomain": "beta"}})
			if err != nil {
				t.Fatal(err)
			}

			rec := &recorder{}
			hc := &http.Client{Transport: rec}
			client := func(c vendorapi.Credentials) *vendorapi.Client {
				t.Helper()
				cl, err := vendorapi.New(srv.URL+"/api", c, vendorapi.WithHTTPClient(hc))
				if err != nil {
					t.Fatal(err)
				}
				return cl
			}
			vendor := client(vendorapi.Credentials{Token: w.VendorA.Token})
			basic := client(vendorapi.Credentials{Token: w.VendorA.Token, User: w.VendorA.User.Email, Basic: true})
			wrongUser := client(vendorapi.Credentials{Token: w.VendorA.Token, User: w.VendorB.User.Email})
			step := func(name string) { rec.call = name }
			wantErr := func(err error, status int, sentinel error, key string) {
				t.Helper()
				var ae *vendorapi.Error
				if !errors.As(err, &ae) || ae.StatusCode != status || !errors.Is(err, sentinel) || len(ae.Holders) == 0 || ae.Holders[0].Key != key || ae.Holders[0].Error == "" {
					t.Fatalf("%s: error %#v, want %d with key %s", rec.call, err, status, key)
				}
			}

			step("Me")
			me, err := vendor.Me(ctx)
			if err != nil || me.ID != w.VendorA.User.ID || me.Email != w.VendorA.User.Email || me.UserRole != "ROLE_VENDOR" || !me.CreationDate.Equal(storetest.Epoch) {
				t.Fatalf("me %+v %v", me, err)
			}
			if org, err := me.Company.ID(); err != nil || org != w.VendorA.Org.ID {
				t.Fatalf("company %v %v", org, err)
			}
			step("Me with Basic")
			if me, err := basic.Me(ctx); err != nil || me.ID != w.VendorA.User.ID {
				t.Fatalf("basic me %+v %v", me, err)
			}
			step("Me as another user")
			_, err = wrongUser.Me(ctx)
			wantErr(err, http.StatusUnauthorized, vendorapi.ErrUnauthorized, "unauthorized")

			step("Subscription")
			sub, err := vendor.Subscription(ctx, id)
			if err != nil || sub.ID != id || !sub.ReadyToProvision() || sub.Type != vendorapi.TypeNormal || !sub.StartDate.Equal(storetest.Epoch) {
				t.Fatalf("subscription %+v %v", sub, err)
			}
			if v, ok := sub.Parameter("subdomain"); !ok || v != "acme" {
				t.Fatalf("subdomain %q %v", v, ok)
			}
			if pv, err := sub.ProductVersion.ID(); err != nil || pv != w.PlanA.ID || len(sub.BillingItems) != 1 || sub.BillingItems[0].Quantity() != 3 {
				t.Fatalf("plan %d %v, billing items %+v", pv, err, sub.BillingItems)
			}
			step("Subscription not found")
			_, err = vendor.Subscription(ctx, id+1000)
			wantErr(err, http.StatusNotFound, vendorapi.ErrNotFound, "notFound")

			step("SetEndpoints refused")
			_, err = vendor.SetEndpoints(ctx, id, []vendorapi.Endpoint{{Endpoint: "http://acme.example/", Category: vendorapi.CategoryApp}})
			var ae *vendorapi.Error
			if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !errors.Is(err, vendorapi.ErrBadRequest) {
				t.Fatalf("http endpoint: %v", err)
			}
			step("SetEndpoints")
			eps, err := vendor.SetEndpoints(ctx, id, []vendorapi.Endpoint{
				{Endpoint: "https://acme.crm.example/", Description: "Your CRM", Category: vendorapi.CategoryApp},
				{Endpoint: "https://acme.crm.example/reset", Description: "Reset your password", Category: vendorapi.CategoryPasswordReset},
			})
			if err != nil || len(eps) != 2 || eps[0].Category != vendorapi.CategoryApp {
				t.Fatalf("endpoints %+v %v", eps, err)
			}
			step("SetInstructions")
			ins, err := vendor.SetInstructions(ctx, id, map[string]string{"en": "Sign in as admin.", "it": "Accedi come admin."})
			if err != nil || ins["it"] != "Accedi come admin." {
				t.Fatalf("instructions %v %v", ins, err)
			}
			step("AddCredentials")
			creds, err := vendor.AddCredentials(ctx, id, []vendorapi.Credential{{Key: "admin_password", Value: "s3cret-value", Description: map[string]string{"en": "Password of admin"}, Weight: 1}})
			if err != nil || len(creds) != 1 || creds[0].Key != "admin_password" || creds[0].Value != "" || creds[0].Description != "Password of admin" {
				t.Fatalf("credentials %+v %v", creds, err)
			}
			step("SetDeploymentStatus")
			sub, err = vendor.SetDeploymentStatus(ctx, id, vendorapi.StatusDeployed)
			if err != nil || sub.DeploymentStatus != vendorapi.StatusDeployed || len(sub.Endpoints) != 2 || sub.EndUserInstructions != "Sign in as admin." {
				t.Fatalf("deployed %+v %v", sub, err)
			}
			step("SetDeploymentStatus refused")
			_, err = vendor.SetDeploymentStatus(ctx, id, vendorapi.StatusPending)
			wantErr(err, http.StatusBadRequest, vendorapi.ErrBadRequest, "conflict")
			step("Subscriptions, first page of one")
			page, err := vendor.Subscriptions(ctx, vendorapi.ListOptions{PageSize: 1})
			if err != nil || page.TotalItems != 2 || page.TotalPages != 2 || page.Page != 1 || page.PageSize != 1 || len(page.Subscriptions) != 1 {
				t.Fatalf("page %+v %v", page, err)
			}
			step("Subscriptions, second page")
			page2, err := vendor.Subscriptions(ctx, vendorapi.ListOptions{Page: 2, PageSize: 1})
			if err != nil || len(page2.Subscriptions) != 1 || page2.Subscriptions[0].ID == page.Subscriptions[0].ID {
				t.Fatalf("page 2 %+v %v", page2, err)
			}
			step("Subscriptions DEPLOYED of product A")
			page, err = vendor.Subscriptions(ctx, vendorapi.ListOptions{DeploymentStatus: vendorapi.StatusDeployed, ProductID: w.ProductA.ID})
			if err != nil || page.TotalItems != 1 || page.Subscriptions[0].ID != id {
				t.Fatalf("deployed %+v %v", page, err)
			}
			step("ExpiringSubscriptions")
			// Live ones (DEPLOYED, STOPPED) ending within 30 days: the first
			// ends a month after the fixed clock's 10 February.
			page, err = vendor.ExpiringSubscriptions(ctx, 30, vendorapi.ListOptions{})
			if err != nil || page.TotalItems != 1 || page.Subscriptions[0].ID != id {
				t.Fatalf("expiring %+v %v", page, err)
			}
			step("ExpiringSubscriptions, none within a week")
			page, err = vendor.ExpiringSubscriptions(ctx, 7, vendorapi.ListOptions{})
			if err != nil || page.TotalItems != 0 || len(page.Subscriptions) != 0 {
				t.Fatalf("expiring within 7 days %+v %v", page, err)
			}
			step("Do product")
			var product struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			}
			if err := vendor.Do(ctx, http.MethodGet, fmt.Sprintf("product/%d", w.ProductA.ID), nil, &product); err != nil || product.ID != w.ProductA.ID {
				t.Fatalf("product %+v %v", product, err)
			}

			// What the client did is in the store.
			d, err := st.SubscriptionDetail(ctx, w.C1.Principal, id)
			if err != nil || d.Status != subscription.Deployed || len(d.Credentials) != 1 || d.Credentials[0].Value != "s3cret-value" {
				t.Fatalf("stored %+v %v", d, err)
			}

			if engine == store.SQLite {
				checkRecording(t, rec.got)
			}
		})
	}
}

func checkRecording(t *testing.T, got []exchange) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ") // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile(recordingFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(recordingFile)
	if err != nil {
		t.Fatalf("%v: run go test ./internal/api/cloudesire/ -run TestVendorAPIClient -update", err)
	}
	if !bytes.Equal(old, data) {
		t.Fatalf("the real handler no longer answers as %s records (or the client asks otherwise): check the change, then rerun with -update and run pkg/webhook's tests\n%s", recordingFile, data)
	}
}
