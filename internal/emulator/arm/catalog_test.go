package arm

import (
	"errors"
	"strings"
	"testing"
)

// Each request's api-version is checked against the resource type its
// path addresses.
func TestRequestTypeAndVersion(t *testing.T) {
	cases := []struct {
		path, typ, version, code string
	}{
		{"/subscriptions/s/resourcegroups/rg", "Microsoft.Resources/resourceGroups", "2025-04-01", ""},
		{"/subscriptions/s/resourcegroups/rg", "Microsoft.Resources/resourceGroups", "2099-01-01", "InvalidApiVersionParameter"},
		{"/subscriptions/s/resourcegroups/rg/deployments/d/operations", "Microsoft.Resources/deployments", "2025-04-01", ""},
		{"/subscriptions", "Microsoft.Resources/subscriptions", "2022-12-01", ""},
		{"/tenants", "Microsoft.Resources/tenants", "2022-12-01", ""},
		{"/subscriptions/s/providers/Microsoft.Storage/register", "Microsoft.Resources/providers", "2025-04-01", ""},
		{"/subscriptions/s/providers/Microsoft.Authorization/roleAssignments", "microsoft.authorization/roleassignments", "2022-04-01", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a", "microsoft.storage/storageaccounts", "2023-01-01", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a", "microsoft.storage/storageaccounts", "2099-01-01", "NoRegisteredProviderFound"},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/listKeys", "microsoft.storage/storageaccounts", "2099-01-01", "NoRegisteredProviderFound"},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default", "microsoft.storage/storageaccounts/blobservices", "2023-01-01", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Resources/deployments/d/operationStatuses/o", "microsoft.resources/deployments/operationstatuses", "2025-04-01", ""},
		{"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/providers/Microsoft.Resources/tags/default", "microsoft.resources/tags", "2025-04-01", ""},
		// A type the table does not have is served with any version.
		{"/subscriptions/s/resourceGroups/rg/providers/Contoso.Widgets/widgets/w", "contoso.widgets/widgets", "1", ""},
	}
	for _, c := range cases {
		seg := segments(strings.ToLower(c.path))
		got := requestType(seg)
		if !strings.EqualFold(got, c.typ) {
			t.Errorf("%s: type %q, want %q", c.path, got, c.typ)
		}
		err := checkVersion(got, c.version)
		var ae *apiError
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s %s: %v", c.path, c.version, err)
		case c.code != "" && (!errors.As(err, &ae) || ae.Code != c.code || ae.status != 400):
			t.Errorf("%s %s: %v, want %s", c.path, c.version, err, c.code)
		}
	}
}
