package arm

import (
	"errors"
	"strings"
	"testing"
)

// The documentation's example: a user-defined function may read the
// deployment's scope.
const uniqueNameTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "functions": [{"namespace": "contoso", "members": {
    "uniqueName": {"parameters": [{"name": "namePrefix", "type": "string"}],
      "output": {"type": "string", "value": "[concat(toLower(parameters('namePrefix')), uniqueString(resourceGroup().id))]"}},
    "where": {"parameters": [], "output": {"type": "string", "value": "[concat(subscription().subscriptionId, '/', deployment().name)]"}}
  }}],
  "resources": [],
  "outputs": {
    "name": {"type": "string", "value": "[contoso.uniqueName('Store')]"},
    "where": {"type": "string", "value": "[contoso.where()]"}
  }
}`

func TestUserFunctionsReadTheDeploymentScope(t *testing.T) {
	t.Parallel()
	tpl, err := ParseTemplate([]byte(uniqueNameTemplate))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(tpl, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	want := "store" + uniqueString("/subscriptions/"+testDeployment.SubscriptionID+"/resourceGroups/rg-test")
	if got := res.Outputs["name"].Value; got != want {
		t.Errorf("uniqueName = %v, want %s", got, want)
	}
	if got := res.Outputs["where"].Value; got != testDeployment.SubscriptionID+"/dep1" {
		t.Errorf("where = %v", got)
	}
}

func TestDefaultOutsideAllowedValuesIsRefused(t *testing.T) {
	t.Parallel()
	for _, p := range []string{
		`{"type": "string", "defaultValue": "gold", "allowedValues": ["basic", "premium"]}`,
		`{"type": "array", "defaultValue": ["a", "z"], "allowedValues": ["a", "b"]}`,
		`{"type": "securestring", "defaultValue": "hunter2", "allowedValues": ["a"]}`,
	} {
		_, err := ParseTemplate([]byte(`{"parameters": {"tier": ` + p + `}, "resources": []}`))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Path != "parameters.tier.defaultValue" || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{
		`{"type": "string", "defaultValue": "basic", "allowedValues": ["basic", "premium"]}`,
		`{"type": "string", "defaultValue": "[concat('ba', 'sic')]", "allowedValues": ["basic"]}`,
	} {
		if _, err := ParseTemplate([]byte(`{"parameters": {"tier": ` + p + `}, "resources": []}`)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
