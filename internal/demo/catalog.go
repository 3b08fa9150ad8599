package demo

import (
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
)

func decimalOf(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

type demoPlan struct {
	name     string
	pricing  string
	metadata map[string]string
}

// globalPrefix is the Azure naming prefix the buyer chooses for the
// resources of a deployment.
var globalPrefix = catalog.Parameter{Name: "global_prefix", Label: "Resource name prefix", Type: catalog.ParamString, Required: true,
	Pattern: "[a-z][a-z0-9]{2,11}", Description: "3 to 12 lower-case letters and digits, starting with a letter; names every Azure resource"}

// products is one published product of every type, with plans that use
// every pricing model.
var products = []struct {
	name, description string
	typ               catalog.ProductType
	metadata          map[string]string
	parameters        []catalog.Parameter
	plans             []demoPlan
}{
	{
		name: "Contoso CRM", description: "A multi-tenant CRM hosted by Contoso, provisioned by webhooks.", typ: catalog.TypeSaaS,
		parameters: []catalog.Parameter{{Name: "company_subdomain", Label: "Your subdomain", Type: catalog.ParamString, Required: true, Pattern: "[a-z0-9-]{3,30}"}},
		plans: []demoPlan{
			{name: "Starter", pricing: `{"currency":"EUR","period":"P1M","model":"flat","amount":"29.00","trial_days":14}`},
			{name: "Team", pricing: `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"8.00","setup_fee":"50.00"}`},
			{name: "Business", pricing: `{"currency":"EUR","period":"P1M","model":"graduated","unit":"seat","tiers":[{"up_to":10,"unit_amount":"5.00","flat_amount":"0"},{"up_to":null,"unit_amount":"4.00"}],"setup_fee":"10.00","metrics":[{"name":"storage","unit":"GB","aggregation":"max","model":"per_unit","unit_amount":"0.10"}]}`},
		},
	},
	{
		name: "Microsoft 365 Business Basic", description: "Microsoft 365 seats through Partner Center (new commerce).", typ: catalog.TypeMicrosoftCSP,
		metadata:   map[string]string{"partner_center.product_id": "CFQ7TTC0LH18", "partner_center.sku_id": "0001", "partner_center.commerce": "new"},
		parameters: []catalog.Parameter{{Name: "domain", Label: "Microsoft tenant domain", Type: catalog.ParamString, Required: true, Pattern: "[a-z0-9][a-z0-9-]{1,26}\\.onmicrosoft\\.com"}},
		plans: []demoPlan{
			{name: "Annual commitment, monthly billing", pricing: `{"currency":"EUR","period":"P1M","commitment":"P1Y","cancellation_window_days":7,"model":"volume","unit":"seat","tiers":[{"up_to":299,"unit_amount":"5.60"},{"up_to":null,"unit_amount":"5.30"}]}`},
		},
	},
	{
		name: "Azure plan", description: "Pay-as-you-go Azure, billed monthly from usage with a markup.", typ: catalog.TypeAzurePlan,
		metadata: map[string]string{"partner_center.product_id": "DZH318Z0BPS6", "partner_center.sku_id": "0001"},
		parameters: []catalog.Parameter{
			{Name: "grant_admin_access", Label: "Give my administrator access to the Azure subscription", Type: catalog.ParamBoolean,
				Description: "A CSP customer cannot reach its Azure subscription until the partner grants access; this grants the Owner role"},
			{Name: "admin_object_id", Label: "Administrator object id", Type: catalog.ParamString,
				Pattern:     "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
				Description: "The Microsoft Entra object id of the user or group to grant access (Entra admin center, Users, Object ID)"},
		},
		plans: []demoPlan{
			{name: "Pay as you go", pricing: `{"currency":"EUR","period":"P1M","model":"flat","amount":"0","metrics":[{"name":"azure_consumption","unit":"EUR","aggregation":"sum","model":"per_unit","unit_amount":"1.05"}]}`},
		},
	},
	{
		name: "Ubuntu Server VM", description: "An Azure Marketplace Ubuntu virtual machine in your subscription.", typ: catalog.TypeAzureMarketplaceVM,
		metadata: map[string]string{"azure.publisher": "canonical", "azure.offer": "ubuntu-24_04-lts", "azure.plan": "server", "azure.vm_size": "Standard_B2s",
			// The publisher's terms the buyer accepts at checkout: the links
			// the ARM emulator's agreements API gives for this plan.
			catalog.MetaTermsLicense:     "https://mpcprodsa.blob.core.windows.net/legalterms/3E5ED_legalterms_CANONICAL.txt",
			catalog.MetaTermsPrivacy:     "https://canonical.example/privacy",
			catalog.MetaTermsMarketplace: "https://mpcprodsa.blob.core.windows.net/marketplaceterms/3EDEF_marketplaceterms_VIRTUALMACHINE.txt",
			catalog.MetaTermsSummary:     "Ubuntu Server is published by Canonical on Azure Marketplace; the image is free software, and Azure bills the VM's compute."},
		parameters: []catalog.Parameter{globalPrefix},
		plans: []demoPlan{
			{name: "Managed VM", pricing: `{"currency":"EUR","period":"P1M","model":"package","unit":"vm","package_size":5,"amount":"90.00","setup_fee":"25.00"}`},
		},
	},
	{
		name: "WordPress on Azure", description: "A WordPress site deployed from an ARM template.", typ: catalog.TypeARMTemplate,
		metadata:   map[string]string{"arm.template": wordpressTemplate, "azure.launch_output": "siteUrl"},
		parameters: []catalog.Parameter{globalPrefix},
		plans: []demoPlan{
			{name: "Site", pricing: `{"currency":"EUR","period":"P1M","model":"volume","unit":"site","tiers":[{"up_to":3,"unit_amount":"19.00"},{"up_to":null,"unit_amount":"15.00","flat_amount":"10.00"}]}`},
		},
	},
	{
		name: "Cloud onboarding workshop", description: "A day of onboarding with a Contoso consultant, fulfilled by hand.", typ: catalog.TypeService,
		plans: []demoPlan{
			{name: "Yearly support", pricing: `{"currency":"EUR","period":"P1Y","model":"flat","amount":"1200.00"}`},
		},
	},
}

// wordpressTemplate is the demo ARM product: an App Service plan and a
// site whose URL output reads the deployed site (reference()).
const wordpressTemplate = `{"$schema":"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","contentVersion":"1.0.0.0",
"parameters":{"prefix":{"type":"string","minLength":3,"maxLength":12},"location":{"type":"string"},"sku":{"type":"string","defaultValue":"B1","allowedValues":["B1","S1"]}},
"resources":[
{"type":"Microsoft.Web/serverfarms","apiVersion":"2022-09-01","name":"[concat(parameters('prefix'),'-plan')]","location":"[parameters('location')]","sku":{"name":"[parameters('sku')]"},"kind":"linux","properties":{"reserved":true}},
{"type":"Microsoft.Web/sites","apiVersion":"2022-09-01","name":"[parameters('prefix')]","location":"[parameters('location')]",
 "dependsOn":["[resourceId('Microsoft.Web/serverfarms',concat(parameters('prefix'),'-plan'))]"],
 "properties":{"serverFarmId":"[resourceId('Microsoft.Web/serverfarms',concat(parameters('prefix'),'-plan'))]","siteConfig":{"linuxFxVersion":"DOCKER|wordpress:latest"}}}],
"outputs":{"siteUrl":{"type":"string","value":"[concat('https://',reference(resourceId('Microsoft.Web/sites',parameters('prefix'))).defaultHostName)]"}}}`
