package arm

import (
	"net/http"
	"slices"
	"strings"
)

// The resource providers the emulator knows, with each resource type's
// api-versions: requests and template resources of these types with
// another api-version are refused as Azure refuses them. Types the table
// does not list are served with any api-version (the emulator stores them
// as it receives them).

// providerType is one resource type of a provider.
type providerType struct {
	name     string // "storageAccounts", "sites/slots"
	versions []string
}

// provider is a resource provider namespace.
type provider struct {
	namespace string
	// builtIn providers are always registered (Microsoft.Resources,
	// Microsoft.Authorization, ...).
	builtIn bool
	types   []providerType
}

var (
	// resourcesVersions are Microsoft.Resources' api-versions: groups,
	// deployments, providers, tags, subscriptions, tenants. The Go SDK
	// (armresources/v3, armdeployments) and the JavaScript SDK
	// (@azure/arm-resources 8, @azure/arm-resourcesdeployments 2) send
	// 2025-04-01, @azure/arm-resources-subscriptions 3 sends 2022-12-01.
	resourcesVersions = []string{"2016-06-01", "2016-09-01", "2017-05-10", "2018-02-01", "2018-05-01", "2019-05-01", "2019-05-10",
		"2019-06-01", "2019-07-01", "2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01", "2020-06-01", "2020-08-01", "2020-10-01",
		"2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01", "2022-12-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01",
		"2025-03-01", "2025-04-01", "2026-06-01"}
	storageVersions = []string{"2016-01-01", "2016-05-01", "2016-12-01", "2017-06-01", "2017-10-01", "2018-02-01", "2018-07-01",
		"2018-11-01", "2019-04-01", "2019-06-01", "2021-01-01", "2021-02-01", "2021-04-01", "2021-06-01", "2021-08-01", "2021-09-01",
		"2022-05-01", "2022-09-01", "2023-01-01", "2023-04-01", "2023-05-01", "2024-01-01", "2025-01-01"}
	webVersions = []string{"2016-03-01", "2016-08-01", "2016-09-01", "2018-02-01", "2018-11-01", "2019-08-01", "2020-06-01",
		"2020-09-01", "2020-12-01", "2021-01-01", "2021-02-01", "2021-03-01", "2022-03-01", "2022-09-01", "2023-01-01", "2023-12-01",
		"2024-04-01"}
	computeVersions = []string{"2016-04-30-preview", "2017-03-30", "2017-12-01", "2018-04-01", "2018-06-01", "2018-10-01",
		"2019-03-01", "2019-07-01", "2019-12-01", "2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01", "2021-07-01", "2021-11-01",
		"2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01"}
	networkVersions = []string{"2016-03-30", "2016-09-01", "2017-06-01", "2017-09-01", "2018-02-01", "2018-04-01", "2018-08-01",
		"2018-11-01", "2019-02-01", "2019-04-01", "2019-06-01", "2019-09-01", "2019-11-01", "2020-03-01", "2020-05-01", "2020-06-01",
		"2020-07-01", "2020-08-01", "2020-11-01", "2021-02-01", "2021-03-01", "2021-05-01", "2021-08-01", "2022-01-01", "2022-05-01",
		"2022-07-01", "2022-09-01", "2022-11-01", "2023-02-01", "2023-04-01", "2023-05-01", "2023-06-01", "2023-09-01", "2023-11-01",
		"2024-01-01", "2024-03-01", "2024-05-01"}
)

var providers = []provider{
	{namespace: "Microsoft.Resources", builtIn: true, types: []providerType{
		{"resourceGroups", resourcesVersions}, {"deployments", resourcesVersions}, {"deployments/operations", resourcesVersions},
		{"deployments/operationStatuses", resourcesVersions}, {"tags", resourcesVersions}, {"subscriptions", resourcesVersions},
		{"tenants", resourcesVersions}, {"providers", resourcesVersions}, {"resources", resourcesVersions},
		{"calculateTemplateHash", resourcesVersions}, {"operationresults", resourcesVersions}, {"locations", resourcesVersions},
		{"tagNames", resourcesVersions}}},
	{namespace: "Microsoft.Authorization", builtIn: true, types: []providerType{
		{"roleAssignments", []string{"2015-07-01", "2018-01-01-preview", "2018-09-01-preview", "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview", "2022-01-01-preview", "2022-04-01"}},
		{"roleDefinitions", []string{"2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview"}}}},
	{namespace: "Microsoft.MarketplaceOrdering", builtIn: true, types: []providerType{
		{"offerTypes", []string{"2015-06-01", "2021-01-01"}}, {"agreements", []string{"2015-06-01", "2021-01-01"}}}},
	{namespace: "Microsoft.Storage", types: []providerType{
		{"storageAccounts", storageVersions}, {"storageAccounts/blobServices", storageVersions},
		{"storageAccounts/blobServices/containers", storageVersions}, {"storageAccounts/fileServices", storageVersions},
		{"storageAccounts/fileServices/shares", storageVersions}}},
	{namespace: "Microsoft.Web", types: []providerType{
		{"sites", webVersions}, {"serverfarms", webVersions}, {"sites/config", webVersions}, {"sites/slots", webVersions},
		{"sites/sourcecontrols", webVersions}, {"staticSites", webVersions}}},
	{namespace: "Microsoft.Compute", types: []providerType{
		{"virtualMachines", computeVersions}, {"virtualMachines/extensions", computeVersions}, {"disks", computeVersions},
		{"availabilitySets", computeVersions}, {"virtualMachineScaleSets", computeVersions}}},
	{namespace: "Microsoft.Network", types: []providerType{
		{"virtualNetworks", networkVersions}, {"virtualNetworks/subnets", networkVersions}, {"publicIPAddresses", networkVersions},
		{"networkInterfaces", networkVersions}, {"networkSecurityGroups", networkVersions}, {"loadBalancers", networkVersions}}},
	{namespace: "Microsoft.Insights", types: []providerType{
		{"components", []string{"2014-04-01", "2014-08-01", "2015-05-01", "2018-05-01-preview", "2020-02-02", "2020-02-02-preview"}}}},
}

