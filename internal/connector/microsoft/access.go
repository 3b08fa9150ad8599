package microsoft

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/mercato-market/mercato/internal/connector/azure"
)

// Granting the customer access to an Azure plan's subscription.
//
// A CSP customer cannot reach the Azure subscription of its plan: only the
// partner (admin on behalf of) can. When the buyer asks for it, with the
// configuration parameters "grant_admin_access" (boolean) and
// "admin_object_id" (the Entra object id of a user or group of the
// customer's tenant), the connector assigns that principal a role on the
// subscription through Azure Resource Manager: Owner, or the product's
// "azure.admin_role" (Owner, Contributor, Reader or a role definition id).
// It signs in to Entra ID as the partner's multi-tenant app in the
// customer's tenant (the Partner Center customer id is its tenant id) for
// the ARM audience, with the Azure SDK, so that the same code works
// against management.azure.com and the emulators.
//
// The role assignment's name is a UUIDv5 of the Azure subscription,
// principal and role, so a delivery repeated after a crash finds it (GET)
// or re-creates the same one; 409 RoleAssignmentExists (the same access
// given another way) counts as done.

// Configuration parameters and metadata keys of the admin access grant.
const (
	ConfigGrantAdminAccess = "grant_admin_access" // boolean
	ConfigAdminObjectID    = "admin_object_id"    // Entra object id (GUID) of a user or group

	MetaAdminRole = "azure.admin_role" // product: Owner (default), Contributor, Reader or a role definition id

	MetaAdminPrincipal      = "azure.admin_principal_id"       // subscription: the principal granted
	MetaAdminRoleAssignment = "azure.admin_role_assignment_id" // subscription: the role assignment's ARM id
)

// Built-in Azure role definition ids (learn.microsoft.com, "Azure built-in
// roles"): the same in every tenant.
var builtinRoles = map[string]string{
	"owner":       "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
	"contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
	"reader":      "acdd72a7-3385-48ef-bd42-f606fba81ae7",
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// accessRequest is what a subscription asks: principal to get role.
type accessRequest struct {
	principal string // lower-case object id
	role      string // role definition id (GUID)
	roleName  string // as the operator wrote it, for the customer
}

// adminAccessRequest reads the buyer's request for admin access to an
// Azure plan; nil when there is none. A request that cannot be served (no
// or a malformed object id, a role the operator mistyped) is a permanent
// failure, found before anything is ordered.
func adminAccessRequest(sub mSubscription, prod mProduct) (*accessRequest, error) {
	if prod.Type != TypeAzurePlan || !configBool(sub, ConfigGrantAdminAccess) {
		return nil, nil
	}
	principal := strings.ToLower(configString(sub, ConfigAdminObjectID))
	if principal == "" {
		return nil, &permanent{Reason: "You asked for access to the Azure subscription but gave no administrator object id. Order again with the object id of a user or group of your Microsoft tenant (Microsoft Entra admin center, Users, Object ID)."}
	}
	if !guidRE.MatchString(principal) {
		return nil, &permanent{Reason: fmt.Sprintf("The administrator object id %q is not valid: it is a GUID such as 00000000-0000-0000-0000-000000000000 (Microsoft Entra admin center, Users, Object ID).", principal)}
	}
	name := strings.TrimSpace(prod.Metadata[MetaAdminRole])
	if name == "" {
		name = "Owner"
	}
	role := builtinRoles[strings.ToLower(name)]
	if role == "" && guidRE.MatchString(name) {
		role = strings.ToLower(name)
	}
	if role == "" {
		return nil, &permanent{Reason: fmt.Sprintf("This product is not configured correctly (unknown Azure role %q): access to the Azure subscription cannot be granted.", name)}
	}
	return &accessRequest{principal: principal, role: role, roleName: name}, nil
}

// assignmentName is the role assignment's deterministic name: a UUIDv5
// (RFC 9562) of the Azure subscription, principal and role.
func assignmentName(azureSub string, req *accessRequest) string {
	// The RFC's URL namespace, 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte("mercato:azure-admin-access:" + strings.ToLower(azureSub) + ":" + req.principal + ":" + req.role))
	u := h.Sum(nil)[:16]
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// armAccess grants roles through ARM, with one credential (and its token
// cache) per customer tenant.
type armAccess struct {
	endpoints azure.Endpoints
	retry     policy.RetryOptions

	mu    sync.Mutex
	creds map[string]armClient
}

type armClient struct {
	cred azcore.TokenCredential
	opts azarm.ClientOptions
}

func newARMAccess(e *azure.Endpoints, retry policy.RetryOptions) (*armAccess, error) {
	if e == nil {
		return nil, nil
	}
	if e.ClientID == "" || e.ClientSecret == "" {
		return nil, errors.New("microsoft connector: the Azure client id and secret are required")
	}
	return &armAccess{endpoints: *e, retry: retry, creds: map[string]armClient{}}, nil
}

// client returns the credential and options for tenant (the configured
// tenant when set, else the customer's).
func (a *armAccess) client(tenant string) (armClient, error) {
	if a.endpoints.TenantID != "" {
		tenant = a.endpoints.TenantID
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.creds[tenant]; ok {
		return c, nil
	}
	e := a.endpoints
	e.TenantID = tenant
	cred, opts, err := azure.SDKConfig(e)
	if err != nil {
		return armClient{}, err
	}
	opts.Retry = a.retry
	c := armClient{cred: cred, opts: opts}
	a.creds[tenant] = c
	return c, nil
}

// grant gives req's principal its role on Azure subscription azureSub of
// the customer tenant, once, and returns the role assignment's id.
func (a *armAccess) grant(ctx context.Context, tenant, azureSub string, req *accessRequest, description string) (string, error) {
	c, err := a.client(tenant)
	if err != nil {
		return "", err
	}
	ras, err := armauthorization.NewRoleAssignmentsClient(azureSub, c.cred, &c.opts)
	if err != nil {
		return "", err
	}
	scope := "/subscriptions/" + azureSub
	name := assignmentName(azureSub, req)
	if got, err := ras.Get(ctx, scope, name, nil); err == nil {
		return *got.ID, nil // granted by an earlier delivery
	} else if status, _ := armCode(err); status != http.StatusNotFound {
		return "", err
	}
	created, err := ras.Create(ctx, scope, name, armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		RoleDefinitionID: to.Ptr(scope + "/providers/Microsoft.Authorization/roleDefinitions/" + req.role),
		PrincipalID:      to.Ptr(req.principal),
		Description:      to.Ptr(description),
	}}, nil)
	if err == nil {
		return *created.ID, nil
	}
	if status, code := armCode(err); status != http.StatusConflict || code != "RoleAssignmentExists" {
		return "", err
	}
	// The principal already has the role on the subscription (given some
	// other way): find that assignment.
	pager := ras.NewListForSubscriptionPager(&armauthorization.RoleAssignmentsClientListForSubscriptionOptions{
		Filter: to.Ptr("principalId eq '" + req.principal + "'")})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, ra := range page.Value {
			if ra.Properties != nil && ra.Properties.RoleDefinitionID != nil && ra.ID != nil &&
				strings.HasSuffix(strings.ToLower(*ra.Properties.RoleDefinitionID), "/"+req.role) {
				return *ra.ID, nil
			}
		}
	}
	return scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, nil
}

