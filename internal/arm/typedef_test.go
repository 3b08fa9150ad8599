package arm

import (
	"errors"
	"fmt"
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

// A type may contain itself (Bicep's recursive types): the template is read
// at once and values are checked at every depth. Definitions that name each
// other twice over, which would expand exponentially, are refused. (Found by
// FuzzTemplate: reading either never ended.)
func TestRecursiveTypes(t *testing.T) {
	t.Parallel()
	const src = `{"languageVersion": "2.0", "contentVersion": "1.0.0.0",
	  "definitions": {
	    "node": {"type": "object", "properties": {
	      "name": {"type": "string", "maxLength": 5},
	      "next": {"$ref": "#/definitions/node", "nullable": true},
	      "children": {"type": "array", "items": {"$ref": "#/definitions/node"}, "nullable": true}}}},
	  "parameters": {"chain": {"$ref": "#/definitions/node"}},
	  "resources": {}}`
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	deep := map[string]any{"name": "a", "next": map[string]any{"name": "b", "next": map[string]any{"name": "much too long"}},
		"children": []any{map[string]any{"name": "c", "children": []any{map[string]any{"nom": "x"}}}}}
	err = tpl.ValidateParameters(map[string]any{"chain": deep})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("invalid deep values: %v", err)
	}
	var got []string
	for _, v := range ve.Violations {
		got = append(got, v.Parameter+" "+v.Rule)
	}
	slices.Sort(got)
	want := []string{"chain.children[0].children[0].name required", "chain.next.next.name maxLength"}
	if !slices.Equal(got, want) {
		t.Errorf("violations\n got %v\nwant %v", got, want)
	}
	if err := tpl.ValidateParameters(map[string]any{"chain": map[string]any{"name": "a", "next": map[string]any{"name": "b"}}}); err != nil {
		t.Errorf("a valid chain: %v", err)
	}
	_ = tpl.Form() // describes the outer occurrence, without looping

	// t0 names t1 twice, t1 names t2 twice, …: 2^40 declarations.
	var defs []string
	for i := range 40 {
		defs = append(defs, fmt.Sprintf(`"t%d": {"type": "object", "properties": {"a": {"$ref": "#/definitions/t%d"}, "b": {"$ref": "#/definitions/t%d"}}}`, i, i+1, i+1))
	}
	defs = append(defs, `"t40": {"type": "string"}`)
	_, err = ParseTemplate([]byte(`{"languageVersion": "2.0", "definitions": {` + strings.Join(defs, ",") +
		`}, "parameters": {"p": {"$ref": "#/definitions/t0"}}, "resources": {}}`))
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(pe.Error(), "more than") {
		t.Fatalf("an exponential type: %v", err)
	}
}
