package microsoft_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/connector/microsoft"
	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// azureAccessParameters are the Azure plan's optional parameters asking
// for admin access (as on the demo's product).
var azureAccessParameters = []catalog.Parameter{
	{Name: microsoft.ConfigGrantAdminAccess, Type: catalog.ParamBoolean},
	{Name: microsoft.ConfigAdminObjectID, Type: catalog.ParamString},
}

const (
	customerAdmin = "0b7c3a52-6f1e-4d8a-9c2b-3e4f5a6b7c8d" // a user of the customer's tenant
	nobody        = "deadbeef-0000-4000-8000-000000000001" // not in any directory
)

// withARM serves the world's Entra emulator also over TLS (azidentity
// refuses a plain-http authority) and an ARM emulator that trusts its
// tokens, and points the connector at both.
func withARM(arm **armemu.Emulator) func(*testing.T, *world, *microsoft.Config) {
	return func(t *testing.T, wd *world, cfg *microsoft.Config) {
		cert, err := armemu.NewCertificate()
		if err != nil {
			t.Fatal(err)
		}
		serve := func(h http.Handler) string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := armemu.ServeTLS(ln, h, cert)
			t.Cleanup(func() { _ = srv.Close() })
			return srv.URL
		}
		v := entra.NewVerifier(wd.entra.Keys(), entra.ManagementResource)
		em := armemu.New(armemu.Config{
			Verifier: armemu.TokenVerifierFunc(func(ctx context.Context, token, _ string) error {
				c, err := v.Verify(ctx, token)
				if err == nil && c.TenantID == entra.DemoTenantID {
					// The Azure plans live in the customers' tenants, as on
					// Azure (InvalidAuthenticationTokenTenant).
					return errors.New("token of the partner's tenant")
				}
				return err
			}),
			Principals: armemu.PrincipalDirectoryFunc(func(id string) (string, bool) {
				return "User", strings.EqualFold(id, customerAdmin)
			})})
		t.Cleanup(em.Close)
		*arm = em
		cfg.Azure = &azure.Endpoints{ResourceManager: serve(em.Handler()), Authority: serve(wd.entra.Handler()), CACertPEM: cert.PEM,
			ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret}
		cfg.AzureRetry = policy.RetryOptions{MaxRetries: 1, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 50 * time.Millisecond}
	}
}

func (wd *world) instructions(t *testing.T, id int64) string {
	var ins struct {
		Instructions map[string]string `json:"instructions"`
	}
	wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/instructions", id), wd.w.C1.Token, nil, &ins)
	return ins.Instructions["en"]
}

