package arm

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func loadTemplate(t *testing.T, name string) *Template {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := ParseTemplate(data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return tpl
}

func resourceNames(r *Result) []string {
	var out []string
	for _, res := range r.Resources {
		out = append(out, res.Name)
	}
	return out
}

func findResource(t *testing.T, r *Result, name string) *Resource {
	t.Helper()
	for _, res := range r.Resources {
		if res.Name == name {
			return res
		}
	}
	t.Fatalf("no resource %s among %v", name, resourceNames(r))
	return nil
}

func TestWebFarmDev(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "webfarm.json")
	res, err := Evaluate(tpl, map[string]any{"adminPassword": "correct-horse-battery"}, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	storage := res.Outputs["storageName"].Value.(string)
	vnet := "web-vnet-" + uniqueString("web")[:5]
	want := []string{storage, vnet, vnet + "/default", "web-nic0", "web-vm1", "web-nic1", "web-vm2", "web-nic2", "web-vm3", "toStorage"}
	// Each VM follows its own NIC; independent resources keep template
	// order.
	if got := resourceNames(res); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("deployment order\n got %v\nwant %v", got, want)
	}
	if !strings.HasPrefix(storage, "web") || len(storage) != 16 {
		t.Errorf("storage name %q", storage)
	}
	const rg = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"
	subnet := findResource(t, res, vnet+"/default")
	if subnet.ID != rg+"/providers/Microsoft.Network/virtualNetworks/"+vnet+"/subnets/default" {
		t.Errorf("subnet id %s", subnet.ID)
	}
	if subnet.Type != "Microsoft.Network/virtualNetworks/subnets" {
		t.Errorf("subnet type %s", subnet.Type)
	}
	vm3 := findResource(t, res, "web-vm3")
	// Serial batches of two: vm3 waits for vm1 and vm2 as well as its NIC.
	deps := strings.Join(vm3.DependsOn, " ")
	for _, d := range []string{"/virtualMachines/web-vm1", "/virtualMachines/web-vm2", "/networkInterfaces/web-nic2"} {
		if !strings.Contains(deps, d) {
			t.Errorf("web-vm3 dependsOn %v lacks %s", vm3.DependsOn, d)
		}
	}
	vm2 := findResource(t, res, "web-vm2")
	if strings.Contains(strings.Join(vm2.DependsOn, " "), "web-vm1") {
		t.Errorf("web-vm2 is in the first batch but depends on web-vm1: %v", vm2.DependsOn)
	}
	props := vm2.Body["properties"].(map[string]any)
	disks := props["storageProfile"].(map[string]any)["dataDisks"].([]any)
	if len(disks) != 2 {
		t.Fatalf("dataDisks %v", disks)
	}
	d1 := disks[1].(map[string]any)
	if d1["lun"] != int64(1) || d1["diskSizeGB"] != int64(64) || d1["name"] != "web-disk1-1" {
		t.Errorf("second data disk of web-vm2: %v", d1)
	}
	if props["osProfile"].(map[string]any)["computerName"] != "webvm2" {
		t.Errorf("computerName %v", props["osProfile"])
	}
	diag := findResource(t, res, "toStorage")
	if diag.ID != rg+"/providers/Microsoft.Storage/storageAccounts/"+storage+"/providers/Microsoft.Insights/diagnosticSettings/toStorage" {
		t.Errorf("extension resource id %s", diag.ID)
	}
	if len(diag.DependsOn) != 1 {
		t.Errorf("the skipped vault must not be a dependency: %v", diag.DependsOn)
	}
	if got := toJSONString(res.Outputs["vmNames"].Value); got != `["web-vm1","web-vm2","web-vm3"]` {
		t.Errorf("vmNames %s", got)
	}
	if got := toJSONString(res.Outputs["diskSizes"].Value); got != `[32,64,96]` {
		t.Errorf("diskSizes %s", got)
	}
	if got := toJSONString(res.Outputs["ports"].Value); got != `[{"port":80},{"port":81}]` {
		t.Errorf("ports %s", got)
	}
	if _, ok := res.Outputs["vaultName"]; ok {
		t.Error("vaultName output present although its condition is false")
	}
	// reference() of the storage account needs runtime state: kept as text.
	if got := res.Outputs["blobEndpoint"].Value; got != "[reference(variables('storageName')).primaryEndpoints.blob]" {
		t.Errorf("blobEndpoint %v", got)
	}
	if len(res.Unresolved) != 1 || res.Unresolved[0] != "outputs.blobEndpoint.value" {
		t.Errorf("unresolved %v", res.Unresolved)
	}
}

