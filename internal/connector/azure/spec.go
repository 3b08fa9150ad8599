package azure

import (
	"encoding/json"
	"fmt"
	"strings"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/armproduct"
)

// Integration metadata the connector reads from a product.
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
	prefix, _ := sub.Configuration[armproduct.PrefixParameter].(string)
	if !armproduct.PrefixRule.MatchString(prefix) {
		return nil, badSpec("the resource name prefix %q breaks Azure's naming rules: 3 to 12 lower-case letters and digits, starting with a letter", prefix)
	}
	loc, _ := sub.Configuration["location"].(string)
	if loc == "" {
		loc = p.Metadata[armproduct.MetaLocation]
	}
	if loc == "" {
		loc = c.cfg.Location
	}
	s := &spec{prefix: prefix, location: strings.ToLower(strings.ReplaceAll(loc, " ", "")),
		group: "rg-" + prefix, deployment: fmt.Sprintf("mercato-%d", sub.ID),
		launchOutput: p.Metadata[armproduct.MetaLaunchOutput], acceptTerms: p.Metadata[armproduct.MetaAcceptTerms] != "false"}
	adminUser := prefix + "admin"
	mapping := armproduct.ParameterMapping{}
	switch p.Type {
	case "arm_template":
		s.template = json.RawMessage(p.Metadata[armproduct.MetaTemplate])
		if len(s.template) == 0 {
			return nil, badSpec("product %d has no ARM template (metadata %s)", p.ID, armproduct.MetaTemplate)
		}
		if raw := p.Metadata[armproduct.MetaParameters]; raw != "" {
			if err := json.Unmarshal([]byte(raw), &mapping); err != nil {
				return nil, badSpec("product %d: metadata %s is not a parameter mapping: %v", p.ID, armproduct.MetaParameters, err)
			}
		}
	case "azure_marketplace_vm":
		pub, offer, pl := p.Metadata[armproduct.MetaPublisher], p.Metadata[armproduct.MetaOffer], p.Metadata[armproduct.MetaPlan]
		if pub == "" || offer == "" || pl == "" {
			return nil, badSpec("product %d needs %s, %s and %s", p.ID, armproduct.MetaPublisher, armproduct.MetaOffer, armproduct.MetaPlan)
		}
		size := p.Metadata[armproduct.MetaVMSize]
		if size == "" {
			size = "Standard_B2s"
		}
		s.template = json.RawMessage(vmTemplate)
		s.password = password()
		mapping = armproduct.ParameterMapping{
			"publisher": {Source: armproduct.SourceFixed, Value: pub}, "offer": {Source: armproduct.SourceFixed, Value: offer},
			"plan": {Source: armproduct.SourceFixed, Value: pl}, "vmSize": {Source: armproduct.SourceFixed, Value: size},
			"adminPassword": {Source: armproduct.SourceFixed, Value: s.password},
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
		src := mapping.SourceOf(tp)
		switch src.Source {
		case armproduct.SourceFixed:
			s.params[tp.Name] = src.Value
		case armproduct.SourceMarketplace:
			s.params[tp.Name] = map[string]any{armproduct.FromPrefix: prefix, armproduct.FromLocation: s.location, armproduct.FromAdminUser: adminUser}[src.From]
		case armproduct.SourceBuyer:
			v, ok := sub.Configuration[tp.Name]
			if !ok {
				continue // the engine reports a missing required value
			}
			bv, err := armproduct.BuyerValue(tp, v)
			if err != nil {
				return nil, badSpec("parameter %s: %v", tp.Name, err)
			}
			s.params[tp.Name] = bv
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
