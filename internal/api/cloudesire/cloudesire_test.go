package cloudesire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

var ctx = context.Background()

// env is the whole API server on loopback over a real database.
type env struct {
	st   *store.Store
	w    *storetest.World
	base string // the Cloudesire-compatible base URL, …/api
}

func forEachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			st := storetest.Open(t, engine)
			w := storetest.NewWorld(t, st)
			ts := httptest.NewServer(app.NewAPI(st, slog.New(slog.NewTextHandler(io.Discard, nil))))
			t.Cleanup(ts.Close)
			fn(t, &env{st: st, w: w, base: ts.URL + "/api"})
		})
	}
}

// vendorClient is a vendor's integration as Cloudesire's public
// syndication templates write it: the base URL and a token, the
// CMW-Auth-Token header, JSON bodies, a PATCH sent without Content-Type.
type vendorClient struct {
	t     *testing.T
	base  string
	token string
	// auth, when set, replaces the token header (Basic auth, CMW-Auth-User).
	auth func(*http.Request)
}

type answer struct {
	status int
	header http.Header
	raw    []byte
}

func (c vendorClient) do(method, path string, body any, contentType string) answer {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+"/"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != nil {
		c.auth(req)
	} else if c.token != "" {
		req.Header.Set("CMW-Auth-Token", c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, raw: raw}
}

func (c vendorClient) get(path string) answer { return c.do("GET", path, nil, "") }
func (c vendorClient) post(path string, body any) answer {
	return c.do("POST", path, body, "application/json; charset=utf-8")
}

// patch sends the body the Go template sends: no Content-Type at all.
func (c vendorClient) patch(path string, body any) answer { return c.do("PATCH", path, body, "") }

func (a answer) must(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.raw)
	}
	return a
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.raw, v); err != nil {
		t.Fatalf("decode %s: %v", a.raw, err)
	}
}

// errorHolders checks a Cloudesire error body and returns its keys.
func (a answer) errorHolders(t *testing.T, status int) []string {
	t.Helper()
	a.must(t, status)
	var body struct {
		ErrorHolders []struct{ Key, Error string } `json:"errorHolders"`
	}
	a.decode(t, &body)
	if len(body.ErrorHolders) == 0 {
		t.Fatalf("no errorHolders: %s", a.raw)
	}
	var keys []string
	for _, h := range body.ErrorHolders {
		if h.Key == "" || h.Error == "" {
			t.Fatalf("empty key or error: %s", a.raw)
		}
		keys = append(keys, h.Key)
	}
	return keys
}

type ref struct {
	URL string `json:"url"`
}

// cdSubscription is what a vendor reads of a subscription.
type cdSubscription struct {
	ID                      int64            `json:"id"`
	Self                    string           `json:"self"`
	Name                    string           `json:"name"`
	DeploymentStatus        string           `json:"deploymentStatus"`
	Paid                    bool             `json:"paid"`
	Type                    string           `json:"type"`
	AutoRenew               bool             `json:"autoRenew"`
	BillingPeriod           int              `json:"billingPeriod"`
	StartDate               string           `json:"startDate"`
	EndDate                 string           `json:"endDate"`
	CreatedAt               string           `json:"createdAt"`
	Product                 ref              `json:"product"`
	ProductVersion          ref              `json:"productVersion"`
	Buyer                   ref              `json:"buyer"`
	Company                 ref              `json:"company"`
	Endpoints               []map[string]any `json:"endpoints"`
	EndUserInstructions     string           `json:"endUserInstructions"`
	ConfigurationParameters []struct {
		ConfigurationParameter ref    `json:"configurationParameter"`
		Code                   string `json:"code"`
		Value                  string `json:"value"`
	} `json:"configurationParameters"`
	Credentials []struct {
		Key         string  `json:"key"`
		Value       *string `json:"value"`
		Description string  `json:"description"`
	} `json:"credentials"`
	BillingItems []struct {
		BillingItem ref    `json:"billingItem"`
		Value       int64  `json:"value"`
		Tag         string `json:"tag"`
		Unlimited   bool   `json:"unlimited"`
	} `json:"billingItems"`
}

func lastEvent(t *testing.T, e *env, sub int64) (string, int) {
	t.Helper()
	evs, _, err := e.st.ListEvents(ctx, e.w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: sub}, store.Page{Limit: 200})
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %v", evs, err)
	}
	return evs[len(evs)-1].Type, len(evs)
}