func TestWebFarmProdWithState(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "webfarm.json")
	dep := testDeployment
	params := map[string]any{"adminPassword": "correct-horse-battery", "environment": "prod", "instanceCount": 1, "enableDiagnostics": true}
	// Find the storage id first, then supply its state.
	first, err := Evaluate(tpl, params, dep)
	if err != nil {
		t.Fatal(err)
	}
	storage := first.Resources[0]
	dep.State = map[string]*ResourceState{
		strings.ToUpper(storage.ID): {Resource: map[string]any{"properties": map[string]any{"primaryEndpoints": map[string]any{"blob": "https://x.blob.core.windows.net/"}}}},
	}
	res, err := Evaluate(tpl, params, dep)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unresolved) != 0 {
		t.Errorf("unresolved %v", res.Unresolved)
	}
	if res.Outputs["blobEndpoint"].Value != "https://x.blob.core.windows.net/" {
		t.Errorf("blobEndpoint %v", res.Outputs["blobEndpoint"].Value)
	}
	if res.Outputs["vaultName"] == nil {
		t.Error("vaultName output missing in prod")
	}
	vault := findResource(t, res, "web-vault")
	if len(vault.DependsOn) != 1 || !strings.HasSuffix(vault.DependsOn[0], "/web-vm1") {
		t.Errorf("vault dependsOn %v", vault.DependsOn)
	}
	vm := findResource(t, res, "web-vm1")
	// The reference() in the VM is an implicit dependency on the storage.
	if !strings.Contains(strings.Join(vm.DependsOn, " "), storage.ID) {
		t.Errorf("vm dependsOn %v lacks the storage account", vm.DependsOn)
	}
	if sku := findResource(t, res, storage.Name).Body["sku"].(map[string]any)["name"]; sku != "Standard_GRS" {
		t.Errorf("sku %v", sku)
	}
}

func TestCycle(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "cycle.json")
	_, err := Evaluate(tpl, nil, testDeployment)
	if !errors.Is(err, ErrCycle) {
		t.Fatalf("want a cycle error, got %v", err)
	}
	want := "Microsoft.Web/serverfarms/plan -> Microsoft.Web/sites/site -> Microsoft.Insights/components/insights -> Microsoft.Web/serverfarms/plan"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the cycle %q", err, want)
	}
}

func TestErrorPath(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "badexpr.json")
	_, err := Evaluate(tpl, nil, testDeployment)
	var ee *EvalError
	if !errors.As(err, &ee) {
		t.Fatalf("want an EvalError, got %v", err)
	}
	if ee.Path != "resources[2].properties.osProfile.computerName" {
		t.Errorf("path %q (error %v)", ee.Path, err)
	}
}

func TestSymbolicNames(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "symbolic.json")
	dep := testDeployment
	siteID := "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.Web/sites/shop"
	dep.State = map[string]*ResourceState{
		"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.OperationalInsights/workspaces/shared-logs": {
			Resource: map[string]any{"properties": map[string]any{"customerId": "ws-123"}},
		},
		siteID: {
			Resource: map[string]any{"properties": map[string]any{"defaultHostName": "shop.azurewebsites.net"}},
			Lists:    map[string]any{"listKeys": map[string]any{"key": "k"}},
		},
	}
	dep.Strict = true
	res, err := Evaluate(tpl, nil, dep)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(resourceNames(res), ","); got != "shop-plan,shop" {
		t.Errorf("order %s (the existing workspace must not be deployed)", got)
	}
	site := findResource(t, res, "shop")
	if site.SymbolicName != "site" || site.Body["properties"].(map[string]any)["workspace"] != "ws-123" {
		t.Errorf("site %+v", site)
	}
	if res.Outputs["hostName"].Value != "shop.azurewebsites.net" {
		t.Errorf("hostName %v", res.Outputs["hostName"].Value)
	}
	if toJSONString(res.Outputs["keys"].Value) != `{"key":"k"}` {
		t.Errorf("keys %v", res.Outputs["keys"].Value)
	}
	// Strict deployments fail without the state.
	dep.State = nil
	if _, err := Evaluate(tpl, nil, dep); !errors.Is(err, ErrNoState) {
		t.Errorf("strict evaluation without state: %v", err)
	}
}

