package arm

import (
	"fmt"
	"strings"
)

// Deployment functions (deployment, environment, parameters, variables)
// and resource and scope functions (resourceId and friends, reference,
// list*, resourceGroup, subscription, tenant, managementGroup).

func init() {
	register(map[string]*builtin{
		"parameters": {min: 1, max: 1, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			name, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			if c.fnArgs != nil {
				v, ok := c.fnArgs[strings.ToLower(name)]
				if !ok {
					return nil, fmt.Errorf("the function has no parameter '%s'", name)
				}
				return v, nil
			}
			return c.e.parameter(name)
		}},
		"variables": {min: 1, max: 1, cheap: true, notInFunctions: true, fn: func(c *callCtx, a []any) (any, error) {
			name, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			return c.e.variable(name)
		}},
		"deployment": {min: 0, max: 0, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			return c.e.deploymentObject(), nil
		}},
		"deployer": {min: 0, max: 0, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			return map[string]any{"objectId": c.e.dep.DeployerObjectID, "tenantId": c.e.dep.TenantID, "userPrincipalName": c.e.dep.DeployerUPN}, nil
		}},
		"environment": {min: 0, max: 0, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			return azureCloud(), nil
		}},
		"resourceGroup": {min: 0, max: 0, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			se := c.e.expressionScope()
			if se.dep.ResourceGroup == "" {
				return nil, fmt.Errorf("the deployment has no resource group (it deploys at %s scope)", se.tpl.Scope)
			}
			return se.resourceGroupObject(), nil
		}},
		"subscription": {min: 0, max: 0, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			d := c.e.expressionScope().dep
			return map[string]any{
				"id":             "/subscriptions/" + d.SubscriptionID,
				"subscriptionId": d.SubscriptionID,
				"tenantId":       d.TenantID,
				"displayName":    d.subscriptionName(),
			}, nil
		}},
		"tenant": {min: 0, max: 0, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			d := c.e.dep
			return map[string]any{"id": "/tenants/" + d.TenantID, "tenantId": d.TenantID, "countryCode": "US", "displayName": "Tenant"}, nil
		}},
		"managementGroup": {min: 0, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			mg := c.e.dep.ManagementGroup
			if len(a) == 1 {
				var err error
				if mg, err = argStr(a, 0); err != nil {
					return nil, err
				}
			}
			if mg == "" {
				return nil, fmt.Errorf("the deployment has no management group")
			}
			return map[string]any{"id": "/providers/Microsoft.Management/managementGroups/" + mg, "name": mg, "type": "Microsoft.Management/managementGroups", "properties": map[string]any{"displayName": mg}}, nil
		}},
		"resourceId":                {min: 2, max: -1, fn: resourceIDFn},
		"subscriptionResourceId":    {min: 2, max: -1, fn: subscriptionResourceIDFn},
		"tenantResourceId":          {min: 2, max: -1, fn: tenantResourceIDFn},
		"extensionResourceId":       {min: 3, max: -1, fn: extensionResourceIDFn},
		"managementGroupResourceId": {min: 2, max: -1, fn: managementGroupResourceIDFn},
		"reference":                 {min: 1, max: 3, cheap: true, notInFunctions: true, fn: referenceFn},
		"pickZones": {min: 3, max: 5, fn: func(c *callCtx, a []any) (any, error) {
			// Zone data needs Azure; assume the usual three zones.
			n := int64(1)
			if len(a) >= 4 {
				var err error
				if n, err = argInt(a, 3); err != nil {
					return nil, err
				}
			}
			out := []any{}
			for i := int64(1); i <= n && i <= 3; i++ {
				out = append(out, fmt.Sprint(i))
			}
			return out, nil
		}},
		"providers": {min: 1, max: 2, notInFunctions: true, fn: func(c *callCtx, a []any) (any, error) {
			return nil, fmt.Errorf("%w: providers() needs Azure's provider registry", ErrNoState)
		}},
	})
	listBuiltin = &builtin{min: 1, max: 3, cheap: true, notInFunctions: true, fn: listFn}
}

// typeAndNames splits "Namespace/type1/type2" and the names into the
// "providers/Namespace/type1/name1/type2/name2" tail of a resource id.
// Names may also be given joined with '/'.
func typeAndNames(resourceType string, names []any) (string, error) {
	segs := strings.Split(strings.Trim(resourceType, "/"), "/")
	if len(segs) < 2 || segs[0] == "" {
		return "", fmt.Errorf("%q is not a resource type of the form Namespace/type", resourceType)
	}
	var ns []string
	for i := range names {
		n, err := argStr(names, i)
		if err != nil {
			return "", fmt.Errorf("resource name: %w", err)
		}
		ns = append(ns, strings.Split(n, "/")...)
	}
	if len(ns) != len(segs)-1 {
		return "", fmt.Errorf("resource type %q needs %d name segment(s), got %d", resourceType, len(segs)-1, len(ns))
	}
	var b strings.Builder
	b.WriteString("providers/")
	b.WriteString(segs[0])
	for i, t := range segs[1:] {
		b.WriteString("/" + t + "/" + ns[i])
	}
	return b.String(), nil
}

