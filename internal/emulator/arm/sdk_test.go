package arm_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armdeployments"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"

	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
)

const sub = "11111111-2222-3333-4444-555555555555"

// staticToken is a credential with one fixed token; the emulator's
// verifier accepts only it.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type clients struct {
	em     *armemu.Emulator
	url    string
	groups *armresources.ResourceGroupsClient
	res    *armresources.Client
	deps   *armdeployments.DeploymentsClient
	ops    *armdeployments.DeploymentOperationsClient
	opts   azarm.ClientOptions
}

func setup(t *testing.T, step time.Duration, token string) *clients {
	t.Helper()
	em := armemu.New(armemu.Config{Step: step, RetryAfter: 10 * time.Millisecond,
		Verifier: armemu.TokenVerifierFunc(func(_ context.Context, tok, aud string) error {
			if tok != "good-token" || aud != armemu.Audience {
				return errors.New("unknown token")
			}
			return nil
		})})
	t.Cleanup(em.Close)
	cert, err := armemu.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := armemu.ServeTLS(ln, em.Handler(), cert)
	t.Cleanup(func() { _ = srv.Close() })
	opts := azarm.ClientOptions{DisableRPRegistration: true, ClientOptions: policy.ClientOptions{
		Cloud:     cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{cloud.ResourceManager: {Endpoint: srv.URL, Audience: armemu.Audience}}},
		Transport: armemu.Client(cert), Retry: policy.RetryOptions{RetryDelay: 5 * time.Millisecond, MaxRetryDelay: 50 * time.Millisecond}}}
	cred := staticToken(token)
	c := &clients{em: em, url: srv.URL, opts: opts}
	rf, err := armresources.NewClientFactory(sub, cred, &opts)
	if err != nil {
		t.Fatal(err)
	}
	df, err := armdeployments.NewClientFactory(sub, cred, &opts)
	if err != nil {
		t.Fatal(err)
	}
	c.groups, c.res, c.deps, c.ops = rf.NewResourceGroupsClient(), rf.NewClient(), df.NewDeploymentsClient(), df.NewDeploymentOperationsClient()
	return c
}

const storageTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {"name": {"type": "string", "minLength": 3}, "count": {"type": "int", "defaultValue": 2}},
  "resources": [
    {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": "[concat(parameters('name'), copyIndex())]",
     "location": "[resourceGroup().location]", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
     "copy": {"name": "accounts", "count": "[parameters('count')]"}}
  ],
  "outputs": {
    "blob": {"type": "string", "value": "[reference(resourceId('Microsoft.Storage/storageAccounts', concat(parameters('name'), '0'))).primaryEndpoints.blob]"},
    "id": {"type": "string", "value": "[resourceId('Microsoft.Storage/storageAccounts', concat(parameters('name'), '1'))]"}
  }
}`

func deployment(template string, params map[string]any) armdeployments.Deployment {
	ps := map[string]*armdeployments.DeploymentParameter{}
	for k, v := range params {
		ps[k] = &armdeployments.DeploymentParameter{Value: v}
	}
	return armdeployments.Deployment{Properties: &armdeployments.DeploymentProperties{Mode: to.Ptr(armdeployments.DeploymentModeIncremental), Template: rawJSON(template), Parameters: ps}}
}

// rawJSON marshals as itself.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func code(err error) (int, string) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode, re.ErrorCode
	}
	return 0, ""
}

// TestSDKLifecycle drives the emulator with the Azure SDK's own clients and
// long-running-operation pollers, with no special cases.
func TestSDKLifecycle(t *testing.T) {
	t.Parallel()
	c := setup(t, 5*time.Millisecond, "good-token")
	ctx := context.Background()

	rg, err := c.groups.CreateOrUpdate(ctx, "rg-one", armresources.ResourceGroup{Location: to.Ptr("West Europe"), Tags: map[string]*string{"k": to.Ptr("v")}}, nil)
	if err != nil || *rg.Name != "rg-one" || *rg.Location != "westeurope" || *rg.Properties.ProvisioningState != "Succeeded" {
		t.Fatalf("create group: %v %+v", err, rg)
	}
	if ex, err := c.groups.CheckExistence(ctx, "RG-ONE", nil); err != nil || !ex.Success {
		t.Fatalf("existence: %v %v", ex, err)
	}
	pager := c.groups.NewListPager(nil)
	var n int
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n != 1 {
		t.Fatalf("%d groups", n)
	}

	// Validate, whatIf, deploy through the SDK's pollers.
	dep := deployment(storageTemplate, map[string]any{"name": "acct"})
	vp, err := c.deps.BeginValidate(ctx, "rg-one", "d1", dep, nil)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := vp.PollUntilDone(ctx, nil)
	if err != nil || len(vr.Properties.ValidatedResources) != 2 {
		t.Fatalf("validate: %v %+v", err, vr)
	}
	wp, err := c.deps.BeginWhatIf(ctx, "rg-one", "d1", armdeployments.DeploymentWhatIf{Properties: &armdeployments.DeploymentWhatIfProperties{
		Mode: to.Ptr(armdeployments.DeploymentModeIncremental), Template: rawJSON(storageTemplate), Parameters: dep.Properties.Parameters}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wr, err := wp.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
	if err != nil || len(wr.Properties.Changes) != 2 || *wr.Properties.Changes[0].ChangeType != armdeployments.ChangeTypeCreate {
		t.Fatalf("whatIf: %v %+v", err, wr)
	}
	p, err := c.deps.BeginCreateOrUpdate(ctx, "rg-one", "d1", dep, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A poller survives its process: resume it from its token.
	tok, err := p.ResumeToken()
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := c.deps.BeginCreateOrUpdate(ctx, "rg-one", "d1", armdeployments.Deployment{}, &armdeployments.DeploymentsClientBeginCreateOrUpdateOptions{ResumeToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	out, err := resumed.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Properties.ProvisioningState != armdeployments.ProvisioningStateSucceeded || len(out.Properties.OutputResources) != 2 {
		t.Fatalf("deployment %+v", out.Properties)
	}
	outputs := out.Properties.Outputs.(map[string]any)
	if got := outputs["blob"].(map[string]any)["value"]; got != "https://acct0.blob.core.windows.net/" {
		t.Errorf("reference() output %v", got)
	}
	if got := outputs["id"].(map[string]any)["value"]; got != "/subscriptions/"+sub+"/resourceGroups/rg-one/providers/Microsoft.Storage/storageAccounts/acct1" {
		t.Errorf("id output %v", got)
	}
	if c.em.Count("PUT deployment") != 1 {
		t.Errorf("resuming deployed again")
	}

	// Generic resources and deployment operations.
	r, err := c.res.GetByID(ctx, "/subscriptions/"+sub+"/resourceGroups/rg-one/providers/Microsoft.Storage/storageAccounts/acct1", "2023-01-01", nil)
	if err != nil || *r.Kind != "StorageV2" {
		t.Fatalf("get by id: %v %+v", err, r)
	}
	var listed int
	for rp := c.res.NewListByResourceGroupPager("rg-one", nil); rp.More(); {
		page, err := rp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		listed += len(page.Value)
	}
	var ops int
	for op := c.ops.NewListPager("rg-one", "d1", nil); op.More(); {
		page, err := op.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ops += len(page.Value)
	}
	if listed != 2 || ops != 2 {
		t.Errorf("resources %d, operations %d", listed, ops)
	}

	// Deleting the group deletes what is in it (202 + Location poller).
	dp, err := c.groups.BeginDelete(ctx, "rg-one", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dp.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.res.GetByID(ctx, "/subscriptions/"+sub+"/resourceGroups/rg-one/providers/Microsoft.Storage/storageAccounts/acct1", "2023-01-01", nil); err == nil {
		t.Error("resource outlived its group")
	}
	if _, err := c.groups.Get(ctx, "rg-one", nil); err == nil {
		t.Error("group still there")
	} else if st, cd := code(err); st != http.StatusNotFound || cd != "ResourceGroupNotFound" {
		t.Errorf("get deleted group: %d %s", st, cd)
	}
}

// TestSDKErrors checks Azure's error codes as the SDK reads them.
func TestSDKErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := setup(t, 20*time.Millisecond, "good-token")
	if _, err := c.groups.CreateOrUpdate(ctx, "rg", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	vmTemplate := `{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0",
	  "resources":[{"type":"Microsoft.Compute/virtualMachines","apiVersion":"2024-03-01","name":"vm","location":"westeurope",
	  "plan":{"name":"server","publisher":"canonical","product":"ubuntu"},"properties":{}}]}`
	tests := []struct {
		name       string
		call       func() error
		wantStatus int
		wantCode   string
	}{
		{"bad parameter value", func() error {
			_, err := c.deps.BeginCreateOrUpdate(ctx, "rg", "d", deployment(storageTemplate, map[string]any{"name": "ab"}), nil)
			return err
		}, 400, "InvalidTemplate"},
		{"unknown parameter", func() error {
			_, err := c.deps.BeginValidate(ctx, "rg", "d", deployment(storageTemplate, map[string]any{"name": "abc", "nope": 1}), nil)
			return err
		}, 400, "InvalidTemplate"},
		{"missing group", func() error {
			_, err := c.deps.BeginCreateOrUpdate(ctx, "rg-missing", "d", deployment(storageTemplate, map[string]any{"name": "abc"}), nil)
			return err
		}, 404, "ResourceGroupNotFound"},
		{"terms not accepted", func() error {
			_, err := c.deps.BeginCreateOrUpdate(ctx, "rg", "vm", deployment(vmTemplate, nil), nil)
			return err
		}, 400, "MarketplacePurchaseEligibilityFailed"},
		{"missing deployment", func() error { _, err := c.deps.Get(ctx, "rg", "none", nil); return err }, 404, "DeploymentNotFound"},
		{"bad group name", func() error {
			_, err := c.groups.CreateOrUpdate(ctx, "bad/name?", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil)
			return err
		}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.wantStatus == 0 {
				return
			}
			if st, cd := code(err); st != tc.wantStatus || cd != tc.wantCode {
				t.Fatalf("got %d %s: %v", st, cd, err)
			}
		})
	}

	t.Run("a wrong token is 401", func(t *testing.T) {
		bad := setup(t, time.Millisecond, "stolen")
		_, err := bad.groups.Get(ctx, "rg", nil)
		if st, cd := code(err); st != 401 || cd != "InvalidAuthenticationToken" {
			t.Fatalf("got %d %s", st, cd)
		}
	})

	t.Run("a failing deployment fails the SDK poller with Azure's error", func(t *testing.T) {
		c.em.FailDeployments("rg/doomed", 30*time.Millisecond, "QuotaExceeded", "Cores quota exceeded.")
		p, err := c.deps.BeginCreateOrUpdate(ctx, "rg", "doomed", deployment(storageTemplate, map[string]any{"name": "abc"}), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
		if _, cd := code(err); cd != "DeploymentFailed" || !strings.Contains(err.Error(), "QuotaExceeded") {
			t.Fatalf("got %v", err)
		}
		got, err := c.deps.Get(ctx, "rg", "doomed", nil)
		if err != nil || *got.Properties.ProvisioningState != armdeployments.ProvisioningStateFailed || *got.Properties.Error.Details[0].Code != "QuotaExceeded" {
			t.Fatalf("get: %v %+v", err, got.Properties)
		}
	})

	t.Run("cancel a running deployment", func(t *testing.T) {
		p, err := c.deps.BeginCreateOrUpdate(ctx, "rg", "slow", deployment(storageTemplate, map[string]any{"name": "slow", "count": 20}), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.deps.Cancel(ctx, "rg", "slow", nil); err != nil {
			t.Fatal(err)
		}
		_, err = p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
		if err == nil {
			t.Fatal("a canceled deployment succeeded")
		}
		if _, err := c.deps.Cancel(ctx, "rg", "slow", nil); err == nil {
			t.Error("canceled twice")
		} else if st, cd := code(err); st != 409 || cd != "DeploymentCannotBeCancelled" {
			t.Errorf("second cancel: %d %s", st, cd)
		}
	})

	t.Run("terms accepted through the generic client, then the VM deploys", func(t *testing.T) {
		client, err := azarm.NewClient("mercato.test", "v1.0.0", staticToken("good-token"), &c.opts)
		if err != nil {
			t.Fatal(err)
		}
		u := c.url + "/subscriptions/" + sub + "/providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine/publishers/canonical/offers/ubuntu/plans/server/agreements/current?api-version=2021-01-01"
		get, _ := runtime.NewRequest(ctx, http.MethodGet, u)
		resp, err := client.Pipeline().Do(get)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("get terms: %v", err)
		}
		var terms map[string]any
		if err := runtime.UnmarshalAsJSON(resp, &terms); err != nil {
			t.Fatal(err)
		}
		terms["properties"].(map[string]any)["accepted"] = true
		req, _ := runtime.NewRequest(ctx, http.MethodPut, u)
		if err := runtime.MarshalAsJSON(req, terms); err != nil {
			t.Fatal(err)
		}
		resp, err = client.Pipeline().Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("accept: %v", err)
		}
		p, err := c.deps.BeginCreateOrUpdate(ctx, "rg", "vm", deployment(vmTemplate, nil), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	})
}