// location is an Azure region.
type location struct{ name, display, geography string }

var locations = []location{
	{"westeurope", "West Europe", "Europe"}, {"northeurope", "North Europe", "Europe"},
	{"italynorth", "Italy North", "Italy"}, {"germanywestcentral", "Germany West Central", "Germany"},
	{"francecentral", "France Central", "France"}, {"swedencentral", "Sweden Central", "Sweden"},
	{"uksouth", "UK South", "United Kingdom"}, {"eastus", "East US", "United States"},
	{"eastus2", "East US 2", "United States"}, {"westus2", "West US 2", "United States"},
	{"centralus", "Central US", "United States"}, {"japaneast", "Japan East", "Asia Pacific"},
}

func locationNames() []string {
	out := make([]string, 0, len(locations))
	for _, l := range locations {
		out = append(out, l.display)
	}
	return out
}

func providerOf(namespace string) *provider {
	for i := range providers {
		if strings.EqualFold(providers[i].namespace, namespace) {
			return &providers[i]
		}
	}
	return nil
}

// typeOf finds a resource type ("Microsoft.Storage/storageAccounts").
func typeOf(fullType string) (*provider, *providerType) {
	ns, t, ok := strings.Cut(fullType, "/")
	if !ok {
		return nil, nil
	}
	p := providerOf(ns)
	if p == nil {
		return nil, nil
	}
	for i := range p.types {
		if strings.EqualFold(p.types[i].name, t) {
			return p, &p.types[i]
		}
	}
	return p, nil
}

// checkVersion refuses an api-version the resource type does not have, as
// Azure does: InvalidApiVersionParameter for Microsoft.Resources' own
// operations, NoRegisteredProviderFound for a provider's resource types.
// Unknown types are not checked.
func checkVersion(fullType, version string) error {
	p, t := typeOf(fullType)
	if t == nil {
		return nil
	}
	if slices.Contains(t.versions, version) {
		return nil
	}
	supported := strings.Join(t.versions, ", ")
	if strings.EqualFold(p.namespace, "Microsoft.Resources") {
		return newError(http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '%s' is invalid. The supported versions are '%s'.", version, supported)
	}
	return newError(http.StatusBadRequest, "NoRegisteredProviderFound",
		"No registered resource provider found for location 'westeurope' and API version '%s' for type '%s'. The supported api-versions are '%s'. The supported locations are '%s'.",
		version, t.name, supported, strings.ToLower(strings.Join(locationNames(), ", ")))
}

// requestType is the resource type a request addresses, for its
// api-version: the type after the path's last "providers/{namespace}", or
// its top-level type when the table lacks the child or the last segment is
// an action (listKeys); a Microsoft.Resources type for the paths without
// one and for a provider's own operations (register). seg is lower-cased.
func requestType(seg []string) string {
	last := -1
	for i := len(seg) - 3; i >= 0; i-- {
		if seg[i] == "providers" {
			last = i
			break
		}
	}
	if last == 2 && len(seg) == 5 && seg[0] == "subscriptions" && (seg[4] == "register" || seg[4] == "unregister") {
		last = -1 // /subscriptions/{id}/providers/{namespace}/register
	}
	switch {
	case last >= 0:
	case len(seg) >= 5 && seg[2] == "resourcegroups" && seg[4] == "deployments":
		return "Microsoft.Resources/deployments"
	case len(seg) >= 3 && seg[2] == "resourcegroups":
		return "Microsoft.Resources/resourceGroups"
	case len(seg) >= 3:
		return "Microsoft.Resources/" + seg[2]
	case len(seg) >= 1:
		return "Microsoft.Resources/" + seg[0]
	default:
		return ""
	}
	ns := seg[last+1]
	var types []string
	for j := last + 2; j < len(seg); j += 2 {
		types = append(types, seg[j])
	}
	if full := ns + "/" + strings.Join(types, "/"); len(types) == 1 {
		return full
	} else if _, t := typeOf(full); t != nil {
		return full
	}
	return ns + "/" + types[0]
}
