package cloudesire_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/api/cloudesire"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestOpenAPIMatchesAnswers serves the document without authentication,
// then checks the answers of a vendor's whole flow, errors included,
// against the schemas it documents.
func TestOpenAPIMatchesAnswers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		res, err := http.Get(strings.TrimSuffix(e.base, "/api") + cloudesire.OpenAPIPath)
		if err != nil {
			t.Fatal(err)
		}
		var served struct {
			OpenAPI string                     `json:"openapi"`
			Paths   map[string]json.RawMessage `json:"paths"`
		}
		err = json.NewDecoder(res.Body).Decode(&served)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || served.OpenAPI != "3.1.0" || len(served.Paths) < 10 {
			t.Fatalf("GET %s: %d %v %+v", cloudesire.OpenAPIPath, res.StatusCode, err, served)
		}

		doc := cloudesire.OpenAPI()
		check := func(method, path string, a answer) {
			t.Helper()
			item := doc.Paths["/api/"+path]
			if item == nil {
				item = doc.Paths[template(doc, "/api/"+path)]
			}
			if item == nil {
				t.Fatalf("%s is not documented", path)
			}
			op := map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PATCH": item.Patch}[method]
			r := op.Responses[strconv.Itoa(a.status)]
			if r == nil {
				t.Fatalf("%s %s: status %d is not documented", method, path, a.status)
			}
			if r.Ref != "" {
				r = doc.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
			}
			var v any
			if err := json.Unmarshal(a.raw, &v); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			result := &huma.ValidateResult{}
			huma.Validate(doc.Components.Schemas, r.Content["application/json"].Schema, huma.NewPathBuffer(nil, 0), huma.ModeReadFromServer, v, result)
			if len(result.Errors) > 0 {
				t.Errorf("%s %s %d does not match its schema: %v\n%s", method, path, a.status, result.Errors, a.raw)
			}
			for name := range r.Headers {
				if name != "WWW-Authenticate" && a.header.Get(name) == "" {
					t.Errorf("%s %s: documented header %s missing", method, path, name)
				}
			}
		}
		o, err := app.Ordering(e.st).PlaceOrder(ctx, e.w.C1.Principal, subscription.OrderRequest{PlanID: e.w.PlanA.ID, Quantity: 3, Configuration: map[string]any{"subdomain": "acme"}})
		if err != nil {
			t.Fatal(err)
		}
		vendor := vendorClient{t: t, base: e.base, token: e.w.VendorA.Token}
		sub := "subscription/" + strconv.FormatInt(o.SubscriptionID, 10)
		for _, path := range []string{"user/me", "user/" + strconv.FormatInt(e.w.C1.User.ID, 10), "subscription", "subscription/expiring?days=3660", sub,
			"product/" + strconv.FormatInt(e.w.ProductA.ID, 10), "productVersion/" + strconv.FormatInt(e.w.PlanA.ID, 10), "subscription/999999"} {
			check("GET", strings.Split(path, "?")[0], vendor.get(path))
		}
		// Every reference of the subscription answers as documented.
		var detail any
		vendor.get(sub).must(t, http.StatusOK).decode(t, &detail)
		refs := map[string]bool{}
		urls(detail, refs)
		for u := range refs {
			check("GET", u, vendor.get(u))
		}
		check("GET", "configurationParameter/1", vendor.get("configurationParameter/1"))
		check("GET", sub, vendor.get(sub+"?language=x"))
		check("POST", sub+"/endpoints", vendor.post(sub+"/endpoints", []map[string]string{{"endpoint": "https://acme.example/app", "category": "APP"}}))
		check("POST", sub+"/instructions", vendor.post(sub+"/instructions", map[string]string{"en": "Sign in with your e-mail."}))
		check("POST", sub+"/credentials", vendor.post(sub+"/credentials", []map[string]any{{"key": "password", "value": "s3cret", "description": map[string]string{"en": "first password"}}}))
		check("PATCH", sub, vendor.patch(sub, map[string]string{"deploymentStatus": "DEPLOYED"}))
		check("PATCH", sub, vendor.patch(sub, map[string]string{"deploymentStatus": "WAITING_PAYMENT"}))
		check("GET", sub, vendor.get(sub))
		check("GET", "subscription", vendorClient{t: t, base: e.base, token: "mct_nope"}.get("subscription"))
		check("POST", sub+"/endpoints", vendor.do("PUT", sub+"/endpoints", "[]", "")) // 405, with Allow
	})
}

// template is the documented path template that path matches.
func template(doc *huma.OpenAPI, path string) string {
	segs := strings.Split(path, "/")
	for tpl := range doc.Paths {
		ts := strings.Split(tpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		match := true
		for i := range ts {
			if ts[i] != segs[i] && !strings.HasPrefix(ts[i], "{") {
				match = false
				break
			}
		}
		if match {
			return tpl
		}
	}
	return ""
}
