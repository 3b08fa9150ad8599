package arm_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// appTemplate deploys a storage account and, through a nested deployment,
// a web app whose settings hold the account's key (listKeys()).
const appTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {"account": "appstore1"},
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[variables('account')]", "location": "westeurope",
     "kind": "StorageV2", "sku": {"name": "Standard_LRS"}},
    {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "app",
     "dependsOn": ["[variables('account')]"],
     "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
       "parameters": {"account": {"value": "[variables('account')]"}},
       "template": {
         "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
         "contentVersion": "1.0.0.0",
         "parameters": {"account": {"type": "string"}},
         "resources": [
           {"type": "Microsoft.Web/sites", "apiVersion": "2022-09-01", "name": "shop-app", "location": "westeurope",
            "properties": {"siteConfig": {"appSettings": [
              {"name": "STORAGE_KEY", "value": "[listKeys(resourceId('Microsoft.Storage/storageAccounts', parameters('account')), '2023-01-01').keys[0].value]"}
            ]}}}
         ],
         "outputs": {"host": {"type": "string", "value": "[reference('shop-app').defaultHostName]"}}
       }}}
  ],
  "outputs": {"host": {"type": "string", "value": "[reference('app').outputs.host.value]"}}
}`

func TestNestedDeploymentResolvesListKeys(t *testing.T) {
	t.Parallel()
	c := setup(t, time.Millisecond, "good-token")
	ctx := context.Background()
	if _, err := c.groups.CreateOrUpdate(ctx, "rg-app", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := c.deps.BeginCreateOrUpdate(ctx, "rg-app", "d1", deployment(appTemplate, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Properties.Outputs.(map[string]any)["host"].(map[string]any)["value"]; got != "shop-app.azurewebsites.net" {
		t.Errorf("nested output read by the parent: %v", got)
	}
	// The nested template's resource exists, its setting resolved.
	site, err := c.res.GetByID(ctx, "/subscriptions/"+sub+"/resourceGroups/rg-app/providers/Microsoft.Web/sites/shop-app", "2022-09-01", nil)
	if err != nil {
		t.Fatal(err)
	}
	settings := site.Properties.(map[string]any)["siteConfig"].(map[string]any)["appSettings"].([]any)
	key, _ := settings[0].(map[string]any)["value"].(string)
	if key == "" || strings.Contains(key, "listKeys") {
		t.Errorf("STORAGE_KEY stored as %q", key)
	}
}
