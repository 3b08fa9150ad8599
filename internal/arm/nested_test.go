package arm

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNestedDeployments(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "nested.json")
	res, err := Evaluate(tpl, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	// Every nested resource is listed, right after its deployment.
	want := []string{"plan", "shop-plan", "site", "shop-web", "slot", "shop-web/staging"}
	if got := resourceNames(res); !slices.Equal(got, want) {
		t.Fatalf("resources %v, want %v", got, want)
	}
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
	plan := findResource(t, res, "shop-plan")
	// Outer scope: the parent's variables, parameters and functions.
	if plan.ID != sub+"/resourceGroups/rg-test/providers/Microsoft.Web/serverfarms/shop-plan" {
		t.Errorf("plan id %s", plan.ID)
	}
	if got := plan.Body["tags"].(map[string]any)["label"]; got != "outer-shop" {
		t.Errorf("plan label %v", got)
	}
	// Inner scope, in another resource group: its own parameters (given by
	// the parent, one read from the first deployment's outputs), defaults,
	// variables and functions.
	site := findResource(t, res, "shop-web")
	if site.ID != sub+"/resourceGroups/rg-other/providers/Microsoft.Web/sites/shop-web" {
		t.Errorf("site id %s", site.ID)
	}
	props := site.Body["properties"].(map[string]any)
	if props["serverFarmId"] != plan.ID || props["hostName"] != "shop-web.example.net" || props["tag"] != "basic@rg-other" {
		t.Errorf("site properties %v", props)
	}
	if slot := findResource(t, res, "shop-web/staging"); slot.ID != site.ID+"/slots/staging" || !slices.Equal(slot.DependsOn, nil) {
		t.Errorf("slot %s depends on %v", slot.ID, slot.DependsOn)
	}
	// The deployment itself lives in the group it targets.
	if d := findResource(t, res, "site"); d.ID != sub+"/resourceGroups/rg-other/providers/Microsoft.Resources/deployments/site" ||
		!slices.Equal(d.DependsOn, []string{findResource(t, res, "plan").ID}) {
		t.Errorf("site deployment %s depends on %v", d.ID, d.DependsOn)
	}
	// Nested outputs, read by the parent (two levels deep).
	if got := res.Outputs["url"].Value; got != "https://shop-web.example.net" {
		t.Errorf("url %v", got)
	}
	if got := res.Outputs["slot"].Value; got != "shop-web/staging@slot" {
		t.Errorf("slot %v", got)
	}
	if len(res.Unresolved) != 0 {
		t.Errorf("unresolved %v", res.Unresolved)
	}
}

func TestNestedDeploymentParametersAreValidated(t *testing.T) {
	t.Parallel()
	src := strings.Replace(string(mustRead(t, "nested.json")), `"siteName": {"value": "[concat(parameters('prefix'), '-web')]"},`,
		`"siteName": {"value": "[concat(parameters('prefix'), '-web')]"}, "tier": {"value": "gold"},`, 1)
	bad, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Evaluate(bad, nil, testDeployment)
	if err == nil || !strings.Contains(err.Error(), "tier") || !strings.Contains(err.Error(), "resources[1].properties.parameters") {
		t.Fatalf("a nested parameter outside allowedValues: %v", err)
	}
}

