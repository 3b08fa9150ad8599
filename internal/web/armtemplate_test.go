package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/armproduct"
)

const siteTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "prefix":        {"type": "string", "minLength": 3, "maxLength": 12},
    "location":      {"type": "string", "defaultValue": "[resourceGroup().location]"},
    "adminUsername": {"type": "string"},
    "siteName":      {"type": "string", "maxLength": 40, "metadata": {"description": "Name of your site"}},
    "tier":          {"type": "string", "allowedValues": ["Basic", "Standard"], "defaultValue": "Basic"},
    "workers":       {"type": "int"}
  },
  "resources": [],
  "outputs": {"siteUrl": {"type": "string", "value": "[concat('https://', parameters('siteName'), '.azurewebsites.net')]"}}
}`

// A vendor uploads an ARM template with a parameter mapping: the preview
// shows the checkout form, saving sets the product's metadata and form
// through armproduct.Upload, as the API does.
func TestARMTemplatePage(t *testing.T) {
	h := newHarness(t)
	v := h.signIn(vendor)
	const path = "/vendor/products/5/arm-template" // the demo's WordPress on Azure
	if res := v.get(path); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `data-param="sku"`) || !strings.Contains(res.Body, "Checkout form preview") {
		t.Fatalf("template page: %d", res.StatusCode)
	}
	if res := v.get("/vendor/products/5"); !strings.Contains(res.Body, `href="/vendor/products/5/arm-template"`) {
		t.Fatal("the product page does not link to its template")
	}
	form := url.Values{"template": {siteTemplate}, "launch_output": {"siteUrl"},
		"source.tier": {"buyer"}, "label.tier": {"Service tier"},
		"source.workers": {"fixed"}, "value.workers": {"3"},
		"source.siteName": {"buyer"}, "source.adminUsername": {"marketplace"}, "from.adminUsername": {"admin_user"}}
	prev := v.post(path+"/preview", form)
	if prev.StatusCode != http.StatusOK || !strings.Contains(prev.Body, `name="cfg.tier"`) || !strings.Contains(prev.Body, "Service tier") ||
		strings.Contains(prev.Body, `name="cfg.workers"`) || !strings.Contains(prev.Body, `data-param="workers"`) {
		t.Fatalf("preview: %d\n%s", prev.StatusCode, prev.Body)
	}
	if p, _ := h.st.Product(context.Background(), h.admin, 5); strings.Contains(p.Metadata[armproduct.MetaTemplate], "siteName") {
		t.Fatal("the preview saved the template")
	}
	// A mapping the template refuses is shown, not saved.
	bad := url.Values{"template": {siteTemplate}, "source.workers": {"fixed"}, "value.workers": {"many"}}
	if res := v.post(path, bad); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "whole number") {
		t.Fatalf("bad fixed value: %d", res.StatusCode)
	}
	if res := v.post(path, url.Values{"template": {`{"resources": "not a list"}`}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad template: %d", res.StatusCode)
	}
	if res := v.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	p, err := h.st.Product(context.Background(), h.admin, 5)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range p.Parameters {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "global_prefix,siteName,tier" || p.Metadata[armproduct.MetaLaunchOutput] != "siteUrl" ||
		!strings.Contains(p.Metadata[armproduct.MetaParameters], `"workers":{"source":"fixed","value":3}`) {
		t.Fatalf("saved form %v, metadata %v", names, p.Metadata)
	}
	// The buyer's checkout form follows.
	if res := h.signIn(customer).get("/products/5"); !strings.Contains(res.Body, `name="cfg.siteName"`) || !strings.Contains(res.Body, "Service tier") {
		t.Fatal("the checkout form does not follow the template")
	}
	// Only the product's vendor (or the platform), only ARM products.
	if res := h.signIn(customer).get(path); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
		t.Fatalf("a customer opens the template page: %d", res.StatusCode)
	}
	if res := h.signIn(otherCustomer).post(path, form); res.StatusCode != http.StatusNotFound {
		t.Fatalf("a customer saves a template: %d", res.StatusCode)
	}
	if res := v.get("/vendor/products/1/arm-template"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("template page of a SaaS product: %d", res.StatusCode)
	}
}
