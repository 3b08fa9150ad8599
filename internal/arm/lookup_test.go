package arm

import (
	"slices"
	"strings"
	"testing"
)

// lookupTemplate names its resources in every form ARM accepts in
// dependsOn and reference().
const lookupTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {"net": "lan", "acct": "stor1"},
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[variables('acct')]", "location": "westeurope"},
    {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-04-01", "name": "[variables('net')]", "location": "westeurope",
     "resources": [
       {"type": "subnets", "apiVersion": "2023-04-01", "name": "front", "dependsOn": ["[variables('net')]"]}
     ]},
    {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01", "name": "nic-a", "location": "westeurope",
     "dependsOn": ["Microsoft.Network/virtualNetworks/lan/subnets/front"]},
    {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01", "name": "nic-b", "location": "westeurope",
     "dependsOn": ["front"]},
    {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01", "name": "nic-c", "location": "westeurope",
     "dependsOn": ["Microsoft.Network/virtualNetworks/subnets/lan/front"]},
    {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "app", "location": "westeurope",
     "properties": {
       "blob": "[reference(concat('Microsoft.Storage/storageAccounts/', variables('acct')), '2023-01-01').primaryEndpoints.blob]",
       "subnet": "[reference('front').addressPrefix]"
     }}
  ]
}`

func TestDependsOnAndReferenceForms(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate([]byte(lookupTemplate))
	if err != nil {
		t.Fatal(err)
	}
	const rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/"
	subnet := rg + "Microsoft.Network/virtualNetworks/lan/subnets/front"
	storage := rg + "Microsoft.Storage/storageAccounts/stor1"
	dep := testDeployment
	dep.State = map[string]*ResourceState{
		storage: {Resource: map[string]any{"properties": map[string]any{"primaryEndpoints": map[string]any{"blob": "https://stor1.blob/"}}}},
		subnet:  {Resource: map[string]any{"properties": map[string]any{"addressPrefix": "10.0.1.0/24"}}},
	}
	res, err := Evaluate(tpl, nil, dep)
	if err != nil {
		t.Fatal(err)
	}
	for _, nic := range []string{"nic-a", "nic-b", "nic-c"} {
		if got := findResource(t, res, nic).DependsOn; !slices.Equal(got, []string{subnet}) {
			t.Errorf("%s depends on %v, want the subnet", nic, got)
		}
	}
	app := findResource(t, res, "app")
	props := app.Body["properties"].(map[string]any)
	if props["blob"] != "https://stor1.blob/" || props["subnet"] != "10.0.1.0/24" {
		t.Errorf("app properties %v", props)
	}
	// reference() makes the referenced resources implicit dependencies.
	if !slices.Contains(app.DependsOn, storage) || !slices.Contains(app.DependsOn, subnet) {
		t.Errorf("app depends on %v", app.DependsOn)
	}
}

func TestShortNameMustBeUnambiguous(t *testing.T) {
	t.Parallel()
	src := strings.Replace(lookupTemplate, `"name": "app",`, `"name": "app", "resources": [{"type": "slots", "apiVersion": "2022-09-01", "name": "front", "location": "westeurope"}],`, 1)
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Evaluate(tpl, nil, testDeployment)
	if err == nil || !strings.Contains(err.Error(), "'front'") {
		t.Fatalf("two children named front: %v", err)
	}
}

// In a languageVersion 2.0 template, 'name[index]' names one instance of a
// symbolic copy loop, as Bicep writes reference(format('ips[{0}]', i)).
func TestSymbolicLoopInstanceReference(t *testing.T) {
	t.Parallel()
	const src = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "resources": {
    "edges": {"copy": {"name": "edges", "count": 2}, "type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
              "name": "[format('edge-{0}', copyIndex())]", "location": "westeurope"},
    "cards": {"copy": {"name": "cards", "count": 2}, "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-04-01",
              "name": "[format('card-{0}', copyIndex())]", "location": "westeurope",
              "properties": {"address": "[reference(format('edges[{0}]', sub(1, copyIndex()))).ipAddress]"}}
  }
}`
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dep := testDeployment
	const base = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.Network/publicIPAddresses/"
	dep.State = map[string]*ResourceState{
		base + "edge-0": {Resource: map[string]any{"properties": map[string]any{"ipAddress": "192.0.2.10"}}},
		base + "edge-1": {Resource: map[string]any{"properties": map[string]any{"ipAddress": "192.0.2.11"}}},
	}
	res, err := Evaluate(tpl, nil, dep)
	if err != nil {
		t.Fatal(err)
	}
	// card-i reads edge-(1-i), and so depends on it.
	for name, want := range map[string][2]string{"card-0": {"192.0.2.11", "edge-1"}, "card-1": {"192.0.2.10", "edge-0"}} {
		r := findResource(t, res, name)
		if got := r.Body["properties"].(map[string]any)["address"]; got != want[0] {
			t.Errorf("%s address %v, want %s", name, got, want[0])
		}
		if !slices.Contains(r.DependsOn, base+want[1]) {
			t.Errorf("%s depends on %v, want %s", name, r.DependsOn, want[1])
		}
	}
}

