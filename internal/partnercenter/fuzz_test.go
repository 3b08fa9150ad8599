package partnercenter_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/partnercenter"
)

// fuzzTransport answers the token request properly and every Partner
// Center call with the fuzzer's status, headers and body.
type fuzzTransport struct {
	status     int
	retryAfter string
	body       []byte
}

func (f fuzzTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/oauth2/") {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"access_token":"t","expires_in":"3599","token_type":"Bearer"}`))}, nil
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if f.retryAfter != "" {
		h.Set("Retry-After", f.retryAfter)
	}
	return &http.Response{StatusCode: f.status, Header: h, Body: io.NopCloser(bytes.NewReader(f.body)), Request: r}, nil
}

// FuzzResponses feeds arbitrary Partner Center answers (status, Retry-After,
// body) to the client's calls: it never panics, errors carry a status, and
// every call returns within its (small) budget.
func FuzzResponses(f *testing.F) {
	f.Add(200, "", []byte(`{"id":"s1","offerId":"CFQ7TTC0LH18:0001","quantity":5,"status":"active"}`))
	f.Add(200, "", []byte(`{"totalCount":1,"items":[{"id":"s1","quantity":"x"}],"links":{"next":{"uri":"/v1/next"}}}`))
	f.Add(400, "", []byte(`{"code":800002,"description":"bad","data":[]}`))
	f.Add(429, "1", []byte(`{"code":"TooManyRequests"}`))
	f.Add(503, "-5", []byte("<html>oops</html>"))
	f.Add(204, "", []byte(nil))
	f.Add(200, "", []byte(`{"items":[{"usageStartTime":"not a date","quantity":1e400}]}`))
	f.Add(200, "", []byte(`{"id":"o1","lineItems":[{"lineItemNumber":0,"offerId":"x","quantity":-1,"links":{"provisioningStatus":{"uri":"/v1/x"}}}],"status":"pending","currencySymbol":"€"}`))
	f.Add(200, "", []byte(`{"totalCount":2,"items":[{"productSku":{"id":"s"},"availableUnits":-3,"activeUnits":"many"},{"id":"u1","userPrincipalName":5}]}`))
	f.Add(200, "", []byte(`{"items":[{"invoiceId":"G0","totalCharges":"NaN","chargeStartDate":"x","lineItems":[{"quantity":null}]}],"continuationToken":"t","links":{"next":{"uri":"//evil.invalid/x"}}}`))
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		c, err := partnercenter.New(partnercenter.Config{TenantID: "t", ClientID: "c", ClientSecret: "s",
			BaseURL: "https://pc.invalid", LoginURL: "https://login.invalid", MaxAttempts: 2,
			MinBackoff: time.Microsecond, MaxBackoff: time.Millisecond, MaxRetryAfter: time.Millisecond,
			HTTPClient: &http.Client{Transport: fuzzTransport{status: status, retryAfter: retryAfter, body: body}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = c.GetSubscription(ctx, "customer", "sub")
		_, _ = c.Subscriptions(ctx, "customer")
		_, _ = c.GetCustomer(ctx, "customer")
		_, _ = c.AzureUtilization(ctx, "customer", "sub", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC))
		_, _ = c.FindCustomerByDomain(ctx, "contoso.onmicrosoft.com")
		_, _ = c.DomainExists(ctx, "contoso.onmicrosoft.com")
		_, _ = c.Availabilities(ctx, "CFQ7TTC0LH18", "0001", "IT")
		_, _ = c.AzureEntitlements(ctx, "customer", "plan")
		_, _ = c.GetOrder(ctx, "customer", "order")
		_, _ = c.OrderProvisioningStatus(ctx, "customer", "order")
		_, _ = c.SubscribedSKUs(ctx, "customer")
		_, _ = c.Upgrades(ctx, "customer", "sub")
		_, _ = c.TransitionEligibilities(ctx, "customer", "sub")
		_, _ = c.Transitions(ctx, "customer", "sub")
		_, _ = c.Users(ctx, "customer")
		_, _ = c.RoleMembers(ctx, "customer", "role")
		_, _ = c.Invoices(ctx)
		_, _ = c.InvoiceLineItems(ctx, "invoice")
		_, _ = c.UnbilledLineItems(ctx, "EUR")
		if _, err := c.Checkout(ctx, "customer", "cart"); err != nil && status < 300 && ctx.Err() != nil {
			t.Fatalf("a call outlived its budget: %v", err)
		}
	})
}
