package azure

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/catalog"
)

// Integration metadata the connector reads from a product.
const (
	// MetaTemplate is an arm_template product's ARM template (JSON).
	MetaTemplate = "arm.template"
	// MetaParameters maps the template's parameters to their source
	// (a JSON ParameterMapping); unmapped ones follow DefaultSource.
	MetaParameters = "arm.parameters"
	// MetaLaunchOutput names the template output holding the launch URL
	// (or host name); without it the URL is https://<prefix>.<region>.cloudapp.azure.com.
	MetaLaunchOutput = "azure.launch_output"
	// MetaLocation is the region deployed to unless the buyer chose one
	// (configuration "location").
	MetaLocation = "azure.location"
	// MetaAcceptTerms set to "false" leaves Marketplace terms to the
	// operator: a plan whose terms nobody accepted then fails.
	MetaAcceptTerms = "azure.accept_terms"
	// MetaPublisher, MetaOffer and MetaPlan name an Azure Marketplace VM
	// image (azure_marketplace_vm products); MetaVMSize its size.
	MetaPublisher = "azure.publisher"
	MetaOffer     = "azure.offer"
	MetaPlan      = "azure.plan"
	MetaVMSize    = "azure.vm_size"
)

// PrefixParameter is the configuration key of the buyer's global prefix.
const PrefixParameter = "global_prefix"

// prefixRule is Azure's tightest naming rule among the resources named
// from the prefix (storage accounts: lower-case letters and digits; DNS
// labels: start with a letter), kept short enough for suffixes.
var prefixRule = regexp.MustCompile(`^[a-z][a-z0-9]{2,11}$`)

// Source says where a template parameter's value comes from.
type Source string

// Parameter sources.
const (
	SourceBuyer       Source = "buyer"       // the buyer fills it in at checkout
	SourceFixed       Source = "fixed"       // the vendor fixes the value
	SourceMarketplace Source = "marketplace" // prefix, location or admin user
	SourceDefault     Source = "default"     // the template's default value
)

// Marketplace values a parameter can take (ParameterSource.From).
const (
	FromPrefix    = "prefix"
	FromLocation  = "location"
	FromAdminUser = "admin_user"
)

// ParameterSource is how one template parameter gets its value.
type ParameterSource struct {
	Source Source `json:"source"`
	// Value is the fixed value (SourceFixed).
	Value any `json:"value,omitempty"`
	// From names the marketplace value (SourceMarketplace): prefix,
	// location or admin_user.
	From string `json:"from,omitempty"`
	// Label is what the buyer sees (SourceBuyer); default the name.
	Label string `json:"label,omitempty"`
}

// ParameterMapping maps template parameter names to their sources.
type ParameterMapping map[string]ParameterSource

// DefaultSource is the source of a parameter the mapping does not name:
// names that are obviously the prefix, the location or the admin user come
// from the marketplace, parameters with defaults keep them, and the buyer
// fills in the rest.
func DefaultSource(p *engine.Parameter) ParameterSource {
	switch strings.ToLower(p.Name) {
	case "prefix", "globalprefix", "nameprefix", "dnslabelprefix", "resourceprefix":
		return ParameterSource{Source: SourceMarketplace, From: FromPrefix}
	case "location":
		return ParameterSource{Source: SourceMarketplace, From: FromLocation}
	case "adminusername", "adminuser":
		return ParameterSource{Source: SourceMarketplace, From: FromAdminUser}
	}
	if p.HasDefault {
		return ParameterSource{Source: SourceDefault}
	}
	return ParameterSource{Source: SourceBuyer}
}

// source is the mapped or default source of p.
func (m ParameterMapping) source(p *engine.Parameter) ParameterSource {
	for name, s := range m {
		if strings.EqualFold(name, p.Name) {
			return s
		}
	}
	return DefaultSource(p)
}

// Check reports mapping entries that name no parameter, unknown sources
// and marketplace values, and fixed values the template refuses.
func (m ParameterMapping) Check(t *engine.Template) error {
	var errs []error
	for name, s := range m {
		p, ok := t.Parameter(name)
		if !ok {
			errs = append(errs, fmt.Errorf("parameter %q is not in the template", name))
			continue
		}
		switch s.Source {
		case SourceBuyer:
		case SourceDefault:
			if !p.HasDefault {
				errs = append(errs, fmt.Errorf("parameter %q has no default value", name))
			}
		case SourceFixed:
			if s.Value == nil {
				errs = append(errs, fmt.Errorf("parameter %q: a fixed value is required", name))
			}
		case SourceMarketplace:
			switch s.From {
			case FromPrefix, FromLocation, FromAdminUser:
			default:
				errs = append(errs, fmt.Errorf("parameter %q: from must be prefix, location or admin_user", name))
			}
		default:
			errs = append(errs, fmt.Errorf("parameter %q: source must be buyer, fixed, marketplace or default", name))
		}
	}
	return errors.Join(errs...)
}