// TestVendorFlow provisions and deprovisions a subscription as a
// Cloudesire vendor integration does.
func TestVendorFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		o, err := app.Ordering(e.st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 3, Configuration: map[string]any{"subdomain": "acme"}})
		if err != nil {
			t.Fatal(err)
		}
		id := o.SubscriptionID
		vendor := vendorClient{t: t, base: e.base, token: w.VendorA.Token}
		path := "subscription/" + strconv.FormatInt(id, 10)

		// Subscription CREATED → fetch it; provision only when paid and PENDING.
		var sub cdSubscription
		vendor.get(path).must(t, http.StatusOK).decode(t, &sub)
		if !sub.Paid || sub.DeploymentStatus != "PENDING" || sub.ID != id || sub.Self != path || sub.Type != "NORMAL" {
			t.Fatalf("subscription: %+v", sub)
		}
		if sub.Product.URL != fmt.Sprintf("product/%d", w.ProductA.ID) || sub.ProductVersion.URL != fmt.Sprintf("productVersion/%d", w.PlanA.ID) ||
			sub.Company.URL != fmt.Sprintf("company/%d", w.C1.Org.ID) || sub.Buyer.URL != fmt.Sprintf("user/%d", w.C1.User.ID) {
			t.Fatalf("references: %+v", sub)
		}
		if sub.BillingPeriod != 1 || sub.Name != "Product A - Seats" || !strings.HasSuffix(sub.StartDate, "Z") || len(sub.StartDate) != 20 || sub.EndDate <= sub.StartDate {
			t.Fatalf("period, name or dates: %+v", sub)
		}
		if len(sub.ConfigurationParameters) != 1 || sub.ConfigurationParameters[0].Code != "subdomain" || sub.ConfigurationParameters[0].Value != "acme" {
			t.Fatalf("configuration: %+v", sub.ConfigurationParameters)
		}
		vendor.get(sub.ConfigurationParameters[0].ConfigurationParameter.URL).must(t, http.StatusOK)
		if len(sub.BillingItems) != 1 || sub.BillingItems[0].Value != 3 || sub.BillingItems[0].Tag != "seat" || sub.BillingItems[0].BillingItem.URL == "" {
			t.Fatalf("billing items: %+v", sub.BillingItems)
		}
		if sub.Endpoints == nil || len(sub.Endpoints) != 0 {
			t.Fatalf("endpoints before provisioning: %v", sub.Endpoints)
		}
		// The buyer and the product behind the references.
		var buyer struct {
			ID       int64  `json:"id"`
			Email    string `json:"email"`
			Self     string `json:"self"`
			UserRole string `json:"userRole"`
		}
		vendor.get(sub.Buyer.URL).must(t, http.StatusOK).decode(t, &buyer)
		if buyer.Email != w.C1.User.Email || buyer.Self != sub.Buyer.URL || buyer.UserRole != "ROLE_USER" {
			t.Fatalf("buyer: %+v", buyer)
		}
		vendor.get(sub.Product.URL).must(t, http.StatusOK)
		vendor.get(sub.ProductVersion.URL).must(t, http.StatusOK)

		// Provisioned: endpoints, instructions, credentials, then DEPLOYED.
		_, before := lastEvent(t, e, id)
		vendor.post(path+"/endpoints", []map[string]any{
			{"endpoint": "https://acme.app.example.org/login", "description": "Login page", "category": "APP"},
			{"endpoint": "https://docs.example.org/", "description": "Online Documentation", "category": "DOCUMENTATION"},
		}).must(t, http.StatusOK)
		vendor.post(path+"/instructions", map[string]string{"en": "Welcome!", "it": "Benvenuto!"}).must(t, http.StatusOK)
		a := vendor.post(path+"/credentials", []map[string]any{
			{"key": "username", "value": "user@ma.il", "description": map[string]string{"en": "Login", "it": "Nome utente"}, "weight": 1},
			{"key": "password", "value": "jei9je9y", "description": map[string]string{"en": "Password"}, "weight": 2},
		}).must(t, http.StatusOK)
		if strings.Contains(string(a.raw), "jei9je9y") {
			t.Fatalf("credentials answer shows a value: %s", a.raw)
		}
		vendor.patch(path, map[string]string{"deploymentStatus": "DEPLOYED"}).must(t, http.StatusOK)
		if typ, n := lastEvent(t, e, id); typ != subscription.EventModified || n != before+4 {
			t.Fatalf("events after provisioning: last %s, %d (was %d)", typ, n, before)
		}
		vendor.get(path).must(t, http.StatusOK).decode(t, &sub)
		if sub.DeploymentStatus != "DEPLOYED" || len(sub.Endpoints) != 2 || sub.Endpoints[0]["category"] != "APP" || sub.EndUserInstructions != "Welcome!" {
			t.Fatalf("after provisioning: %+v", sub)
		}
		if len(sub.Credentials) != 2 || sub.Credentials[0].Key != "username" || sub.Credentials[0].Value != nil || sub.Credentials[0].Description != "Login" {
			t.Fatalf("the vendor reads credentials %+v", sub.Credentials)
		}
		// In the caller's language, else English.
		vendor.get(path+"?language=it").must(t, http.StatusOK).decode(t, &sub)
		if sub.EndUserInstructions != "Benvenuto!" || sub.Credentials[0].Description != "Nome utente" || sub.Credentials[1].Description != "Password" {
			t.Fatalf("in Italian: %q %+v", sub.EndUserInstructions, sub.Credentials)
		}
		// The customer reads its credentials (Basic auth: email and token).
		customer := vendorClient{t: t, base: e.base, auth: func(r *http.Request) { r.SetBasicAuth(w.C1.User.Email, w.C1.Token) }}
		var mine cdSubscription
		customer.get(path).must(t, http.StatusOK).decode(t, &mine)
		if len(mine.Credentials) != 2 || mine.Credentials[1].Value == nil || *mine.Credentials[1].Value != "jei9je9y" {
			t.Fatalf("the customer reads credentials %+v", mine.Credentials)
		}
		// The same PATCH again is an idempotent success and changes nothing
		// (a retried request, a template confirming what it was told).
		events := storetest.Counts(t, e.st)["events"]
		var again cdSubscription
		vendor.patch(path, map[string]string{"deploymentStatus": "DEPLOYED"}).must(t, http.StatusOK).decode(t, &again)
		if again.DeploymentStatus != "DEPLOYED" || storetest.Counts(t, e.st)["events"] != events {
			t.Fatalf("repeated PATCH: %s, events %d -> %d", again.DeploymentStatus, events, storetest.Counts(t, e.st)["events"])
		}

		// Termination → UNDEPLOY_SENT → the vendor deprovisions → DELETED.
		if _, err := app.Lifecycle(e.st).Act(ctx, w.C1.Principal, id, subscription.ActionTerminate); err != nil {
			t.Fatal(err)
		}
		vendor.get(path).must(t, http.StatusOK).decode(t, &sub)
		if sub.DeploymentStatus != "UNDEPLOY_SENT" {
			t.Fatalf("after termination: %s", sub.DeploymentStatus)
		}
		vendor.do("PATCH", path, `{"deploymentStatus":"UNDEPLOYED"}`, "text/plain").must(t, http.StatusOK)
		if typ, _ := lastEvent(t, e, id); typ != subscription.EventDeleted {
			t.Fatalf("last event %s, want DELETED", typ)
		}
		vendor.post(path+"/endpoints", []map[string]any{{"endpoint": "https://x.example.org", "category": "APP"}}).errorHolders(t, http.StatusBadRequest)
	})
}