// typeArg finds the first argument that looks like a resource type.
func typeArg(a []any) (int, error) {
	for i, v := range a {
		if s, ok := v.(string); ok && strings.Contains(s, "/") {
			return i, nil
		}
	}
	return 0, fmt.Errorf("no resource type (Namespace/type) among the arguments")
}

func resourceIDFn(c *callCtx, a []any) (any, error) {
	i, err := typeArg(a)
	if err != nil {
		return nil, err
	}
	tail, err := typeAndNames(a[i].(string), a[i+1:])
	if err != nil {
		return nil, err
	}
	se := c.e.expressionScope()
	d := se.dep
	sub, rg := d.SubscriptionID, d.ResourceGroup
	pre, err := allStrings(a[:i])
	if err != nil {
		return nil, err
	}
	switch len(pre) {
	case 0:
	case 1:
		rg = pre[0]
	case 2:
		sub, rg = pre[0], pre[1]
	default:
		return nil, fmt.Errorf("too many arguments before the resource type")
	}
	if rg == "" {
		if se.tpl.Scope == ScopeTenant || se.tpl.Scope == ScopeManagementGroup {
			return "/" + tail, nil
		}
		return groupID("/subscriptions/" + sub + "/" + tail), nil
	}
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/" + tail, nil
}

func subscriptionResourceIDFn(c *callCtx, a []any) (any, error) {
	i, err := typeArg(a)
	if err != nil {
		return nil, err
	}
	tail, err := typeAndNames(a[i].(string), a[i+1:])
	if err != nil {
		return nil, err
	}
	sub := c.e.expressionScope().dep.SubscriptionID
	switch i {
	case 0:
	case 1:
		if sub, err = argStr(a, 0); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("too many arguments before the resource type")
	}
	return groupID("/subscriptions/" + sub + "/" + tail), nil
}

// groupID writes a resource group's id as Azure does, without the
// providers/Microsoft.Resources segment.
func groupID(id string) string {
	const seg = "/providers/microsoft.resources/resourcegroups/"
	if i := strings.Index(strings.ToLower(id), seg); i >= 0 && !strings.Contains(id[i+len(seg):], "/") {
		return id[:i] + "/resourceGroups/" + id[i+len(seg):]
	}
	return id
}

func tenantResourceIDFn(c *callCtx, a []any) (any, error) {
	rt, err := argStr(a, 0)
	if err != nil {
		return nil, err
	}
	tail, err := typeAndNames(rt, a[1:])
	if err != nil {
		return nil, err
	}
	return "/" + tail, nil
}

func extensionResourceIDFn(c *callCtx, a []any) (any, error) {
	base, err := argStr(a, 0)
	if err != nil {
		return nil, err
	}
	rt, err := argStr(a, 1)
	if err != nil {
		return nil, err
	}
	tail, err := typeAndNames(rt, a[2:])
	if err != nil {
		return nil, err
	}
	return strings.TrimSuffix(base, "/") + "/" + tail, nil
}

func managementGroupResourceIDFn(c *callCtx, a []any) (any, error) {
	i, err := typeArg(a)
	if err != nil {
		return nil, err
	}
	tail, err := typeAndNames(a[i].(string), a[i+1:])
	if err != nil {
		return nil, err
	}
	mg := c.e.dep.ManagementGroup
	if i == 1 {
		if mg, err = argStr(a, 0); err != nil {
			return nil, err
		}
	} else if i > 1 {
		return nil, fmt.Errorf("too many arguments before the resource type")
	}
	return "/providers/Microsoft.Management/managementGroups/" + mg + "/" + tail, nil
}

// resolveResourceRef turns reference()'s first argument (a resource id, a
// resource name of this template or a languageVersion 2.0 symbolic name)
// into a resource id, noting template resources as implicit dependencies.
func (c *callCtx) resolveResourceRef(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("argument 1 must be a resource id or name, not %s", typeName(v))
	}
	idx := c.e.index
	if strings.HasPrefix(s, "/") {
		if idx != nil {
			if r := idx.byID[strings.ToLower(s)]; r != nil {
				c.noteRef(r.ID)
			}
		}
		return s, nil
	}
	if idx != nil {
		rs := idx.lookup(s, false)
		if len(rs) == 1 {
			c.noteRef(rs[0].ID)
			return rs[0].ID, nil
		} else if len(rs) > 1 {
			return "", fmt.Errorf("resource name '%s' is ambiguous in this template; use resourceId()", s)
		}
		if id, ok := c.e.outsideID(s); ok {
			return id, nil
		}
		return "", fmt.Errorf("the template has no resource named '%s'", s)
	}
	return "", fmt.Errorf("resource names can only be referenced once the template's resources are known")
}

func (c *callCtx) noteRef(id string) {
	if c.refs != nil {
		*c.refs = append(*c.refs, id)
	}
}