// Form is the product's checkout form for a template and a mapping: the
// global prefix first, then one field per buyer parameter, with the
// template's constraints where the catalog can express them.
func Form(t *engine.Template, m ParameterMapping) []catalog.Parameter {
	out := []catalog.Parameter{{Name: PrefixParameter, Label: "Resource name prefix", Type: catalog.ParamString, Required: true,
		Pattern: "[a-z][a-z0-9]{2,11}", Description: "3 to 12 lower-case letters and digits, starting with a letter; names every Azure resource"}}
	for _, p := range t.Parameters {
		s := m.source(p)
		if s.Source != SourceBuyer || strings.EqualFold(p.Name, PrefixParameter) {
			continue
		}
		f := catalog.Parameter{Name: p.Name, Label: s.Label, Description: p.Description, Required: !p.HasDefault, Secret: p.Secure()}
		if f.Label == "" {
			f.Label = p.Name
		}
		switch p.Type {
		case "int":
			f.Type = catalog.ParamInteger
		case "bool":
			f.Type = catalog.ParamBoolean
		default:
			f.Type = catalog.ParamString
		}
		if p.MinLength != nil {
			f.MinLength = int(*p.MinLength)
		}
		if p.MaxLength != nil {
			f.MaxLength = int(*p.MaxLength)
		}
		for _, v := range p.AllowedValues {
			f.AllowedValues = append(f.AllowedValues, fmt.Sprint(v))
		}
		out = append(out, f)
	}
	return out
}

// spec is what one subscription deploys.
type spec struct {
	prefix, location, group, deployment string
	template                            json.RawMessage
	tpl                                 *engine.Template
	params                              map[string]any
	launchOutput                        string
	acceptTerms                         bool
	// password is the VM administrator's, generated for Marketplace VMs and
	// given to the customer as a credential.
	password string
}

// specError is a bad product or bad buyer values: the subscription fails
// at once and nothing is deployed.
type specError struct{ msg string }

func (e *specError) Error() string { return e.msg }

func badSpec(format string, args ...any) error { return &specError{msg: fmt.Sprintf(format, args...)} }

// buildSpec reads the template, the parameter values and the names of
// what a subscription deploys.
func (c *Connector) buildSpec(sub subscription, p product, password func() string) (*spec, error) {
	prefix, _ := sub.Configuration[PrefixParameter].(string)
	if !prefixRule.MatchString(prefix) {
		return nil, badSpec("the resource name prefix %q breaks Azure's naming rules: 3 to 12 lower-case letters and digits, starting with a letter", prefix)
	}
	loc, _ := sub.Configuration["location"].(string)
	if loc == "" {
		loc = p.Metadata[MetaLocation]
	}
	if loc == "" {
		loc = c.cfg.Location
	}
	s := &spec{prefix: prefix, location: strings.ToLower(strings.ReplaceAll(loc, " ", "")),
		group: "rg-" + prefix, deployment: fmt.Sprintf("mercato-%d", sub.ID),
		launchOutput: p.Metadata[MetaLaunchOutput], acceptTerms: p.Metadata[MetaAcceptTerms] != "false"}
	adminUser := prefix + "admin"
	mapping := ParameterMapping{}
	switch p.Type {
	case "arm_template":
		s.template = json.RawMessage(p.Metadata[MetaTemplate])
		if len(s.template) == 0 {
			return nil, badSpec("product %d has no ARM template (metadata %s)", p.ID, MetaTemplate)
		}
		if raw := p.Metadata[MetaParameters]; raw != "" {
			if err := json.Unmarshal([]byte(raw), &mapping); err != nil {
				return nil, badSpec("product %d: metadata %s is not a parameter mapping: %v", p.ID, MetaParameters, err)
			}
		}
	case "azure_marketplace_vm":
		pub, offer, pl := p.Metadata[MetaPublisher], p.Metadata[MetaOffer], p.Metadata[MetaPlan]
		if pub == "" || offer == "" || pl == "" {
			return nil, badSpec("product %d needs %s, %s and %s", p.ID, MetaPublisher, MetaOffer, MetaPlan)
		}
		size := p.Metadata[MetaVMSize]
		if size == "" {
			size = "Standard_B2s"
		}
		s.template = json.RawMessage(vmTemplate)
		s.password = password()
		mapping = ParameterMapping{
			"publisher": {Source: SourceFixed, Value: pub}, "offer": {Source: SourceFixed, Value: offer},
			"plan": {Source: SourceFixed, Value: pl}, "vmSize": {Source: SourceFixed, Value: size},
			"adminPassword": {Source: SourceFixed, Value: s.password},
		}
		if s.launchOutput == "" {
			s.launchOutput = "fqdn"
		}
	default:
		return nil, badSpec("product type %s is not deployed to Azure", p.Type)
	}
	t, err := engine.ParseTemplate(s.template)
	if err != nil {
		return nil, badSpec("the product's ARM template is invalid: %v", err)
	}
	if err := mapping.Check(t); err != nil {
		return nil, badSpec("the product's parameter mapping is invalid: %v", err)
	}
	s.tpl = t
	s.params = map[string]any{}
	for _, tp := range t.Parameters {
		src := mapping.source(tp)
		switch src.Source {
		case SourceFixed:
			s.params[tp.Name] = src.Value
		case SourceMarketplace:
			s.params[tp.Name] = map[string]any{FromPrefix: prefix, FromLocation: s.location, FromAdminUser: adminUser}[src.From]
		case SourceBuyer:
			v, ok := sub.Configuration[tp.Name]
			if !ok {
				continue // the engine reports a missing required value
			}
			if f, isNum := v.(float64); isNum && tp.Type == "int" {
				v = int64(f)
			}
			s.params[tp.Name] = v
		}
	}
	return s, nil
}