// TestAuthentication covers CMW-Auth-Token with and without CMW-Auth-User,
// HTTP Basic, and refusals.
func TestAuthentication(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		me := func(c vendorClient) answer { return c.get("user/me") }
		var u struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
			Self  string `json:"self"`
			Role  string `json:"userRole"`
		}
		me(vendorClient{t: t, base: e.base, token: w.VendorA.Token}).must(t, http.StatusOK).decode(t, &u)
		if u.ID != w.VendorA.User.ID || u.Email != w.VendorA.User.Email || u.Self != fmt.Sprintf("user/%d", u.ID) || u.Role != "ROLE_VENDOR" {
			t.Fatalf("me: %+v", u)
		}
		withUser := func(user, token string) vendorClient {
			return vendorClient{t: t, base: e.base, auth: func(r *http.Request) {
				r.Header.Set("CMW-Auth-User", user)
				r.Header.Set("CMW-Auth-Token", token)
			}}
		}
		basic := func(user, pw string) vendorClient {
			return vendorClient{t: t, base: e.base, auth: func(r *http.Request) { r.SetBasicAuth(user, pw) }}
		}
		me(withUser(w.VendorA.User.Email, w.VendorA.Token)).must(t, http.StatusOK)
		me(withUser(strings.ToUpper(w.VendorA.User.Email), w.VendorA.Token)).must(t, http.StatusOK)
		me(basic(w.VendorA.User.Email, w.VendorA.Token)).must(t, http.StatusOK).decode(t, &u)
		if u.ID != w.VendorA.User.ID {
			t.Fatalf("basic: %+v", u)
		}
		for name, c := range map[string]vendorClient{
			"no credentials":       {t: t, base: e.base},
			"bad token":            {t: t, base: e.base, token: "mct_nope"},
			"someone else's email": withUser(w.VendorB.User.Email, w.VendorA.Token),
			"basic, wrong email":   basic(w.VendorB.User.Email, w.VendorA.Token),
			"basic, wrong token":   basic(w.VendorA.User.Email, "wrong"),
			"basic, no user":       basic("", w.VendorA.Token),
		} {
			t.Run(name, func(t *testing.T) {
				a := me(c)
				a.errorHolders(t, http.StatusUnauthorized)
				if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
					t.Fatalf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
				}
			})
		}
	})
}

