package arm_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
)

const (
	alice     = "0b7c3a52-6f1e-4d8a-9c2b-3e4f5a6b7c8d" // a user of the directory
	admins    = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b" // a group
	ghost     = "deadbeef-0000-4000-8000-000000000001" // nobody
	scope     = "/subscriptions/" + sub
	ownerDef  = scope + "/providers/Microsoft.Authorization/roleDefinitions/" + armemu.RoleOwner
	readerDef = "/providers/Microsoft.Authorization/roleDefinitions/" + armemu.RoleReader // without the subscription: accepted too
)

func authzClients(t *testing.T) (*armemu.Emulator, *armauthorization.RoleAssignmentsClient, *armauthorization.RoleDefinitionsClient) {
	t.Helper()
	em := armemu.New(armemu.Config{
		Verifier: armemu.TokenVerifierFunc(func(_ context.Context, tok, aud string) error {
			if tok != "good-token" || aud != armemu.Audience {
				return &net.AddrError{Err: "unknown token"}
			}
			return nil
		}),
		Principals: armemu.PrincipalDirectoryFunc(func(id string) (string, bool) {
			switch strings.ToLower(id) {
			case alice:
				return "User", true
			case admins:
				return "Group", true
			}
			return "", false
		}),
	})
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
	f, err := armauthorization.NewClientFactory(sub, staticToken("good-token"), &opts)
	if err != nil {
		t.Fatal(err)
	}
	return em, f.NewRoleAssignmentsClient(), f.NewRoleDefinitionsClient()
}

func create(ctx context.Context, c *armauthorization.RoleAssignmentsClient, name, role, principal string) (armauthorization.RoleAssignmentsClientCreateResponse, error) {
	return c.Create(ctx, scope, name, armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr(role), PrincipalID: to.Ptr(principal), Description: to.Ptr("test")}}, nil)
}

