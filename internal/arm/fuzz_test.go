package arm

import (
	"testing"
	"time"
)

// fuzzTemplate gives fuzzed expressions parameters, variables (including a
// copy loop) and a user function to reach.
const fuzzTemplate = `{
  "parameters": {
    "s": {"type": "string", "defaultValue": "Hello"},
    "n": {"type": "int", "defaultValue": 3},
    "o": {"type": "object", "defaultValue": {"a": {"b": [1, 2, 3]}, "c": "d"}},
    "a": {"type": "array", "defaultValue": ["x", "y", "z"]}
  },
  "functions": [{"namespace": "f", "members": {"twice": {
    "parameters": [{"name": "v", "type": "string"}],
    "output": {"type": "string", "value": "[concat(parameters('v'), parameters('v'))]"}}}}],
  "variables": {
    "v": "[concat(parameters('s'), '-', string(parameters('n')))]",
    "w": "[createArray(variables('v'), variables('v'))]",
    "copy": [{"name": "loop", "count": "[parameters('n')]", "input": "[copyIndex('loop')]"}]
  }
}`

// FuzzExpression feeds arbitrary text to the expression parser and
// evaluator: neither may panic, recurse without bound or run away.
func FuzzExpression(f *testing.F) {
	for _, c := range functionCases {
		f.Add(c.expr)
	}
	for _, s := range []string{
		"[f.twice(parameters('s'))]",
		"[variables('w')[1]]",
		"[variables('loop')]",
		"[parameters('o').a.b[2]]",
		"[reduce(range(0, 30), createArray(), lambda('a', 'b', createArray(lambdaVariables('a'), lambdaVariables('a'))))]",
		"[map(range(0, 10000), lambda('x', range(0, 10000)))]",
		"[padLeft('', 1000000, 'x')]",
		"[format('{0,-10000}{0,10000}', 'x')]",
		"[union(range(0, 10000), range(5000, 10000))]",
		"[json('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]')]",
		"[concat(concat(concat(concat(concat('a'))))))]",
		"[if(,,)]",
		"['unterminated",
		"[a.b.c(]",
	} {
		f.Add(s)
	}
	tpl, err := ParseTemplate([]byte(fuzzTemplate))
	if err != nil {
		f.Fatal(err)
	}
	dep := testDeployment
	dep.Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Time is bounded by the work budget (maxWork), which every function
	// charges, not measured here: a wall-clock bound fails on a loaded
	// machine (the map of ranges above took 47 s at a load of 35 on two
	// cores) and passes a runaway on a fast one. The fuzzer's own timeout
	// catches an input that never ends.
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = EvaluateExpression(tpl, nil, dep, expr)
	})
}

// templateSeeds are templates of the forms the reader accepts beside plain
// JSON: ARM's lenient JSON, nested deployments, user-defined types (one of
// them recursive) and copy loops.
var templateSeeds = []string{
	fuzzTemplate,
	"{\n  // a comment\n  \"parameters\": {\"p\": {\"type\": \"string\", \"defaultValue\": \"a\",},},\n  /* block */ \"resources\": [],\n}",
	"{\"variables\": {\"v\": \"[concat('a',\u00a0'b')]\", \"m\": \"line one\nline two\"}, \"resources\": []}",
	`{"parameters": {"n": {"type": "int", "defaultValue": 2, "minValue": 1, "maxValue": 3, "allowedValues": [1, 2, 3]}},
	  "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
	    "name": "[concat('st', copyIndex())]", "location": "westeurope", "copy": {"name": "c", "count": "[parameters('n')]"}}],
	  "outputs": {"o": {"type": "string", "value": "[reference(concat('Microsoft.Storage/storageAccounts/', 'st0'), '2023-01-01').primaryEndpoints.blob]"}}}`,
	`{"resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
	  "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
	    "parameters": {"x": {"value": "y"}},
	    "template": {"parameters": {"x": {"type": "string"}},
	      "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "deeper",
	        "properties": {"mode": "Incremental", "template": {"resources": [], "outputs": {"z": {"type": "string", "value": "z"}}}}}],
	      "outputs": {"x": {"type": "string", "value": "[parameters('x')]"}}}}}],
	  "outputs": {"r": {"type": "string", "value": "[reference('inner').outputs.x.value]"}}}`,
	`{"languageVersion": "2.0", "definitions": {
	    "node": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 5}, "next": {"$ref": "#/definitions/node", "nullable": true}}},
	    "names": {"type": "array", "items": {"$ref": "#/definitions/node"}}},
	  "parameters": {"p": {"$ref": "#/definitions/node", "defaultValue": {"name": "a", "next": {"name": "b"}}},
	    "q": {"$ref": "#/definitions/names", "defaultValue": []}},
	  "resources": {"sa": {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[parameters('p').name]", "location": "westeurope"}}}`,
	`{"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}, "parameters": {"p": {"$ref": "#/definitions/a"}}}`,
	`[`, `{"parameters": 1}`, `{"resources": [{"type": 1}]}`, "",
}

// FuzzTemplate feeds arbitrary bytes to the template reader (vendors
// upload templates): reading, the buyer's form and an evaluation with the
// defaults may refuse a template but never panic or run away.
func FuzzTemplate(f *testing.F) {
	for _, s := range templateSeeds {
		f.Add([]byte(s))
	}
	dep := testDeployment
	dep.Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := ParseTemplate(data)
		if err != nil {
			return
		}
		_ = tpl.Form()
		_, _ = Evaluate(tpl, nil, dep)
	})
}

// FuzzParameters feeds arbitrary bytes to the parameters-file reader.
func FuzzParameters(f *testing.F) {
	for _, s := range []string{
		`{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters": {"a": {"value": 1}, "b": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}}}}`,
		`{"parameters": {"a": {"value": [1, {"b": null}]},}}`, `{}`, `[]`, `{"parameters": {"a": 1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseParameters(data)
	})
}