// A relative scope is the tail of a resource id after /providers/, a child
// written Namespace/type/name/childType/childName, as Bicep writes the scope
// of an extension resource on a child resource.
func TestRelativeScopeOfChild(t *testing.T) {
	t.Parallel()
	const src = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {"type": "Microsoft.Sql/servers", "apiVersion": "2023-05-01-preview", "name": "ledger", "location": "westeurope"},
    {"type": "Microsoft.Sql/servers/databases", "apiVersion": "2023-05-01-preview", "name": "ledger/books", "location": "westeurope", "dependsOn": ["ledger"]},
    {"type": "Microsoft.Insights/diagnosticSettings", "apiVersion": "2021-05-01-preview", "name": "audit",
     "scope": "[format('Microsoft.Sql/servers/{0}/databases/{1}', 'ledger', 'books')]", "properties": {}},
    {"type": "Microsoft.Authorization/locks", "apiVersion": "2020-05-01", "name": "keep",
     "scope": "Microsoft.Sql/servers/ledger", "properties": {"level": "CanNotDelete"}}
  ]
}`
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(tpl, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	const server = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.Sql/servers/ledger"
	if got := findResource(t, res, "audit").ID; got != server+"/databases/books/providers/Microsoft.Insights/diagnosticSettings/audit" {
		t.Errorf("audit id %s", got)
	}
	if got := findResource(t, res, "keep").ID; got != server+"/providers/Microsoft.Authorization/locks/keep" {
		t.Errorf("keep id %s", got)
	}
}

// emptyLoopTemplate depends on copy loops that may have no instance: one by
// its copy name, one (languageVersion 2.0) by its symbolic name, as Bicep
// writes a dependency on a loop over an array that can be empty.
const emptyLoopTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"shares": {"type": "array", "defaultValue": []}, "peers": {"type": "int", "defaultValue": 0}},
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts/fileServices/shares", "apiVersion": "2023-01-01",
     "name": "[format('stor1/default/{0}', parameters('shares')[copyIndex()])]",
     "copy": {"name": "shareLoop", "count": "[length(parameters('shares'))]"}},
    {"type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2023-04-01",
     "name": "[format('lan/peer{0}', copyIndex())]",
     "copy": {"name": "peerLoop", "count": "[parameters('peers')]"}},
    {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "app", "location": "westeurope",
     "dependsOn": ["shareLoop", "peerLoop"]}
  ]
}`

const emptySymbolicLoopTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "parameters": {"names": {"type": "array", "defaultValue": []}},
  "resources": {
    "ips": {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-04-01",
      "name": "[parameters('names')[copyIndex()]]", "location": "westeurope",
      "copy": {"name": "ips", "count": "[length(parameters('names'))]"}},
    "app": {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "app", "location": "westeurope",
      "dependsOn": ["ips"]}
  }
}`

func TestDependsOnEmptyCopyLoop(t *testing.T) {
	t.Parallel()
	for _, src := range []string{emptyLoopTemplate, emptySymbolicLoopTemplate} {
		tpl, err := ParseTemplate([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Evaluate(tpl, nil, testDeployment)
		if err != nil {
			t.Fatalf("a dependency on a copy loop without instances: %v", err)
		}
		if len(res.Resources) != 1 || len(res.Resources[0].DependsOn) != 0 {
			t.Errorf("resources %+v, want only app with no dependency", res.Resources)
		}
		// With instances the dependency holds.
		params := map[string]any{"shares": []any{"docs"}, "peers": int64(1), "names": []any{"ip1"}}
		if tpl.LanguageVersion == "" {
			delete(params, "names")
		} else {
			params = map[string]any{"names": []any{"ip1"}}
		}
		res, err = Evaluate(tpl, params, testDeployment)
		if err != nil {
			t.Fatal(err)
		}
		if app := findResource(t, res, "app"); len(app.DependsOn) == 0 {
			t.Errorf("app depends on nothing, want the loop's instances")
		}
	}
	// A name that is no resource nor loop of the template stays an error.
	tpl, err := ParseTemplate([]byte(strings.Replace(emptyLoopTemplate, `"peerLoop"]`, `"noSuchLoop"]`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(tpl, nil, testDeployment); err == nil || !strings.Contains(err.Error(), "noSuchLoop") {
		t.Errorf("unknown dependency: err = %v", err)
	}
}
