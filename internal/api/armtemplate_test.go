package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
)

const uploadTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "prefix":        {"type": "string", "minLength": 3, "maxLength": 12},
    "location":      {"type": "string", "defaultValue": "[resourceGroup().location]"},
    "adminUsername": {"type": "string"},
    "siteName":      {"type": "string", "maxLength": 40, "metadata": {"description": "Name of your site"}},
    "tier":          {"type": "string", "allowedValues": ["Basic", "Standard"], "defaultValue": "Basic"},
    "sku":           {"type": "string"}
  },
  "resources": [],
  "outputs": {"siteUrl": {"type": "string", "value": "[concat('https://', parameters('siteName'), '.azurewebsites.net')]"}}
}`

// TestARMTemplateUpload onboards an ARM product: the template's buyer
// parameters become the checkout form; the rest are fixed by the vendor,
// come from the marketplace or keep their defaults.
func TestARMTemplateUpload(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		vendor := e.w.VendorA.Token
		r := e.call("POST", "/api/v1/products", vendor, map[string]any{"name": "Site", "type": "arm_template", "published": true}).must(t, http.StatusCreated)
		path := fmt.Sprintf("/api/v1/products/%d/arm-template", r.id())
		body := fmt.Sprintf(`{"template": %s, "parameters": {"sku": {"source": "fixed", "value": "S1"}, "tier": {"source": "buyer", "label": "Service tier"}}, "launch_output": "siteUrl"}`, uploadTemplate)
		up := e.call("PUT", path, vendor, body).must(t, http.StatusOK)
		params, _ := up.body["parameters"].([]any)
		var names []string
		for _, p := range params {
			m := p.(map[string]any)
			names = append(names, m["name"].(string))
			if m["name"] == "tier" && (m["label"] != "Service tier" || len(m["allowed_values"].([]any)) != 2) {
				t.Fatalf("tier field %v", m)
			}
			if m["name"] == "siteName" && (m["required"] != true || m["max_length"].(float64) != 40) {
				t.Fatalf("siteName field %v", m)
			}
		}
		// The prefix (marketplace), siteName and tier (buyer); not location
		// (marketplace), adminUsername (marketplace) or sku (fixed).
		if strings.Join(names, ",") != "global_prefix,siteName,tier" {
			t.Fatalf("checkout form %v", names)
		}
		meta := up.body["metadata"].(map[string]any)
		if !strings.Contains(meta["arm.parameters"].(string), `"S1"`) || meta["azure.launch_output"] != "siteUrl" || meta["arm.template"] == "" {
			t.Fatalf("metadata %v", meta)
		}
		// Refusals: a mapping naming no parameter, a template that does not
		// parse, a product of another type, another vendor.
		e.call("PUT", path, vendor, fmt.Sprintf(`{"template": %s, "parameters": {"nope": {"source": "buyer"}}}`, uploadTemplate)).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("PUT", path, vendor, `{"template": {"resources": "not a list"}}`).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("PUT", path, vendor, fmt.Sprintf(`{"template": %s, "launch_output": "nothing"}`, uploadTemplate)).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("PUT", fmt.Sprintf("/api/v1/products/%d/arm-template", e.w.ProductA.ID), vendor, body).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("PUT", path, e.w.VendorB.Token, body).must(t, http.StatusForbidden).isProblem(t)
		// A buyer's order is checked against the new form.
		prod, _ := e.st.Product(t.Context(), e.w.VendorA.Principal, r.id())
		if err := catalog.ValidateConfiguration(prod.Parameters, map[string]any{"global_prefix": "acme", "siteName": "acme-site", "tier": "Premium"}); err == nil {
			t.Fatal("a tier outside the allowed values passed")
		}
	})
}

func init() {
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		return map[string]probe{
			"put-arm-template": {method: "PUT", path: fmt.Sprintf("/api/v1/products/%d/arm-template", v.draft),
				body: map[string]any{"template": map[string]any{"resources": []any{}}}, wantStatus: []int{http.StatusNotFound}},
		}
	})
}