func TestValidateParameters(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "webfarm.json")
	tests := []struct {
		name   string
		values map[string]any
		want   []string // parameter:rule
	}{
		{"valid", map[string]any{"adminPassword": "correct-horse-battery"}, nil},
		{"missing required", map[string]any{}, []string{"adminPassword:required"}},
		{"all rules", map[string]any{
			"prefix":        "x",
			"instanceCount": 9,
			"environment":   "staging",
			"adminPassword": "tiny",
			"tags":          "not an object",
			"unknown":       1,
		}, []string{"adminPassword:minLength", "environment:allowedValues", "instanceCount:maxValue", "prefix:minLength", "tags:type", "unknown:declared"}},
		{"int as string", map[string]any{"adminPassword": "correct-horse-battery", "instanceCount": "3"}, []string{"instanceCount:type"}},
		{"below minimum", map[string]any{"adminPassword": "correct-horse-battery", "instanceCount": 0}, []string{"instanceCount:minValue"}},
		{"too long", map[string]any{"adminPassword": "correct-horse-battery", "prefix": "abcdefghijk"}, []string{"prefix:maxLength"}},
		{"bool type", map[string]any{"adminPassword": "correct-horse-battery", "enableDiagnostics": "yes"}, []string{"enableDiagnostics:type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tpl.ValidateParameters(tt.values)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalidParameters) {
				t.Fatalf("want a ValidationError, got %v", err)
			}
			var got []string
			for _, v := range ve.Violations {
				got = append(got, v.Parameter+":"+v.Rule)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("violations %v, want %v", got, tt.want)
			}
			if strings.Contains(err.Error(), "tiny") {
				t.Errorf("the error shows a secure value: %v", err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		path string
	}{
		{"not an object", `[]`, ""},
		{"bad json", "{\n \"resources\": [,]\n}", ""},
		{"bad parameter type", `{"parameters":{"p":{"type":"float"}}}`, "parameters.p.type"},
		{"bad minValue", `{"parameters":{"p":{"type":"int","minValue":"1"}}}`, "parameters.p.minValue"},
		{"resource without type", `{"resources":[{"name":"x"}]}`, "resources[0].type"},
		{"nested resource without name", `{"resources":[{"type":"A.B/c","name":"x","resources":[{"type":"d"}]}]}`, "resources[0].resources[0].name"},
		{"output without value", `{"outputs":{"o":{"type":"string"}}}`, "outputs.o"},
		{"function without output", `{"functions":[{"namespace":"n","members":{"f":{}}}]}`, "functions[0].members.f.output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrTemplate) {
				t.Fatalf("want a ParseError, got %v", err)
			}
			if pe.Path != tt.path {
				t.Errorf("path %q, want %q (%v)", pe.Path, tt.path, err)
			}
		})
	}
}

func TestParseParameters(t *testing.T) {
	t.Parallel()
	got, err := ParseParameters([]byte(`{"$schema":"x","contentVersion":"1.0.0.0","parameters":{"a":{"value":1},"b":{"value":{"c":[true]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if toJSONString(got) != `{"a":1,"b":{"c":[true]}}` {
		t.Errorf("got %s", toJSONString(got))
	}
	if _, err := ParseParameters([]byte(`{"parameters":{"s":{"reference":{"keyVault":{"id":"x"},"secretName":"y"}}}}`)); err == nil {
		t.Error("Key Vault references must be reported")
	}
}

func TestParameterOrder(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "webfarm.json")
	var names []string
	for _, p := range tpl.Parameters {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "prefix,instanceCount,environment,adminPassword,location,tags,enableDiagnostics" {
		t.Errorf("parameter order %s", got)
	}
}
