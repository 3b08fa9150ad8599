package arm_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources/v3"
)

// agreementClient calls Microsoft.MarketplaceOrdering's agreements through
// the SDK's generic ARM client (no armmarketplaceordering module is in the
// module proxy's list this project may use): the pipeline, bearer token
// and error bodies are the SDK's own.
type agreementClient struct {
	t      *testing.T
	client *azarm.Client
	url    string
}

func (a agreementClient) path(subscription, version string) string {
	return a.url + "/subscriptions/" + subscription + "/providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine/publishers/bitnami/offers/wordpress-vm/plans/standard_4/agreements/current?api-version=" + version
}

func (a agreementClient) do(method, u string, body any) (map[string]any, error) {
	a.t.Helper()
	req, err := runtime.NewRequest(context.Background(), method, u)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			a.t.Fatal(err)
		}
	}
	resp, err := a.client.Pipeline().Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return nil, runtime.NewResponseError(resp)
	}
	var out map[string]any
	return out, runtime.UnmarshalAsJSON(resp, &out)
}

func props(m map[string]any) map[string]any { p, _ := m["properties"].(map[string]any); return p }

// TestMarketplaceAgreements: the terms of a VM offer's plan are read, then
// accepted by sending them back with their signature, once per
// subscription; until then a VM of that plan is refused, deployed or put
// directly, with the error codes Azure gives.
func TestMarketplaceAgreements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := setup(t, 10*time.Millisecond, "good-token")
	client, err := azarm.NewClient("mercato.test", "v1.0.0", staticToken("good-token"), &c.opts)
	if err != nil {
		t.Fatal(err)
	}
	a := agreementClient{t: t, client: client, url: c.url}
	if _, err := c.groups.CreateOrUpdate(ctx, "rg-vm", armresources.ResourceGroup{Location: to.Ptr("westeurope")}, nil); err != nil {
		t.Fatal(err)
	}
	vmTemplate := `{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0",
	  "resources":[{"type":"Microsoft.Compute/virtualMachines","apiVersion":"2024-03-01","name":"wp","location":"westeurope",
	  "plan":{"name":"standard_4","publisher":"bitnami","product":"wordpress-vm"},"properties":{}}]}`
	vmID := "/subscriptions/" + sub + "/resourceGroups/rg-vm/providers/Microsoft.Compute/virtualMachines/wp-direct"
	vm := armresources.GenericResource{Location: to.Ptr("westeurope"),
		Plan: &armresources.Plan{Name: to.Ptr("standard_4"), Publisher: to.Ptr("bitnami"), Product: to.Ptr("wordpress-vm")}}
	deploy := func() error {
		p, err := c.deps.BeginCreateOrUpdate(ctx, "rg-vm", "wp", deployment(vmTemplate, nil), nil)
		if err != nil {
			return err
		}
		_, err = p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
		return err
	}
	putVM := func() error {
		p, err := c.res.BeginCreateOrUpdateByID(ctx, vmID, "2024-03-01", vm, nil)
		if err != nil {
			return err
		}
		_, err = p.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: 10 * time.Millisecond})
		return err
	}

	terms, err := a.do(http.MethodGet, a.path(sub, "2021-01-01"), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := props(terms)
	for _, k := range []string{"licenseTextLink", "privacyPolicyLink", "marketplaceTermsLink", "signature", "retrieveDatetime"} {
		if s, _ := p[k].(string); s == "" {
			t.Errorf("terms without %s: %v", k, p)
		}
	}
	if p["accepted"] != false || p["publisher"] != "bitnami" || p["product"] != "wordpress-vm" || p["plan"] != "standard_4" {
		t.Fatalf("terms %v", p)
	}

	if _, err := a.do(http.MethodGet, a.path(sub, "2019-01-01"), nil); err == nil {
		t.Error("an unknown api-version answered")
	} else if st, cd := code(err); st != 400 || cd != "NoRegisteredProviderFound" {
		t.Errorf("unknown api-version: %d %s", st, cd)
	}
	if err := deploy(); err == nil {
		t.Fatal("deployed a VM whose terms nobody accepted")
	} else if st, cd := code(err); st != 400 || cd != "MarketplacePurchaseEligibilityFailed" {
		t.Fatalf("deployment: %d %s: %v", st, cd, err)
	}
	if err := putVM(); err == nil {
		t.Fatal("put a VM whose terms nobody accepted")
	} else if st, cd := code(err); st != 400 || cd != "ResourcePurchaseValidationFailed" {
		t.Fatalf("direct PUT: %d %s: %v", st, cd, err)
	}

	// Accepting needs the terms' signature as read.
	if _, err := a.do(http.MethodPut, a.path(sub, "2021-01-01"), map[string]any{"properties": map[string]any{"accepted": true}}); err == nil {
		t.Fatal("accepted without the signature")
	} else if st, cd := code(err); st != 400 || cd != "BadRequest" {
		t.Fatalf("unsigned: %d %s", st, cd)
	}
	if again, _ := a.do(http.MethodGet, a.path(sub, "2021-01-01"), nil); props(again)["accepted"] != false {
		t.Fatal("an unsigned PUT accepted the terms")
	}
	p["accepted"] = true
	signed, err := a.do(http.MethodPut, a.path(sub, "2021-01-01"), terms)
	if err != nil {
		t.Fatal(err)
	}
	if props(signed)["accepted"] != true || c.em.Count("PUT agreement") != 2 {
		t.Fatalf("accepted %v, %d PUTs", props(signed), c.em.Count("PUT agreement"))
	}
	if again, _ := a.do(http.MethodGet, a.path(sub, "2021-01-01"), nil); props(again)["accepted"] != true {
		t.Fatal("the acceptance was not kept")
	}
	// Per subscription: another one has not accepted them.
	other := "99999999-2222-3333-4444-555555555555"
	if there, err := a.do(http.MethodGet, a.path(other, "2021-01-01"), nil); err != nil || props(there)["accepted"] != false {
		t.Fatalf("another subscription: %v %v", props(there), err)
	}
	if err := deploy(); err != nil {
		t.Fatalf("deployment after the terms were accepted: %v", err)
	}
	if err := putVM(); err != nil {
		t.Fatalf("direct PUT after the terms were accepted: %v", err)
	}
}