// TestSDKRoleAssignments drives role assignments and definitions with the
// Azure SDK's armauthorization clients.
func TestSDKRoleAssignments(t *testing.T) {
	t.Parallel()
	em, ras, rds := authzClients(t)
	ctx := context.Background()
	const name = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

	got, err := create(ctx, ras, name, ownerDef, alice)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Properties
	if *got.Name != name || *got.ID != scope+"/providers/Microsoft.Authorization/roleAssignments/"+name || *got.Type != "Microsoft.Authorization/roleAssignments" ||
		*p.RoleDefinitionID != ownerDef || *p.PrincipalID != alice || *p.PrincipalType != armauthorization.PrincipalTypeUser || *p.Scope != scope || p.CreatedOn == nil {
		t.Fatalf("created %+v %+v", got, p)
	}
	// The same assignment again under its name: unchanged, still one.
	if _, err := create(ctx, ras, name, ownerDef, alice); err != nil {
		t.Fatalf("repeat: %v", err)
	}
	// The same principal and role under another name: RoleAssignmentExists.
	if _, err := create(ctx, ras, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d", ownerDef, alice); !hasCode(err, http.StatusConflict, "RoleAssignmentExists") {
		t.Fatalf("duplicate: %v", err)
	}
	// Another principal under the same name: not an update Azure allows.
	if _, err := create(ctx, ras, name, ownerDef, admins); !hasCode(err, http.StatusConflict, "RoleAssignmentUpdateNotPermitted") {
		t.Fatalf("update: %v", err)
	}
	if g, err := ras.Get(ctx, scope, name, nil); err != nil || *g.Properties.PrincipalID != alice {
		t.Fatalf("get: %v %+v", err, g)
	}
	if _, err := ras.Get(ctx, scope, "00000000-0000-4000-8000-000000000000", nil); !hasCode(err, http.StatusNotFound, "RoleAssignmentNotFound") {
		t.Fatalf("get missing: %v", err)
	}

	// A group as Reader, with the role definition id without subscription.
	grp, err := create(ctx, ras, "6ba7b810-9dad-41d1-80b4-00c04fd430c8", readerDef, admins)
	if err != nil || *grp.Properties.PrincipalType != armauthorization.PrincipalTypeGroup ||
		*grp.Properties.RoleDefinitionID != scope+"/providers/Microsoft.Authorization/roleDefinitions/"+armemu.RoleReader {
		t.Fatalf("group: %v %+v", err, grp)
	}

	// Refusals: unknown principal, unknown role, bad name, wrong type.
	if _, err := create(ctx, ras, "6ba7b811-9dad-41d1-80b4-00c04fd430c8", ownerDef, ghost); !hasCode(err, http.StatusBadRequest, "PrincipalNotFound") {
		t.Fatalf("ghost: %v", err)
	}
	if _, err := create(ctx, ras, "6ba7b812-9dad-41d1-80b4-00c04fd430c8", scope+"/providers/Microsoft.Authorization/roleDefinitions/11111111-1111-4111-8111-111111111111", alice); !hasCode(err, http.StatusBadRequest, "RoleDefinitionDoesNotExist") {
		t.Fatalf("unknown role: %v", err)
	}
	if _, err := create(ctx, ras, "not-a-guid", ownerDef, alice); !hasCode(err, http.StatusBadRequest, "InvalidRoleAssignmentId") {
		t.Fatalf("bad name: %v", err)
	}
	_, err = ras.Create(ctx, scope, "6ba7b813-9dad-41d1-80b4-00c04fd430c8", armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr(ownerDef), PrincipalID: to.Ptr(admins), PrincipalType: to.Ptr(armauthorization.PrincipalTypeUser)}}, nil)
	if !hasCode(err, http.StatusBadRequest, "UnmatchedPrincipalType") {
		t.Fatalf("wrong type: %v", err)
	}

	// Lists: all, and by principal.
	list := func(filter string) []*armauthorization.RoleAssignment {
		var opts *armauthorization.RoleAssignmentsClientListForSubscriptionOptions
		if filter != "" {
			opts = &armauthorization.RoleAssignmentsClientListForSubscriptionOptions{Filter: to.Ptr(filter)}
		}
		var out []*armauthorization.RoleAssignment
		for pg := ras.NewListForSubscriptionPager(opts); pg.More(); {
			page, err := pg.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, page.Value...)
		}
		return out
	}
	if all := list(""); len(all) != 2 {
		t.Fatalf("%d assignments", len(all))
	}
	if mine := list("principalId eq '" + alice + "'"); len(mine) != 1 || *mine[0].Name != name {
		t.Fatalf("alice's: %+v", mine)
	}
	if scoped := list("atScope() and principalId eq '" + admins + "'"); len(scoped) != 1 {
		t.Fatalf("admins': %+v", scoped)
	}
	if none := list("principalId eq '" + ghost + "'"); len(none) != 0 {
		t.Fatalf("ghost's: %+v", none)
	}

	// Role definitions.
	owner, err := rds.Get(ctx, scope, armemu.RoleOwner, nil)
	if err != nil || *owner.Properties.RoleName != "Owner" || *owner.Properties.RoleType != "BuiltInRole" || *owner.ID != ownerDef {
		t.Fatalf("owner: %v %+v", err, owner)
	}
	if _, err := rds.Get(ctx, scope, "11111111-1111-4111-8111-111111111111", nil); !hasCode(err, http.StatusNotFound, "RoleDefinitionDoesNotExist") {
		t.Fatalf("unknown definition: %v", err)
	}
	var names []string
	for pg := rds.NewListPager(scope, &armauthorization.RoleDefinitionsClientListOptions{Filter: to.Ptr("roleName eq 'Contributor'")}); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Value {
			names = append(names, *d.Properties.RoleName+"="+*d.Name)
		}
	}
	if len(names) != 1 || names[0] != "Contributor="+armemu.RoleContributor {
		t.Fatalf("definitions %v", names)
	}

	// Delete: 200 with the assignment, then 204.
	del, err := ras.Delete(ctx, scope, name, nil)
	if err != nil || del.Name == nil || *del.Name != name {
		t.Fatalf("delete: %v %+v", err, del)
	}
	if del, err := ras.Delete(ctx, scope, name, nil); err != nil || del.Name != nil {
		t.Fatalf("delete again: %v %+v", err, del)
	}
	if n := len(em.RoleAssignments(sub)); n != 1 {
		t.Fatalf("%d assignments left", n)
	}
}

// TestRoleAssignmentDroppedAfterCommit: an answer lost after Azure created
// the assignment is retried by the SDK under the same name, and there is
// still exactly one assignment.
func TestRoleAssignmentDroppedAfterCommit(t *testing.T) {
	t.Parallel()
	em, ras, _ := authzClients(t)
	em.DropRoleAssignmentAfterCommit(1)
	if _, err := create(context.Background(), ras, "3f2504e0-4f89-41d3-9a0c-0305e82c3301", ownerDef, alice); err != nil {
		t.Fatal(err)
	}
	if n, puts := len(em.RoleAssignments(sub)), em.Count("PUT roleassignment"); n != 1 || puts != 2 {
		t.Fatalf("%d assignments after %d PUTs", n, puts)
	}
}

func hasCode(err error, status int, c string) bool {
	s, got := code(err)
	return s == status && got == c
}
