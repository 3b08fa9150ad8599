package cloudesire_test

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// javaAPIVersion is the apiVersion the Java client adds to every request
// (its ParameterInterceptor, with the newest ApiVersion the DTOs cite).
const javaAPIVersion = "20220211"

// javaClient sends requests exactly as Cloudesire's Java API client
// (CloudesireClient built with a token; retrofit over okhttp) does: the
// CMW-Auth-Token header, ?apiVersion= on every request, its User-Agent,
// okhttp's Accept-Encoding and Connection, no Accept; a PATCH body is
// the DTO serialized by Jackson, nulls included.
type javaClient struct {
	t     *testing.T
	base  string
	token string
}

func (c javaClient) send(method, path, query, body string) answer {
	c.t.Helper()
	if query != "" {
		query += "&"
	}
	java := vendorClient{t: c.t, base: c.base, auth: func(r *http.Request) {
		r.URL.RawQuery = query + "apiVersion=" + javaAPIVersion
		r.Header.Set("CMW-Auth-Token", c.token)
		r.Header.Set("User-Agent", "Cloudesire API Client "+javaAPIVersion)
		r.Header.Set("Accept-Encoding", "gzip")
		r.Header.Set("Connection", "Keep-Alive")
	}}
	contentType := ""
	if body != "" {
		contentType = "application/json; charset=UTF-8"
	}
	return java.do(method, path, body, contentType)
}

// get reads path as the Java type typ: it must answer 200 with every
// value of a type the DTO's field takes, and no property the DTO does not
// declare but those in ignored (which the client's mapper skips).
func (c javaClient) get(path, query, typ string, ignored ...string) answer {
	c.t.Helper()
	a := c.send(http.MethodGet, path, query, "").must(c.t, http.StatusOK)
	a.decodesAs(c.t, typ, ignored...)
	return a
}

func (a answer) decodesAs(t *testing.T, typ string, ignored ...string) {
	t.Helper()
	chk := decodeAs(a.raw, typ)
	for _, p := range chk.problems {
		t.Errorf("%s: %s", typ, p)
	}
	for _, u := range chk.unknown {
		if !slices.Contains(ignored, u[strings.LastIndexByte(u, '.')+1:]) {
			t.Errorf("%s: %s is not a property of the DTO", typ, u)
		}
	}
}

// patchBody is SubscriptionPatchDTO as Jackson writes it.
func patchBody(status string) string {
	return `{"endUserInstructions":null,"configurationParameters":null,"deploymentStatus":"` + status + `","syndicatedEndpoints":null,` +
		`"action":null,"hours":null,"autoRenew":null,"billingItems":null,"productVersion":null,"billingItem":null,"value":null,` +
		`"paid":null,"name":null,"invoiceId":null,"from":null,"billingDates":null}`
}

// referenceTypes are the DTOs references of each kind resolve to.
var referenceTypes = map[string]string{
	"product": "ProductDTO", "productVersion": "ProductVersionDTO", "company": "CompanyDTO", "user": "MyUserDTO",
	"order": "OrderDTO", "invoice": "InvoiceDTO", "billingItem": "BillingItemDTO", "configurationParameter": "ConfigurationParameterDTO",
}

// urls collects every {"url": …} reference in a decoded answer.
func urls(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		if u, ok := x["url"].(string); ok && len(x) == 1 {
			into[u] = true
		}
		for _, it := range x {
			urls(it, into)
		}
	case []any:
		for _, it := range x {
			urls(it, into)
		}
	}
}