// redeliver sends the subscription's CREATED notification again, signed,
// as the marketplace does when it did not hear an answer.
func (wd *world) redeliver(t *testing.T, id int64) {
	t.Helper()
	body := []byte(fmt.Sprintf(`{"date":"%s","entity":"Subscription","entityUrl":"subscription/%d","id":%d,"type":"CREATED","eventId":1}`,
		time.Now().UTC().Format(time.RFC3339), id, id))
	req, _ := http.NewRequest(http.MethodPost, wd.hookURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("CMW-Event-Signature", webhook.SignCMW(wd.secret, body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode >= 300 {
		t.Fatalf("redelivery answered %d", res.StatusCode)
	}
}

// assignmentsOf lists the role assignments of principal on azureSub.
func assignmentsOf(em *armemu.Emulator, azureSub, principal string) []map[string]any {
	var out []map[string]any
	for _, a := range em.RoleAssignments(azureSub) {
		if p, _ := a["properties"].(map[string]any); p != nil && p["principalId"] == principal {
			out = append(out, a)
		}
	}
	return out
}

// TestAzurePlanAdminAccess: an Azure plan ordered with admin access ends
// DEPLOYED with exactly one Owner role assignment for the customer's
// administrator on its Azure subscription, also after a redelivered
// webhook and after answers lost once Azure had created the assignment;
// without the request there is none; a principal Azure refuses, or a
// request without an object id, ends FAILED with the reason.
func TestAzurePlanAdminAccess(t *testing.T) {
	var arm *armemu.Emulator
	wd := newWorld(t, time.Hour, withARM(&arm))
	grant := map[string]any{microsoft.ConfigGrantAdminAccess: true, microsoft.ConfigAdminObjectID: strings.ToUpper(customerAdmin)}

	t.Run("granted once", func(t *testing.T) {
		id := wd.order(t, wd.azure, 1, grant)
		waitStatus(t, wd, id, "DEPLOYED")
		md := wd.metadata(t, id)
		azSub := md[microsoft.MetaAzureSubID]
		got := assignmentsOf(arm, azSub, customerAdmin)
		if len(got) != 1 {
			t.Fatalf("%d role assignments: %v", len(got), got)
		}
		props := got[0]["properties"].(map[string]any)
		if props["roleDefinitionId"] != "/subscriptions/"+azSub+"/providers/Microsoft.Authorization/roleDefinitions/"+armemu.RoleOwner ||
			props["principalType"] != "User" || md[microsoft.MetaAdminRoleAssignment] != got[0]["id"] || md[microsoft.MetaAdminPrincipal] != customerAdmin {
			t.Fatalf("assignment %v, metadata %v", got[0], md)
		}
		if ins := wd.instructions(t, id); !strings.Contains(ins, "has the Owner role") || !strings.Contains(ins, customerAdmin) {
			t.Fatalf("instructions %q", ins)
		}
		puts := arm.Count("PUT roleassignment")
		wd.redeliver(t, id)
		if n := len(assignmentsOf(arm, azSub, customerAdmin)); n != 1 || arm.Count("PUT roleassignment") != puts || wd.status(t, id) != "DEPLOYED" {
			t.Fatalf("after redelivery: %d assignments, %d PUTs (was %d)", n, arm.Count("PUT roleassignment"), puts)
		}
	})

	t.Run("answers lost after Azure created it", func(t *testing.T) {
		// More lost answers than the SDK retries: the delivery fails, the
		// marketplace delivers the webhook again, and that finds the
		// assignment by its name.
		before := arm.Count("PUT roleassignment")
		arm.DropRoleAssignmentAfterCommit(2)
		id := wd.order(t, wd.azure, 1, grant)
		waitStatus(t, wd, id, "DEPLOYED")
		azSub := wd.metadata(t, id)[microsoft.MetaAzureSubID]
		if n := len(assignmentsOf(arm, azSub, customerAdmin)); n != 1 {
			t.Fatalf("%d role assignments", n)
		}
		if puts := arm.Count("PUT roleassignment") - before; puts != 2 {
			t.Fatalf("%d PUTs, want 2 (both answers lost, then found by GET)", puts)
		}
	})

	t.Run("not asked", func(t *testing.T) {
		before := arm.Count("PUT roleassignment")
		id := wd.order(t, wd.azure, 1, map[string]any{})
		waitStatus(t, wd, id, "DEPLOYED")
		md := wd.metadata(t, id)
		if n := len(arm.RoleAssignments(md[microsoft.MetaAzureSubID])); n != 0 || arm.Count("PUT roleassignment") != before || md[microsoft.MetaAdminRoleAssignment] != "" {
			t.Fatalf("%d role assignments, metadata %v", n, md)
		}
		if ins := wd.instructions(t, id); !strings.Contains(ins, "cannot reach it") {
			t.Fatalf("instructions %q", ins)
		}
	})

	t.Run("principal refused", func(t *testing.T) {
		id := wd.order(t, wd.azure, 1, map[string]any{microsoft.ConfigGrantAdminAccess: true, microsoft.ConfigAdminObjectID: nobody})
		waitStatus(t, wd, id, "FAILED")
		md := wd.metadata(t, id)
		if ins := wd.instructions(t, id); !strings.Contains(ins, nobody) || !strings.Contains(ins, "does not exist in your Microsoft tenant") {
			t.Fatalf("instructions %q", ins)
		}
		if n := len(arm.RoleAssignments(md[microsoft.MetaAzureSubID])); n != 0 || md[microsoft.MetaAdminRoleAssignment] != "" {
			t.Fatalf("%d role assignments, metadata %v", n, md)
		}
	})

	t.Run("no object id: refused before ordering", func(t *testing.T) {
		id := wd.order(t, wd.azure, 1, map[string]any{microsoft.ConfigGrantAdminAccess: true})
		waitStatus(t, wd, id, "FAILED")
		if ins := wd.instructions(t, id); !strings.Contains(ins, "no administrator object id") {
			t.Fatalf("instructions %q", ins)
		}
		if n := wd.pcOrders(id); n != 0 {
			t.Fatalf("%d Partner Center orders", n)
		}
	})

	t.Run("role from the product", func(t *testing.T) {
		p, err := storetest.Listing(wd.st).CreateProduct(context.Background(), wd.w.VendorA.Principal, catalog.Product{Name: "Azure plan (readers)", Type: catalog.TypeAzurePlan, Published: true,
			Metadata:   map[string]string{microsoft.MetaProductID: "DZH318Z0BPS6", microsoft.MetaSkuID: "0001", microsoft.MetaAdminRole: "Reader"},
			Parameters: azureAccessParameters})
		if err != nil {
			t.Fatal(err)
		}
		plan := storetest.Plan(t, wd.st, wd.w.VendorA.Principal, p.ID, "Plan", `{"currency":"EUR","period":"P1M","model":"flat","amount":"0","metrics":[{"name":"azure_consumption","unit":"EUR","aggregation":"sum","model":"per_unit","unit_amount":"1.05"}]}`)
		id := wd.order(t, plan, 1, grant)
		waitStatus(t, wd, id, "DEPLOYED")
		got := assignmentsOf(arm, wd.metadata(t, id)[microsoft.MetaAzureSubID], customerAdmin)
		if len(got) != 1 || !strings.HasSuffix(got[0]["properties"].(map[string]any)["roleDefinitionId"].(string), armemu.RoleReader) {
			t.Fatalf("assignments %v", got)
		}
	})
}