// vmTemplate deploys an Azure Marketplace image as a VM reachable at
// <prefix>.<region>.cloudapp.azure.com; its fqdn output is read from the
// public IP address once deployed (reference()).
const vmTemplate = `{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "prefix": {"type": "string", "minLength": 3, "maxLength": 12},
    "location": {"type": "string"},
    "vmSize": {"type": "string"},
    "adminUsername": {"type": "string"},
    "adminPassword": {"type": "securestring", "minLength": 12},
    "publisher": {"type": "string"},
    "offer": {"type": "string"},
    "plan": {"type": "string"}
  },
  "variables": {
    "ipName": "[concat(parameters('prefix'), '-ip')]",
    "netName": "[concat(parameters('prefix'), '-vnet')]",
    "nicName": "[concat(parameters('prefix'), '-nic')]",
    "vmName": "[concat(parameters('prefix'), '-vm')]"
  },
  "resources": [
    {"type": "Microsoft.Network/publicIPAddresses", "apiVersion": "2023-09-01", "name": "[variables('ipName')]", "location": "[parameters('location')]",
     "sku": {"name": "Standard"},
     "properties": {"publicIPAllocationMethod": "Static", "dnsSettings": {"domainNameLabel": "[parameters('prefix')]"}}},
    {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "[variables('netName')]", "location": "[parameters('location')]",
     "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}]}},
    {"type": "Microsoft.Network/networkInterfaces", "apiVersion": "2023-09-01", "name": "[variables('nicName')]", "location": "[parameters('location')]",
     "dependsOn": ["[resourceId('Microsoft.Network/publicIPAddresses', variables('ipName'))]", "[resourceId('Microsoft.Network/virtualNetworks', variables('netName'))]"],
     "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
       "subnet": {"id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', variables('netName'), 'default')]"},
       "publicIPAddress": {"id": "[resourceId('Microsoft.Network/publicIPAddresses', variables('ipName'))]"}}}]}},
    {"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2024-03-01", "name": "[variables('vmName')]", "location": "[parameters('location')]",
     "dependsOn": ["[resourceId('Microsoft.Network/networkInterfaces', variables('nicName'))]"],
     "plan": {"name": "[parameters('plan')]", "publisher": "[parameters('publisher')]", "product": "[parameters('offer')]"},
     "properties": {
       "hardwareProfile": {"vmSize": "[parameters('vmSize')]"},
       "osProfile": {"computerName": "[variables('vmName')]", "adminUsername": "[parameters('adminUsername')]", "adminPassword": "[parameters('adminPassword')]"},
       "storageProfile": {"imageReference": {"publisher": "[parameters('publisher')]", "offer": "[parameters('offer')]", "sku": "[parameters('plan')]", "version": "latest"},
                          "osDisk": {"createOption": "FromImage"}},
       "networkProfile": {"networkInterfaces": [{"id": "[resourceId('Microsoft.Network/networkInterfaces', variables('nicName'))]"}]}}}
  ],
  "outputs": {
    "fqdn": {"type": "string", "value": "[reference(resourceId('Microsoft.Network/publicIPAddresses', variables('ipName'))).dnsSettings.fqdn]"},
    "adminUsername": {"type": "string", "value": "[parameters('adminUsername')]"}
  }
}`