// TestJavaClientContract replays the requests of Cloudesire's Java client
// for every resource a subscription leads a vendor to, and reads each
// answer with the field list and types of the DTO the client decodes it
// into (javadto_test.go): GET subscription/{id} (with and without
// ?language=), the lists, the PATCH of a status, then every reference of
// the subscription, its product and its plan.
func TestJavaClientContract(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 3)
		orderB := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanB.ID, 1) // vendor B's, on the same invoice
		other := storetest.Order(t, e.st, w.C2.Principal, 0, w.PlanA.ID, 1)  // a customer vendor B never sold to
		id := strconv.FormatInt(sub.ID, 10)
		path := "subscription/" + id
		provision := vendorClient{t: t, base: e.base, token: w.VendorA.Token}
		provision.post(path+"/endpoints", []map[string]string{{"endpoint": "https://acme.example/", "description": "Your app", "category": "APP"}}).must(t, http.StatusOK)
		provision.post(path+"/instructions", map[string]string{"en": "Welcome!", "it": "Benvenuto!"}).must(t, http.StatusOK)
		provision.post(path+"/credentials", []map[string]any{{"key": "password", "value": "s3cret", "description": map[string]string{"en": "Password", "it": "Parola d'accesso"}, "weight": 1}}).must(t, http.StatusOK)
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		javaB := javaClient{t: t, base: e.base, token: w.VendorB.Token}

		t.Run("PATCH subscription", func(t *testing.T) {
			java.t = t
			a := java.send(http.MethodPatch, path, "", patchBody("DEPLOYED")).must(t, http.StatusOK)
			// SubscriptionApi.partialUpdate reads a SubscriptionPatchResponseDTO:
			// none of its properties is sent, the subscription's are skipped.
			a.decodesAs(t, "SubscriptionPatchResponseDTO", slices.Collect(maps.Keys(javaDTOs["SubscriptionDetailDTO"]))...)
			a.decodesAs(t, "SubscriptionDetailDTO")
		})
		month, err := billing.ParseMonth("2026-02")
		if err != nil {
			t.Fatal(err)
		}
		// Charges of an order on account wait for its delivery: vendor B
		// delivers its subscription too, so both are on the invoice.
		if _, err := app.Lifecycle(e.st).SetStatus(ctx, w.VendorB.Principal, orderB.ID, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		if _, err := app.New(e.st, app.Options{}).Billing.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: month}); err != nil {
			t.Fatal(err)
		}

		var detail map[string]any
		t.Run("GET subscription", func(t *testing.T) {
			java.t = t
			a := java.get(path, "", "SubscriptionDetailDTO")
			var s struct {
				Instructions string `json:"endUserInstructions"`
				Credentials  []struct {
					Description string `json:"description"`
				} `json:"credentials"`
				Orders   []ref `json:"orders"`
				Invoices []ref `json:"invoices"`
			}
			a.decode(t, &s)
			a.decode(t, &detail)
			if s.Instructions != "Welcome!" || len(s.Credentials) != 1 || s.Credentials[0].Description != "Password" || len(s.Orders) != 1 || len(s.Invoices) != 1 {
				t.Fatalf("subscription: %s", a.raw)
			}
			java.get(path, "language=it", "SubscriptionDetailDTO").decode(t, &s)
			if s.Instructions != "Benvenuto!" || s.Credentials[0].Description != "Parola d'accesso" {
				t.Fatalf("in Italian: %+v", s)
			}
			java.get(path, "language=de", "SubscriptionDetailDTO").decode(t, &s)
			if s.Instructions != "Welcome!" {
				t.Fatalf("German falls back to English: %+v", s)
			}
		})
		t.Run("GET subscription lists", func(t *testing.T) {
			java.t = t
			// SubscriptionDTO leaves out the detail's credentials and
			// configuration parameters; the client's mapper skips them.
			java.get("subscription", "", "List<SubscriptionDTO>", "credentials", "configurationParameters")
			java.get("subscription/expiring", "", "List<SubscriptionDTO>", "credentials", "configurationParameters")
		})
		t.Run("GET user/me", func(t *testing.T) {
			java.t = t
			java.get("user/me", "", "MyUserDTO")
		})

		// Every reference of the subscription, its product and plan
		// resolves, and reads as its DTO.
		seen := map[string]bool{}
		queue := map[string]bool{}
		urls(detail, queue)
		for len(queue) > 0 {
			for u := range queue {
				delete(queue, u)
				if seen[u] {
					continue
				}
				seen[u] = true
				kind := u[:strings.IndexByte(u, '/')]
				typ, ok := referenceTypes[kind]
				if !ok {
					t.Errorf("reference %s: no resource of kind %s", u, kind)
					continue
				}
				t.Run("GET "+u, func(t *testing.T) {
					java.t = t
					var v any
					java.get(u, "", typ).decode(t, &v)
					if kind == "product" || kind == "productVersion" {
						urls(v, queue)
						if m, ok := v.(map[string]any); ok && kind == "product" {
							for _, p := range m["configurationParameters"].([]any) {
								queue[p.(map[string]any)["self"].(string)] = true
							}
						}
					}
				})
			}
		}
		for _, kind := range []string{"product", "productVersion", "company", "user", "order", "invoice", "billingItem", "configurationParameter"} {
			if !slices.ContainsFunc(slices.Collect(maps.Keys(seen)), func(u string) bool { return strings.HasPrefix(u, kind+"/") }) {
				t.Errorf("no reference to a %s was followed: %v", kind, seen)
			}
		}

		t.Run("invoice as each party sees it", func(t *testing.T) {
			java.t, javaB.t = t, t
			invoiceURL := detail["invoices"].([]any)[0].(map[string]any)["url"].(string)
			lines := func(c javaClient) (subs []string, total decimal.Decimal) {
				var inv struct {
					Subscription *ref `json:"subscription"`
					Total        struct {
						Price decimal.Decimal `json:"price"`
					} `json:"total"`
					Entries []struct {
						Price struct {
							Price decimal.Decimal `json:"price"`
						} `json:"price"`
						Quantity decimal.Decimal `json:"quantity"`
					} `json:"entries"`
				}
				c.get(invoiceURL, "", "InvoiceDTO").decode(t, &inv)
				sum := decimal.Zero
				for _, l := range inv.Entries {
					sum = sum.Add(l.Price.Price.Mul(l.Quantity))
				}
				if !sum.Equal(inv.Total.Price) {
					t.Errorf("%s: the lines sum to %s, the total says %s", c.token, sum, inv.Total.Price)
				}
				if inv.Subscription != nil {
					subs = append(subs, inv.Subscription.URL)
				}
				return subs, inv.Total.Price
			}
			// Each vendor reads the lines of its own product, for the
			// subscription they bill: 3 seats at 10.00, and B's 5.00.
			if subs, total := lines(java); fmt.Sprint(subs) != "[subscription/"+id+"]" || !total.Equal(decimal.NewFromInt(30)) {
				t.Errorf("vendor A: %v %s", subs, total)
			}
			if subs, total := lines(javaB); fmt.Sprint(subs) != fmt.Sprintf("[subscription/%d]", orderB.ID) || !total.Equal(decimal.NewFromInt(5)) {
				t.Errorf("vendor B: %v %s", subs, total)
			}
			if subs, total := lines(javaClient{t: t, base: e.base, token: w.C1.Token}); len(subs) != 0 || !total.Equal(decimal.NewFromInt(35)) {
				t.Errorf("the customer: %v %s", subs, total)
			}
		})
		t.Run("another vendor's references", func(t *testing.T) {
			javaB.t = t
			for _, u := range []string{"company/" + strconv.FormatInt(w.C2.Org.ID, 10), "subscription/" + strconv.FormatInt(other.ID, 10),
				detail["orders"].([]any)[0].(map[string]any)["url"].(string)} {
				javaB.send(http.MethodGet, u, "", "").errorHolders(t, http.StatusNotFound)
			}
			java.t = t
			java.get("company/"+strconv.FormatInt(w.C2.Org.ID, 10), "", "CompanyDTO")
		})
	})
}

// forEachFixedEngine is forEachEngine on a clock started at
// storetest.Epoch, so that billing periods and dates do not depend on the
// day the test runs.
func forEachFixedEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			st := storetest.Open(t, engine)
			st.Now = storetest.Clock(storetest.Epoch)
			w := storetest.NewWorld(t, st)
			ts := httptest.NewServer(app.NewAPI(st, slog.New(slog.DiscardHandler)))
			t.Cleanup(ts.Close)
			fn(t, &env{st: st, w: w, base: ts.URL + "/api"})
		})
	}
}
