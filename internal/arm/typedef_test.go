package arm

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// typedTemplate declares its parameters with user-defined types.
const typedTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "definitions": {
    "tier": {"type": "string", "allowedValues": ["basic", "premium"]},
    "node": {"type": "object", "additionalProperties": false, "properties": {
      "name": {"type": "string", "minLength": 3},
      "cores": {"type": "int", "minValue": 1, "maxValue": 8},
      "tier": {"$ref": "#/definitions/tier"},
      "note": {"type": "string", "nullable": true}
    }}
  },
  "parameters": {
    "primary": {"$ref": "#/definitions/node"},
    "replicas": {"type": "array", "items": {"$ref": "#/definitions/node"}, "defaultValue": []}
  },
  "resources": {}
}`

func TestUserDefinedTypes(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate([]byte(typedTemplate))
	if err != nil {
		t.Fatal(err)
	}
	good := map[string]any{"name": "alpha", "cores": 4, "tier": "basic"}
	if err := tpl.ValidateParameters(map[string]any{"primary": good, "replicas": []any{good}}); err != nil {
		t.Fatalf("a valid value: %v", err)
	}
	err = tpl.ValidateParameters(map[string]any{
		"primary":  map[string]any{"name": "al", "cores": 99, "tier": "gold", "colour": "red"},
		"replicas": []any{map[string]any{"name": "beta", "tier": "basic"}},
	})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("invalid values: %v", err)
	}
	var got []string
	for _, v := range ve.Violations {
		got = append(got, v.Parameter+" "+v.Rule)
	}
	want := []string{
		"primary.name minLength", "primary.cores maxValue", "primary.tier allowedValues", "primary.colour additionalProperties",
		"replicas[0].cores required",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("violations\n got %v\nwant %v", got, want)
	}
	// The buyer form carries the same structure.
	var primary map[string]any
	for _, f := range tpl.Form().Fields {
		if f.Name == "primary" {
			primary = f.Schema
		}
	}
	props, _ := primary["properties"].(map[string]any)
	cores, _ := props["cores"].(map[string]any)
	if primary["type"] != "object" || primary["additionalProperties"] != false || cores["maximum"] != int64(8) ||
		!slices.Equal(primary["required"].([]any), []any{"cores", "name", "tier"}) {
		t.Errorf("form schema %v", primary)
	}
}

func TestUnknownTypeReference(t *testing.T) {
	t.Parallel()
	_, err := ParseTemplate([]byte(`{"languageVersion": "2.0", "definitions": {}, "parameters": {"p": {"$ref": "#/definitions/missing"}}, "resources": {}}`))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Path != "parameters.p.$ref" {
		t.Fatalf("%v", err)
	}
}

// Outputs may be typed by a user-defined type ("$ref", as Bicep writes an
// output of a declared type) and be nullable ("string?").
func TestTypedAndNullableOutputs(t *testing.T) {
	t.Parallel()
	const src = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0",
  "contentVersion": "1.0.0.0",
  "definitions": {"endpoint": {"type": "object", "properties": {"host": {"type": "string"}, "port": {"type": "int"}}}},
  "parameters": {"alias": {"type": "string", "nullable": true}},
  "resources": {},
  "outputs": {
    "primary": {"$ref": "#/definitions/endpoint", "value": {"host": "shop.example.org", "port": 8443}},
    "alias": {"type": "string", "nullable": true, "value": "[parameters('alias')]"},
    "port": {"type": "int", "value": "[add(8000, 443)]"}
  }
}`
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(tpl, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Outputs["primary"]; o.Type != "object" || o.Value.(map[string]any)["host"] != "shop.example.org" {
		t.Errorf("primary %+v", o)
	}
	if o := res.Outputs["alias"]; o.Value != nil {
		t.Errorf("alias %+v", o)
	}
	if res, err = Evaluate(tpl, map[string]any{"alias": "www"}, testDeployment); err != nil || res.Outputs["alias"].Value != "www" {
		t.Errorf("alias given: %v", err)
	}
	// A nullable output still has a type.
	bad, err := ParseTemplate([]byte(strings.Replace(src, `"[parameters('alias')]"`, `"[createArray(1)]"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Evaluate(bad, nil, testDeployment); err == nil {
		t.Error("an array for a nullable string output was accepted")
	}
}