// subscriptionTemplate deploys at subscription scope: a resource group, and
// a nested deployment into it.
const subscriptionTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"group": {"type": "string", "defaultValue": "rg-app"}},
  "resources": [
    {"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "[parameters('group')]", "location": "westeurope"},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "storage", "resourceGroup": "[parameters('group')]",
     "dependsOn": ["[subscriptionResourceId('Microsoft.Resources/resourceGroups', parameters('group'))]"],
     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
       "template": {
         "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
         "contentVersion": "1.0.0.0",
         "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat('st', uniqueString(resourceGroup().id))]", "location": "westeurope"}],
         "outputs": {"group": {"type": "string", "value": "[resourceGroup().name]"}}
       }}},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "policy", "location": "westeurope",
     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
       "template": {
         "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
         "contentVersion": "1.0.0.0",
         "resources": [{"type": "Microsoft.Authorization/policyAssignments", "apiVersion": "2022-06-01", "name": "tags", "properties": {}}]
       }}}
  ],
  "outputs": {"group": {"type": "string", "value": "[reference('storage').outputs.group.value]"}}
}`

func TestNestedDeploymentTargets(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate([]byte(subscriptionTemplate))
	if err != nil {
		t.Fatal(err)
	}
	dep := testDeployment
	dep.ResourceGroup = ""
	res, err := Evaluate(tpl, nil, dep)
	if err != nil {
		t.Fatal(err)
	}
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
	account := "st" + uniqueString(sub+"/resourceGroups/rg-app")
	want := map[string]string{
		"rg-app":  sub + "/resourceGroups/rg-app",
		"storage": sub + "/resourceGroups/rg-app/providers/Microsoft.Resources/deployments/storage",
		account:   sub + "/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/" + account,
		"policy":  sub + "/providers/Microsoft.Resources/deployments/policy",
		"tags":    sub + "/providers/Microsoft.Authorization/policyAssignments/tags",
	}
	for name, id := range want {
		if got := findResource(t, res, name).ID; got != id {
			t.Errorf("%s: id %s, want %s", name, got, id)
		}
	}
	if got := res.Outputs["group"].Value; got != "rg-app" {
		t.Errorf("group output %v", got)
	}
	// Once deployed, the state of the deployment without its outputs does
	// not hide them.
	dep.State = map[string]*ResourceState{want["storage"]: {Resource: map[string]any{"properties": map[string]any{"provisioningState": "Succeeded"}}}}
	if res, err := Evaluate(tpl, nil, dep); err != nil || res.Outputs["group"].Value != "rg-app" {
		t.Errorf("with state: %v", err)
	}
}

// scopeBody is a nested template that names things after the resource
// group and subscription its functions read.
const scopeBody = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "[concat('net-', resourceGroup().name)]",
     "location": "westeurope", "tags": {"sub": "[subscription().subscriptionId]", "self": "[resourceId('Microsoft.Network/virtualNetworks', concat('net-', resourceGroup().name))]"}},
    {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-04-01", "name": "[concat('net-', resourceGroup().name, '/a')]",
     "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', concat('net-', resourceGroup().name))]"]}
  ],
  "outputs": {"group": {"type": "string", "value": "[resourceGroup().name]"}}
}`

