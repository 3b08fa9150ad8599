package partnercenter_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	pcemu "github.com/mercato-market/mercato/internal/emulator/partnercenter"
)

// server is the emulator on loopback, its clock moved by hand.
type server struct {
	t     *testing.T
	url   string
	em    *pcemu.Emulator
	shift atomic.Int64
}

func newServer(t *testing.T, delay time.Duration) *server {
	t.Helper()
	s := &server{t: t}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.em = pcemu.New(pcemu.Config{Log: slog.New(slog.DiscardHandler), ProvisioningDelay: delay,
		Now: func() time.Time { return start.Add(time.Duration(s.shift.Load())) }})
	srv := httptest.NewServer(s.em.Handler())
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// call sends body (raw JSON text) with an MS-RequestId (when not empty)
// and decodes the answer into out.
func (s *server) call(method, path, requestID, body string, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if requestID != "" {
		req.Header.Set("MS-RequestId", requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

// The documented request bodies (PascalCase names, null for what the
// partner leaves out, attributes objects), written afresh in their shape.
const (
	docCustomer = `{"Id": null, "CommerceId": null,
 "CompanyProfile": {"TenantId": null, "Domain": "%s", "CompanyName": null, "Address": null, "Email": null,
   "Attributes": {"Etag": null, "ObjectType": "CustomerCompanyProfile"}},
 "BillingProfile": {"Id": null, "FirstName": null, "LastName": null, "Email": "buyer@example.org", "Culture": "IT-IT", "Language": "It",
   "CompanyName": "Officina Verdi", "DefaultAddress": {"Country": "IT", "Region": null, "City": "Torino", "State": "TO",
   "AddressLine1": "Corso Francia 3", "AddressLine2": null, "PostalCode": "10138", "FirstName": "Anna", "LastName": "Verdi", "PhoneNumber": "0110000000"},
   "Attributes": {"Etag": null, "ObjectType": "CustomerBillingProfile"}},
 "RelationshipToPartner": "none", "AllowDelegatedAccess": null, "UserCredentials": null, "CustomDomains": null,
 "Attributes": {"Etag": null, "ObjectType": "Customer"}}`
	docOrder = `{"Id": null, "ReferenceCustomerId": "%s", "BillingCycle": "Monthly",
 "LineItems": [{"LineItemNumber": 0, "OfferId": "` + pcemu.LegacyBusinessBasicOffer + `", "SubscriptionId": null, "ParentSubscriptionId": null,
   "FriendlyName": "Mail for the office", "Quantity": 3, "PartnerIdOnRecord": null}],
 "CreationDate": null, "Attributes": {"Etag": null, "ObjectType": "Order"}}`
	docCart = `{"Id": null, "CreationTimestamp": null, "LastModifiedTimestamp": null, "ExpirationTimestamp": null, "LastModifiedUser": null,
 "LineItems": [{"Id": 0, "CatalogItemId": "%s", "FriendlyName": "Seats", "Quantity": 4, "BillingCycle": "Monthly", "TermDuration": "P1Y",
   "ProvisioningContext": {}, "OrderGroup": null}], "Status": null}`
	docUser = `{"usageLocation": "it", "userPrincipalName": "%s", "firstName": "Luca", "lastName": "Neri", "displayName": "Luca Neri",
 "passwordProfile": {"forceChangePassword": true, "password": "Temp-Passw0rd!"}, "attributes": {"objectType": "CustomerUser"}}`
)

// TestDocumentedExamples: the documented bodies are accepted as Partner
// Center accepts them, and orders complete asynchronously.
func TestDocumentedExamples(t *testing.T) {
	s := newServer(t, 90*time.Second)
	var cu pcemu.Customer
	if code := s.call("POST", "/v1/customers", "", jsonf(docCustomer, "officinaverdi.onmicrosoft.com"), &cu); code != http.StatusCreated {
		t.Fatalf("documented customer: %d %+v", code, cu)
	}
	if bp := cu.BillingProfile; bp.CompanyName != "Officina Verdi" || bp.DefaultAddress.Country != "IT" || bp.DefaultAddress.City != "Torino" || cu.UserCredentials == nil {
		t.Fatalf("customer %+v", cu)
	}

	// A legacy order: pending in the answer, with its links; completed
	// only once provisioned.
	var placed pcemu.Order
	if code := s.call("POST", "/v1/customers/"+cu.ID+"/orders", "", jsonf(docOrder, cu.ID), &placed); code != http.StatusCreated {
		t.Fatalf("documented order: %d", code)
	}
	if placed.Status != "pending" || placed.LineItems[0].SubscriptionID != "" || placed.AlternateID == "" || placed.TransactionType != "UserPurchase" ||
		placed.CurrencySymbol != "€" || placed.Links == nil || placed.Links.ProvisioningStatus == nil ||
		placed.Links.ProvisioningStatus.URI != "/customers/"+cu.ID+"/orders/"+placed.ID+"/provisioningstatus" || placed.Links.Self.URI != "/customers/"+cu.ID+"/orders/"+placed.ID {
		t.Fatalf("placed order %+v", placed)
	}
	var status struct {
		Items []pcemu.OrderLineItemProvisioningStatus `json:"items"`
	}
	s.call("GET", "/v1"+placed.Links.ProvisioningStatus.URI, "", "", &status)
	if len(status.Items) != 1 || status.Items[0].Status != "pending" {
		t.Fatalf("provisioning status %+v", status)
	}
	var subs struct{ Items []pcemu.Subscription }
	if s.call("GET", "/v1/customers/"+cu.ID+"/subscriptions", "", "", &subs); len(subs.Items) != 0 {
		t.Fatalf("subscriptions of a pending order: %+v", subs.Items)
	}
	s.shift.Store(int64(90 * time.Second))
	var read pcemu.Order
	s.call("GET", "/v1"+placed.Links.Self.URI, "", "", &read)
	s.call("GET", "/v1"+placed.Links.ProvisioningStatus.URI, "", "", &status)
	if read.Status != "completed" || read.LineItems[0].SubscriptionID == "" || status.Items[0].Status != "fulfilled" {
		t.Fatalf("order after provisioning %+v, status %+v", read, status)
	}
	if s.call("GET", "/v1/customers/"+cu.ID+"/subscriptions", "", "", &subs); len(subs.Items) != 1 || subs.Items[0].FriendlyName != "Mail for the office" {
		t.Fatalf("subscriptions once provisioned: %+v", subs.Items)
	}

	// A new-commerce cart with its documented nulls and mixed-case cycle.
	var cart pcemu.Cart
	if code := s.call("POST", "/v1/customers/"+cu.ID+"/carts", "", jsonf(docCart, pcemu.BusinessBasicProduct+":0001:CFQ7TTC0K5DM"), &cart); code != http.StatusCreated ||
		len(cart.LineItems) != 1 || cart.LineItems[0].Error != nil {
		t.Fatalf("documented cart: %d %+v", code, cart)
	}
	var res pcemu.CartCheckoutResult
	if code := s.call("POST", "/v1/customers/"+cu.ID+"/carts/"+cart.ID+"/checkout", "", "", &res); code != http.StatusCreated || len(res.Orders) != 1 || res.Orders[0].Status != "pending" {
		t.Fatalf("checkout: %d %+v", code, res)
	}

	// A customer user, documented shape.
	var u pcemu.CustomerUser
	if code := s.call("POST", "/v1/customers/"+cu.ID+"/users", "", jsonf(docUser, "luca@officinaverdi.onmicrosoft.com"), &u); code != http.StatusCreated ||
		u.ID == "" || u.UsageLocation != "IT" || u.PasswordProfile != nil {
		t.Fatalf("documented user: %d %+v", code, u)
	}
}

func jsonf(format string, v string) string { return strings.Replace(format, "%s", v, 1) }

// TestRefusedRequestNotRemembered: a request refused for its body may be
// sent again, corrected, under the same MS-RequestId; a request that
// succeeded is replayed, and a different body under its id is a conflict.
func TestRefusedRequestNotRemembered(t *testing.T) {
	s := newServer(t, 0)
	const id = "4f1c6c52-9d1e-4f57-9a43-0d6b1f6c1a01"
	var e pcemu.Error
	if code := s.call("POST", "/v1/customers", id, jsonf(docCustomer, "not a domain"), &e); code != http.StatusBadRequest || e.Code != "1006" {
		t.Fatalf("invalid domain: %d %+v", code, e)
	}
	var cu, again pcemu.Customer
	if code := s.call("POST", "/v1/customers", id, jsonf(docCustomer, "corrected.onmicrosoft.com"), &cu); code != http.StatusCreated {
		t.Fatalf("corrected request under the same MS-RequestId: %d", code)
	}
	if code := s.call("POST", "/v1/customers", id, jsonf(docCustomer, "corrected.onmicrosoft.com"), &again); code != http.StatusCreated || again.ID != cu.ID {
		t.Fatalf("repeated request: %d %s, want the first answer %s", code, again.ID, cu.ID)
	}
	if code := s.call("POST", "/v1/customers", id, jsonf(docCustomer, "another.onmicrosoft.com"), &e); code != http.StatusConflict {
		t.Fatalf("another body under a used MS-RequestId: %d", code)
	}
	if st := s.em.Stats(); st.CustomersCreated != 1 || st.Replays != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestErrorSchema: every error has the documented fields, code a string.
func TestErrorSchema(t *testing.T) {
	s := newServer(t, 0)
	var raw map[string]any
	if code := s.call("GET", "/v1/customers/00000000-0000-0000-0000-000000000000/orders/x", "", "", &raw); code != http.StatusNotFound {
		t.Fatalf("status %d", code)
	}
	if _, ok := raw["code"].(string); !ok {
		t.Fatalf("code is not a string: %v", raw)
	}
	if d, ok := raw["description"].(string); !ok || d == "" {
		t.Fatalf("description: %v", raw)
	}
	if _, ok := raw["data"].([]any); !ok {
		t.Fatalf("data: %v", raw)
	}
	if src, ok := raw["source"].(string); !ok || src == "" {
		t.Fatalf("source: %v", raw)
	}
}