func referenceFn(c *callCtx, a []any) (any, error) {
	id, err := c.resolveResourceRef(a[0])
	if err != nil {
		return nil, err
	}
	full := false
	if len(a) == 3 {
		f, err := argStr(a, 2)
		if err != nil {
			return nil, err
		}
		full = strings.EqualFold(f, "full")
	}
	st, ok := c.e.dep.lookupState(id)
	if in, nested := c.e.nestedInstance(id); nested && (!ok || !hasOutputs(st)) {
		// A nested deployment's outputs come from its template.
		return c.e.nestedReference(in, full)
	}
	if !ok || st.Resource == nil {
		return nil, fmt.Errorf("%w: reference('%s')", ErrNoState, id)
	}
	if full {
		return st.Resource, nil
	}
	props, ok := lookupKey(st.Resource, "properties")
	if !ok {
		return map[string]any{}, nil
	}
	return props, nil
}

// hasOutputs reports whether the state of a deployment holds its outputs.
func hasOutputs(st *ResourceState) bool {
	props, _ := lookupKey(st.Resource, "properties")
	pm, _ := props.(map[string]any)
	_, ok := lookupKey(pm, "outputs")
	return ok
}

func listFn(c *callCtx, a []any) (any, error) {
	id, err := c.resolveResourceRef(a[0])
	if err != nil {
		return nil, err
	}
	st, ok := c.e.dep.lookupState(id)
	if ok {
		if v, ok := lookupKey(st.Lists, c.name); ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%w: %s('%s')", ErrNoState, c.name, id)
}

// expressionScope is the deployment whose resource group and subscription
// resourceGroup(), subscription(), resourceId() and subscriptionResourceId()
// read: a nested deployment evaluated in the outer scope (the default)
// reads its parent's, whatever it targets, as Azure does ("Template
// functions in scoped deployments": nested, outer, resolves to the parent
// resource group); one in the inner scope, or a top-level one, its own.
func (e *engine) expressionScope() *engine {
	for e.outer != nil {
		e = e.outer
	}
	return e
}

func (e *engine) resourceGroupObject() map[string]any {
	d := e.dep
	tags := map[string]any{}
	for k, v := range d.ResourceGroupTags {
		tags[k] = v
	}
	return map[string]any{
		"id":         "/subscriptions/" + d.SubscriptionID + "/resourceGroups/" + d.ResourceGroup,
		"name":       d.ResourceGroup,
		"type":       "Microsoft.Resources/resourceGroups",
		"location":   d.Location,
		"tags":       tags,
		"properties": map[string]any{"provisioningState": "Succeeded"},
	}
}

func (e *engine) deploymentObject() map[string]any {
	d := e.dep
	tpl := map[string]any{"contentVersion": e.tpl.ContentVersion}
	if e.tpl.Schema != "" {
		tpl["$schema"] = e.tpl.Schema
	}
	props := map[string]any{
		"template":          tpl,
		"templateHash":      fmt.Sprint(murmur64([]byte(toJSONString(e.tpl.raw))) >> 1),
		"parameters":        map[string]any{},
		"mode":              "Incremental",
		"provisioningState": "Accepted",
	}
	if d.TemplateLink != "" {
		props["templateLink"] = map[string]any{"uri": d.TemplateLink, "contentVersion": e.tpl.ContentVersion}
	}
	out := map[string]any{"name": d.deploymentName(), "properties": props}
	if e.tpl.Scope != ScopeResourceGroup {
		out["location"] = d.Location
	}
	return out
}

// azureCloud is environment() in Azure's public cloud.
func azureCloud() map[string]any {
	return map[string]any{
		"name":                    "AzureCloud",
		"gallery":                 "https://gallery.azure.com/",
		"graph":                   "https://graph.windows.net/",
		"portal":                  "https://portal.azure.com",
		"graphAudience":           "https://graph.windows.net/",
		"activeDirectoryDataLake": "https://datalake.azure.net/",
		"batch":                   "https://batch.core.windows.net/",
		"media":                   "https://rest.media.azure.net",
		"sqlManagement":           "https://management.core.windows.net:8443/",
		"vmImageAliasDoc":         "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json",
		"resourceManager":         "https://management.azure.com/",
		"authentication": map[string]any{
			"loginEndpoint":    "https://login.microsoftonline.com/",
			"audiences":        []any{"https://management.core.windows.net/", "https://management.azure.com/"},
			"tenant":           "common",
			"identityProvider": "AAD",
		},
		"suffixes": map[string]any{
			"acrLoginServer":                      ".azurecr.io",
			"azureDatalakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
			"azureDatalakeStoreFileSystem":        "azuredatalakestore.net",
			"azureFrontDoorEndpointSuffix":        "azurefd.net",
			"keyvaultDns":                         ".vault.azure.net",
			"sqlServerHostname":                   ".database.windows.net",
			"storage":                             "core.windows.net",
		},
	}
}