// scopeFunctionsTemplate deploys scopeBody to rg-other of another
// subscription twice, in the outer and in the inner scope.
const scopeFunctionsTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "outer", "resourceGroup": "rg-other", "subscriptionId": "00000000-0000-0000-0000-000000000002",
     "properties": {"mode": "Incremental", "template": ` + scopeBody + `}},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner", "resourceGroup": "rg-other", "subscriptionId": "00000000-0000-0000-0000-000000000002",
     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"}, "template": ` + scopeBody + `}}
  ],
  "outputs": {
    "outer": {"type": "string", "value": "[reference('outer').outputs.group.value]"},
    "inner": {"type": "string", "value": "[reference('inner').outputs.group.value]"}
  }
}`

// In a nested deployment evaluated in the outer scope, resourceGroup(),
// subscription() and resourceId() read the parent's group and subscription
// (Azure's "Template functions in scoped deployments"), though its
// resources deploy where it targets; in the inner scope they read the
// target's. A dependsOn written with resourceId() still finds the nested
// resource.
func TestNestedScopeFunctions(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate([]byte(scopeFunctionsTemplate))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(tpl, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	const parent = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"
	const target = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-other"
	outer := findResource(t, res, "net-rg-test")
	if outer.ID != target+"/providers/Microsoft.Network/virtualNetworks/net-rg-test" {
		t.Errorf("outer network id %s", outer.ID)
	}
	tags := outer.Body["tags"].(map[string]any)
	if tags["sub"] != "00000000-0000-0000-0000-000000000001" || tags["self"] != parent+"/providers/Microsoft.Network/virtualNetworks/net-rg-test" {
		t.Errorf("outer tags %v", tags)
	}
	if sn := findResource(t, res, "net-rg-test/a"); !slices.Equal(sn.DependsOn, []string{outer.ID}) {
		t.Errorf("outer subnet depends on %v", sn.DependsOn)
	}
	inner := findResource(t, res, "net-rg-other")
	tags = inner.Body["tags"].(map[string]any)
	if inner.ID != target+"/providers/Microsoft.Network/virtualNetworks/net-rg-other" || tags["sub"] != "00000000-0000-0000-0000-000000000002" ||
		tags["self"] != inner.ID {
		t.Errorf("inner network %s, tags %v", inner.ID, tags)
	}
	if res.Outputs["outer"].Value != "rg-test" || res.Outputs["inner"].Value != "rg-other" {
		t.Errorf("outputs outer %v, inner %v", res.Outputs["outer"].Value, res.Outputs["inner"].Value)
	}
}

// pendingTemplate hands an inner-scope nested deployment values read from a
// resource the same deployment makes: only Azure knows them.
const pendingTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"tier": {"type": "string", "defaultValue": "basic"}},
  "resources": [
    {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01", "name": "edge-ip", "location": "westeurope"},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner", "dependsOn": ["edge-ip"],
     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
       "parameters": {
         "timeout": {"value": "[reference('edge-ip').idleTimeoutInMinutes]"},
         "host": {"value": "[reference('edge-ip').dnsSettings.fqdn]"},
         "tier": {"value": "[parameters('tier')]"},
         "suffix": {"value": "[NAME]"}
       },
       "template": {
         "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
         "contentVersion": "1.0.0.0",
         "parameters": {
           "timeout": {"type": "int", "minValue": 4},
           "host": {"type": "string", "maxLength": 5},
           "tier": {"type": "string", "allowedValues": ["basic", "premium"]},
           "suffix": {"type": "string"}
         },
         "resources": [
           {"type": "Microsoft.Web/sites", "apiVersion": "2023-01-01", "name": "[concat('site-', parameters('suffix'))]", "location": "westeurope",
            "properties": {"timeout": "[parameters('timeout')]", "hostName": "[parameters('host')]", "tier": "[parameters('tier')]"}}
         ]
       }}}
  ]
}`

// A nested deployment's parameters whose values Azure computes while
// deploying are not judged by their expression text: the template
// evaluates, the values stay unresolved; a known value that breaks a rule
// is still refused, and a pending value the nested template needs offline
// (in a name) defers the template to Azure, never refuses the buyer's
// values.
func TestNestedPendingParameters(t *testing.T) {
	t.Parallel()
	parse := func(name string) *Template {
		t.Helper()
		tpl, err := ParseTemplate([]byte(strings.Replace(pendingTemplate, "[NAME]", name, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return tpl
	}
	res, err := Evaluate(parse("one"), nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	site := findResource(t, res, "site-one")
	props := site.Body["properties"].(map[string]any)
	if props["tier"] != "basic" || !slices.Contains(site.Unresolved, ".properties.timeout") || !slices.Contains(site.Unresolved, ".properties.hostName") {
		t.Errorf("site properties %v, unresolved %v", props, site.Unresolved)
	}
	// A known value is still checked.
	_, err = Evaluate(parse("one"), map[string]any{"tier": "gold"}, testDeployment)
	var invalid *ValidationError
	if !errors.As(err, &invalid) || len(invalid.Violations) != 1 || invalid.Violations[0].Parameter != "tier" {
		t.Errorf("known bad value: %v", err)
	}
	// Needed offline, in a name: the nested deployment is kept with its
	// template left to Azure (strict evaluation fails instead).
	res, err = Evaluate(parse("[reference('edge-ip').ipAddress]"), nil, testDeployment)
	if err != nil {
		t.Fatalf("pending value in a name: %v", err)
	}
	if got := resourceNames(res); !slices.Equal(got, []string{"edge-ip", "inner"}) {
		t.Errorf("resources %v", got)
	}
	if d := findResource(t, res, "inner"); !slices.Contains(d.Unresolved, ".properties.template") || !slices.Contains(res.Unresolved, "resources[1].properties.template") {
		t.Errorf("deployment unresolved %v, result %v", d.Unresolved, res.Unresolved)
	}
	strict := testDeployment
	strict.Strict = true
	if _, err = Evaluate(parse("one"), nil, strict); err == nil || errors.As(err, &invalid) {
		t.Errorf("strict: %v", err)
	}
}