// TestPaging lists subscriptions page by page with the CMW-Page* headers.
func TestPaging(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		var ids []int64
		for range 5 {
			o, err := app.Ordering(e.st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.SubscriptionID)
		}
		if _, err := app.Ordering(e.st).PlaceOrder(ctx, w.C2.Principal, subscription.OrderRequest{PlanID: w.PlanB.ID, Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		vendor := vendorClient{t: t, base: e.base, token: w.VendorA.Token}
		var got []int64
		for n := 1; n <= 3; n++ {
			c := vendor
			c.auth = func(r *http.Request) {
				r.Header.Set("CMW-Auth-Token", w.VendorA.Token)
				r.Header.Set("CMW-PageSize", "2")
				r.Header.Set("CMW-PageNumber", strconv.Itoa(n))
			}
			a := c.get("subscription").must(t, http.StatusOK)
			for h, want := range map[string]string{"CMW-TotalItems": "5", "CMW-TotalPages": "3", "CMW-PageSize": "2", "CMW-PageNumber": strconv.Itoa(n)} {
				if a.header.Get(h) != want {
					t.Fatalf("page %d: %s = %q, want %q", n, h, a.header.Get(h), want)
				}
			}
			var page []cdSubscription
			a.decode(t, &page)
			for _, s := range page {
				got = append(got, s.ID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Fatalf("pages gave %v, want %v", got, ids)
		}
		// Query parameters work too; past the end is an empty page.
		a := vendor.get("subscription?pageSize=4&pageNumber=2").must(t, http.StatusOK)
		var page []cdSubscription
		a.decode(t, &page)
		if len(page) != 1 || a.header.Get("CMW-TotalPages") != "2" {
			t.Fatalf("query paging: %d items, %v", len(page), a.header)
		}
		vendor.get("subscription?pageNumber=9").must(t, http.StatusOK).decode(t, &page)
		if len(page) != 0 {
			t.Fatalf("past the end: %d", len(page))
		}
		vendor.get("subscription?deploymentStatus=PENDING").must(t, http.StatusOK)
		for _, bad := range []string{"subscription?language=english", "subscription?pageSize=0", "subscription?pageSize=abc", "subscription?pageNumber=-1", "subscription?deploymentStatus=NOPE", "subscription/expiring?days=x"} {
			vendor.get(bad).errorHolders(t, http.StatusBadRequest)
		}
		// Vendor B sees only its own.
		vendorClient{t: t, base: e.base, token: w.VendorB.Token}.get("subscription").must(t, http.StatusOK).decode(t, &page)
		if len(page) != 1 {
			t.Fatalf("vendor B sees %d", len(page))
		}
		// Expiring: the deployed ones ending within the window.
		if _, err := app.Lifecycle(e.st).SetStatus(ctx, w.VendorA.Principal, ids[0], subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		vendor.get("subscription/expiring?days=62").must(t, http.StatusOK).decode(t, &page)
		if len(page) != 1 || page[0].ID != ids[0] {
			t.Fatalf("expiring: %+v", page)
		}
	})
}

// TestErrors: a foreign vendor gets 404 and changes nothing; bad input,
// unknown routes and methods answer errorHolders.
func TestErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		o, err := app.Ordering(e.st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("subscription/%d", o.SubscriptionID)
		app := []map[string]any{{"endpoint": "https://x.example.org", "category": "APP"}}
		for name, tok := range map[string]string{"vendorB": w.VendorB.Token, "c2": w.C2.Token, "r2": w.R2.Token, "c1b": w.C1b.Token} {
			t.Run(name, func(t *testing.T) {
				c := vendorClient{t: t, base: e.base, token: tok}
				before := storetest.Counts(t, e.st)
				c.get(path).errorHolders(t, http.StatusNotFound)
				c.patch(path, map[string]string{"deploymentStatus": "DEPLOYED"}).errorHolders(t, http.StatusNotFound)
				c.post(path+"/endpoints", app).errorHolders(t, http.StatusNotFound)
				c.post(path+"/instructions", map[string]string{"en": "x"}).errorHolders(t, http.StatusNotFound)
				c.post(path+"/credentials", []map[string]any{{"key": "k", "value": "v"}}).errorHolders(t, http.StatusNotFound)
				c.get(fmt.Sprintf("user/%d", w.C1.User.ID)).errorHolders(t, http.StatusNotFound)
				c.get(fmt.Sprintf("product/%d", w.DraftA.ID)).errorHolders(t, http.StatusNotFound)
				if after := storetest.Counts(t, e.st); fmt.Sprint(before) != fmt.Sprint(after) {
					t.Fatalf("rows changed: %v -> %v", before, after)
				}
			})
		}
		vendor := vendorClient{t: t, base: e.base, token: w.VendorA.Token}
		customer := vendorClient{t: t, base: e.base, token: w.C1.Token}
		before := storetest.Counts(t, e.st)
		customer.post(path+"/endpoints", app).errorHolders(t, http.StatusForbidden)
		customer.patch(path, map[string]string{"deploymentStatus": "DEPLOYED"}).errorHolders(t, http.StatusForbidden)
		vendor.post(path+"/endpoints", []map[string]any{{"endpoint": "http://x.example.org", "category": "APP"}}).errorHolders(t, http.StatusBadRequest)
		if keys := vendor.post(path+"/endpoints", []map[string]any{{"endpoint": "https://x.example.org", "category": "DOCUMENTATION"}}).errorHolders(t, http.StatusBadRequest); keys[0] != "endpoints" {
			t.Fatalf("keys %v", keys)
		}
		vendor.post(path+"/endpoints", `{"endpoint": "https://x.example.org"}`).errorHolders(t, http.StatusBadRequest)
		vendor.post(path+"/endpoints", `[{"endpoint": `).errorHolders(t, http.StatusBadRequest)
		vendor.post(path+"/instructions", map[string]string{"english": "x"}).errorHolders(t, http.StatusBadRequest)
		vendor.post(path+"/credentials", []map[string]any{{"key": "", "value": "v"}}).errorHolders(t, http.StatusBadRequest)
		vendor.patch(path, map[string]string{"deploymentStatus": "SHINY"}).errorHolders(t, http.StatusBadRequest)
		vendor.patch(path, map[string]string{}).errorHolders(t, http.StatusBadRequest)
		vendor.patch(path, map[string]string{"deploymentStatus": "UNDEPLOYED"}).errorHolders(t, http.StatusBadRequest) // PENDING → UNDEPLOYED is no move
		vendor.post(path+"/endpoints", `[{"endpoint":"https://x.example.org","category":"APP","description":"`+strings.Repeat("x", 2<<20)+`"}]`).errorHolders(t, http.StatusRequestEntityTooLarge)
		vendor.get("subscription/abc").errorHolders(t, http.StatusBadRequest)
		vendor.get("subscription/999999").errorHolders(t, http.StatusNotFound)
		vendor.get("nowhere").errorHolders(t, http.StatusNotFound)
		vendor.do("PUT", path, nil, "").errorHolders(t, http.StatusMethodNotAllowed) // DELETE terminates (metadata_test.go)
		vendor.get(path+"/endpoints").errorHolders(t, http.StatusMethodNotAllowed)
		if after := storetest.Counts(t, e.st); fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatalf("rows changed: %v -> %v", before, after)
		}
		// The native API keeps its problem answers.
		a := vendor.do("GET", "v1/nowhere", nil, "")
		if a.status != http.StatusNotFound || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("/api/v1/nowhere: %d %s", a.status, a.header.Get("Content-Type"))
		}
	})
}
