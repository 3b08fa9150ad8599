package arm

import (
	"strings"
	"testing"
)

// lenientTemplate is written as Azure accepts it: comments, trailing
// commas, a string broken over lines and non-breaking spaces (U+00A0)
// between an expression's tokens.
const lenientTemplate = "{\n" +
	`  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", // the schema` + "\n" +
	`  "contentVersion": "1.0.0.0",` + "\n" +
	`  /* parameters, with a trailing comma */` + "\n" +
	`  "parameters": {"prefix": {"type": "string", "defaultValue": "shop",},},` + "\n" +
	`  "variables": {"script": "line one` + "\n" + `line two", "name": "[concat(` + "\u00a0" + `parameters('prefix'),` + "\u00a0\u00a0" + `'-web')]"},` + "\n" +
	`  "resources": [` + "\n" +
	`    {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "[variables('name')]", "location": "westeurope",` + "\n" +
	`     "properties": {"note": "a // not a comment, /* nor this */", "script": "[variables('script')]",},}, // done` + "\n" +
	`  ],` + "\n" +
	"}\n"

func TestLenientJSON(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate([]byte(lenientTemplate))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(tpl, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	site := findResource(t, res, "shop-web")
	props := site.Body["properties"].(map[string]any)
	if props["script"] != "line one\nline two" {
		t.Errorf("multi-line string = %q", props["script"])
	}
	if props["note"] != "a // not a comment, /* nor this */" {
		t.Errorf("string with comment markers = %q", props["note"])
	}
}

func TestLenientJSONStillRefusesBrokenJSON(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		`{"resources": [,]}`,
		`{"a": 1,, "b": 2}`,
		`{"a": "unterminated}`,
	} {
		if _, err := ParseTemplate([]byte(src)); err == nil || !strings.Contains(err.Error(), "JSON") {
			t.Errorf("%s: %v", src, err)
		}
	}
}