// armCode is the HTTP status and Azure error code of an ARM error.
func armCode(err error) (int, string) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode, re.ErrorCode
	}
	return 0, ""
}

// armMessage is Azure's error message of an ARM refusal.
func armMessage(err error) string {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil || re.RawResponse.Body == nil {
		return ""
	}
	raw, _ := io.ReadAll(io.LimitReader(re.RawResponse.Body, 64<<10))
	var body struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) != nil {
		return ""
	}
	return body.Error.Message
}

// grantAdminAccess grants req on the plan's Azure subscription (recorded in
// md) and records it. Refusals of the request itself are permanent
// failures with a reason for the customer; throttling, 5xx, network and
// sign-in failures are retried with the webhook.
func (c *Connector) grantAdminAccess(ctx context.Context, sub mSubscription, md map[string]string, req *accessRequest) error {
	if md[MetaAdminRoleAssignment] != "" && strings.EqualFold(md[MetaAdminPrincipal], req.principal) {
		return nil
	}
	azureSub := md[MetaAzureSubID]
	id, err := c.arm.grant(ctx, md[MetaCustomerID], azureSub, req, fmt.Sprintf("Granted by Mercato for subscription #%d", sub.ID))
	if err != nil {
		var authErr *azidentity.AuthenticationFailedError
		status, code := armCode(err)
		switch {
		case errors.As(err, &authErr), status == 0, status == http.StatusUnauthorized, status == http.StatusRequestTimeout,
			status == http.StatusTooManyRequests, status >= 500:
			return fmt.Errorf("grant %s on azure subscription %s: %w", req.roleName, azureSub, err)
		case code == "PrincipalNotFound" || code == "InvalidPrincipalId":
			return &permanent{Reason: fmt.Sprintf("Access to your Azure subscription %s could not be granted: the administrator object id %s does not exist in your Microsoft tenant %s. "+
				"Ask for access with the object id of a user or group of that tenant.", azureSub, req.principal, md[MetaDomain]), Err: err}
		default:
			reason := fmt.Sprintf("Access to your Azure subscription %s could not be granted (%s).", azureSub, code)
			if msg := armMessage(err); msg != "" {
				reason += " Microsoft said: " + msg
			}
			return &permanent{Reason: reason, Err: err}
		}
	}
	md[MetaAdminPrincipal], md[MetaAdminRoleAssignment] = req.principal, id
	if err := c.m.setMetadata(ctx, sub.ID, md); err != nil {
		return err
	}
	c.log.InfoContext(ctx, "microsoft connector: azure access granted", "subscription", sub.ID, "azure_subscription", azureSub,
		"principal", req.principal, "role", req.roleName, "assignment", id)
	return nil
}
