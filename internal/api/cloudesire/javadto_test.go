package cloudesire_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The DTOs of Cloudesire's Java client (ClouDesire/java-api-client, module
// cloudesire-api-client-dto, package …apiclient.dto.model.dto) that
// decode the answers of the resources Mercato serves: every property each
// declares (its own and its superclasses', under the name Jackson gives
// it: the field, or the setter's name with leading capitals lowered, so
// getVAT/setVAT is "vat"), with its Java type. Properties with only a
// getter are left out: Jackson does not read them.
//
// The subscription is the newest layout: SubscriptionDetailDTO extends
// BaseSubscriptionDetailDTO extends BaseSubscriptionDTO (whose fields are
// BaseBaseSubscriptionDTO's), with configurationParameters as a list;
// billingItems comes from SubscriptionDTO, which SubscriptionDetailDTO
// extended in the client's earlier layout.
var javaDTOs = map[string]map[string]string{
	"UrlEntityDTO": {"url": "String"},
	"SubscriptionDetailDTO": merge(baseSubscriptionDTO, map[string]string{
		// BaseSubscriptionDetailDTO
		"credentials": "List<ApplicationCredentialOutputDTO>", "possibleUpgrades": "List<UrlEntityDTO>",
		"billingItemValues": "List<BillingItemValueDTO>", "oneshotCosts": "List<OneshotCostLineDTO>",
		"recurringCosts": "List<RecurringCostLineDTO>", "uptime": "Integer", "customerCredentialsPath": "String",
		// SubscriptionDetailDTO
		"configurationParameters": "List<SubscriptionConfigurationParameterDTO>", "changelog": "ChangeLogDTO",
		// SubscriptionDTO
		"billingItems": "List<SubscriptionBillingItemDTO>", "availableOperations": "Set<ActionDTO>",
	}),
	"SubscriptionDTO": merge(baseSubscriptionDTO, map[string]string{
		"billingItems": "List<SubscriptionBillingItemDTO>", "availableOperations": "Set<ActionDTO>",
	}),
	"SubscriptionPatchResponseDTO": {"upgrade": "enum OrderStatus", "invoice": "UrlEntityDTO", "order": "UrlEntityDTO"},
	"EndpointDTO": merge(baseEntityDTO, map[string]string{
		"endpoint": "String", "category": "enum EndpointType", "description": "String", "name": "String",
	}),
	"ApplicationCredentialOutputDTO": {"key": "String", "value": "String", "weight": "Integer", "description": "String"},
	"SubscriptionBillingItemDTO": {
		"billingItem": "UrlEntityDTO", "identifier": "String", "unit": "String", "value": "BigDecimal", "bought": "Boolean",
		"tag": "String", "unlimited": "Boolean", "endpoint": "ApiEndpointDTO",
	},
	"BillingItemValueDTO": merge(baseEntityDTO, map[string]string{
		"item": "UrlEntityDTO", "start": "Integer", "end": "Integer", "price": "BigDecimal", "vendorPrice": "BigDecimal",
		"setup": "BigDecimal", "vendorSetup": "BigDecimal", "proportionalSetup": "BigDecimal", "vendorProportionalSetup": "BigDecimal",
		"step": "Integer", "tag": "String", "description": "String", "resoldPrice": "BigDecimal", "resoldSetup": "BigDecimal",
	}),
	"SubscriptionConfigurationParameterDTO": {
		"configurationParameter": "UrlEntityDTO", "code": "String", "value": "String", "description": "String",
	},
	"ConfigurationParameterDTO": merge(namedEntityDTO, map[string]string{
		"code": "String", "description": "String", "validation": "String", "acceptedValues": "Map<String,String>",
		"externalValuesUrl": "String", "range": "Range", "hint": "String", "required": "boolean", "weight": "Integer", "sensitive": "boolean",
	}),
	"ProductDTO": merge(namedEntityDTO, map[string]string{
		"sku": "String", "company": "UrlEntityDTO", "resellerCatalog": "UrlEntityDTO", "category": "UrlEntityDTO", "type": "enum ProductType",
		"productVersion": "List<UrlEntityDTO>", "syndicationEndpoints": "Set<String>", "syndicatedEndpoint": "String", "apiUrl": "String",
		"files": "List<UrlEntityDTO>", "shortDescription": "String", "longDescription": "String", "averageRating": "BigDecimal",
		"numberOfRatings": "Long", "isFeatured": "Boolean", "attributes": "String", "endUserInstructions": "String",
		"termsOfService": "String", "privacy": "String", "serviceLevelAgreement": "String", "tags": "Set<ProductTagDTO>",
		"metrics": "List<UrlEntityDTO>", "cloudProviders": "List<UrlEntityDTO>", "isApi": "Boolean", "isBundle": "Boolean",
		"isManaged": "Boolean", "isCsp": "Boolean", "isService": "Boolean", "isSyndicated": "Boolean", "isVm": "Boolean",
		"certificate": "String", "privateKey": "String", "keyPairPresent": "boolean", "certificateHostname": "String",
		"environments": "Set<String>", "drafted": "boolean", "minimumCost": "MinimumCostDTO", "extraData": "Map<String,Object>",
		"faq": "Map<String,String>", "configurationParameters": "List<ConfigurationParameterDTO>", "notificationSecretToken": "String",
		"destination": "enum ProductDestination", "frameable": "Boolean", "published": "Date", "recommendedVersion": "UrlEntityDTO",
		"weight": "int", "silent": "boolean", "listingPrice": "BigDecimal", "requestedForApproval": "boolean",
		"cspProductType": "enum CspProductType", "apiHeaderName": "String", "apiHeaderValue": "String",
		"subscriptionsPerProduct": "enum SubscriptionsPerProduct", "subscriptionApproval": "Boolean", "orderValidationUrl": "String",
	}),
	"ProductVersionDTO": merge(namedEntityDTO, map[string]string{
		"virtualMachineConfiguration": "Set<UrlEntityDTO>", "product": "UrlEntityDTO", "identifier": "String", "bandwidthInGB": "BigDecimal",
		"price": "BigDecimal", "vendorPrice": "BigDecimal", "billingPeriod": "Integer", "minimumDuration": "Integer", "trial": "enum Trial",
		"triable": "Boolean", "selfBilling": "boolean", "published": "Boolean", "availableOrderPeriods": "List<Integer>", "lifespan": "Integer",
		"webdavSupport": "Boolean", "postConfiguration": "boolean", "billingItemValues": "List<BillingItemValueDTO>", "setupFee": "BigDecimal",
		"vendorSetupFee": "BigDecimal", "editableEnvironment": "Set<ApplicationFileEnvironmentDTO>", "description": "String", "drafted": "boolean",
		"configurationParameters": "List<UrlEntityDTO>", "externalId": "String", "trialLength": "Integer", "autoRenewable": "boolean",
		"recommended": "Boolean", "bundle": "Map<UrlEntityDTO,BigDecimal>", "metadata": "Map<String,Object>", "weight": "int",
		"couponConfiguration": "enum CouponConfiguration", "unlockable": "Boolean", "markedUp": "long", "label": "String",
		"upgradable": "Boolean", "iaasBilling": "enum IaasBilling", "comparableVersion": "UrlEntityDTO",
	}),
	"CompanyDTO": merge(namedEntityDTO, map[string]string{
		// TaxCodeDTO, MinimalCompanyDTO
		"taxValidation": "String", "taxValidationMessage": "String", "companyDescription": "String", "logoFile": "UrlEntityDTO",
		"address": "AddressDTO", "taxCode": "String", "slug": "String", "phoneNumber": "String", "emailAddress": "String",
		"language": "String", "enabled": "Boolean",
		// CompanyDTO
		"syndicationEndpoint": "String", "rea": "String", "ri": "String", "form": "String", "technicalEmailAddress": "String",
		"maxConcurrentInstance": "Integer", "publicKey": "String", "maxPublishedProducts": "Integer", "currentPublishedProducts": "Integer",
		"trusted": "Boolean", "externalId": "String", "lastInboundInvoice": "Date", "companyUrl": "String",
		"notificationSecretToken": "String", "bankAccountData": "BankAccountDataDTO", "vendors": "List<UrlEntityDTO>",
		"featureToggles": "CompanyFeatureTogglesDTO",
	}),
	"BillingItemDTO": merge(namedEntityDTO, map[string]string{
		"identifier": "String", "unit": "String", "description": "String", "type": "enum BillingItemType",
		"valueType": "enum BillingItemValueType", "cloudesireQuota": "BigDecimal", "required": "boolean", "endpoint": "ApiEndpointDTO",
	}),
	"OrderDTO": merge(baseEntityDTO, map[string]string{
		// BaseOrderDTO
		"buyer": "UrlEntityDTO", "creator": "UrlEntityDTO", "approve": "ActionUrlDTO", "budget": "BudgetDTO", "type": "enum OrderType",
		"subscription": "UrlEntityDTO", "date": "Date", "endOfPeriod": "Date", "currency": "String", "externalReference": "String",
		"productVersion": "UrlEntityDTO", "operatingSystem": "enum OSType", "totalPrice": "BigDecimal",
		// OrderDTO
		"distributor": "UrlEntityDTO", "reseller": "UrlEntityDTO", "billingItems": "List<SubscriptionBillingItemDTO>",
		"billingItemValues": "List<BillingItemValueDTO>", "customerCloudCredential": "Boolean", "deferred": "Boolean",
		"status": "enum OrderStatus", "availableOperations": "Set<OrderOperationType>",
	}),
	"InvoiceDTO": merge(baseEntityDTO, map[string]string{
		// BaseInvoiceDTO
		"company": "UrlEntityDTO", "date": "Date",
		// InvoiceDTO
		"total": "VATPriceDTO", "nominee": "UrlEntityDTO", "selfBilled": "boolean", "stampDuty": "boolean", "type": "String",
		"product": "String", "productVersion": "String", "paymentReference": "String", "paymentReceived": "Date",
		"subscription": "UrlEntityDTO", "availableOperations": "Set<InvoiceOperationType>", "remoteId": "String",
		"revenueSharingQuota": "BigDecimal", "entries": "List<OrderLineDTO>", "cashed": "Boolean", "status": "enum InvoiceStatus",
		"totalPrice": "BigDecimal", "priceExcludingVAT": "BigDecimal", "vatSpunOff": "BigDecimal",
	}),
	"VATPriceDTO": {"price": "BigDecimal", "currency": "String", "vatSpunOff": "BigDecimal", "vat": "BigDecimal"},
	"OrderLineDTO": {
		"price": "VATPriceDTO", "quantity": "BigDecimal", "unit": "String", "description": "String", "type": "enum LineType",
		"invoice": "UrlEntityDTO", "billingItem": "UrlEntityDTO", "setup": "boolean", "discount": "BigDecimal", "maximum": "Integer",
		"totalPrice": "BigDecimal",
	},
	"MyUserDTO": merge(baseEntityDTO, map[string]string{
		"userName": "String", "name": "String", "surname": "String", "fullName": "String", "password": "String", "passwordHash": "String",
		"language": "String", "email": "String", "pec": "String", "phoneNumber": "String", "company": "UrlEntityDTO",
		"userCompany": "UrlEntityDTO", "companyGroup": "UrlEntityDTO", "address": "AddressDTO", "homeAddress": "AddressDTO",
		"userRole": "enum UserRole", "groups": "Set<UserGroup>", "companyName": "String", "companyTaxCode": "String",
		"enabled": "Boolean", "activated": "Boolean", "readOnly": "boolean", "doNotTrack": "boolean", "acceptedTerms": "Boolean",
		"environment": "String", "activationDate": "Date", "creationDate": "Date", "externalId": "String", "keycloakToken": "String",
		"keycloakAuthenticated": "boolean", "fiscalCode": "String", "iban": "String", "paymentDataSaved": "boolean", "culture": "String",
		"passwordAlreadySet": "boolean", "subscribedToNotificationEmails": "boolean", "sendActivationEmail": "Boolean",
		"deleted": "boolean", "vendorNotes": "String", "riskProfile": "UrlEntityDTO", "resellerCatalog": "UrlEntityDTO",
		"canImpersonate": "Set<UserRole>", "canCreate": "Set<UserRole>", "validAddress": "boolean", "validBillingData": "boolean",
		"publicKey": "String", "slug": "String", "canBeImpersonated": "Boolean",
	}),
}

var (
	baseEntityDTO  = map[string]string{"id": "Integer", "self": "String"}
	namedEntityDTO = merge(baseEntityDTO, map[string]string{"name": "String"})
	// BaseSubscriptionDTO's (BaseBaseSubscriptionDTO's) fields; type is a
	// String there (an OrderType in BaseSubscriptionV1DTO: the same words).
	baseSubscriptionDTO = merge(namedEntityDTO, map[string]string{
		"startDate": "Date", "endDate": "Date", "deploymentStatus": "enum DeploymentStatus", "virtualMachineInstance": "Set<UrlEntityDTO>",
		"deploymentStatusStory": "List<UrlEntityDTO>", "deploymentLog": "List<DeploymentStatusDTO>", "orders": "List<UrlEntityDTO>",
		"invoices": "List<UrlEntityDTO>", "billingPeriod": "Integer", "billingPeriodStart": "Date", "lastInvoice": "Date",
		"billingPeriodEnd": "Date", "nextInvoice": "Date", "type": "String", "syndicatedEndpoints": "Set<String>",
		"endUserInstructions": "String", "product": "UrlEntityDTO", "company": "UrlEntityDTO", "buyer": "UrlEntityDTO",
		"createdAt": "Date", "updatedAt": "Date", "bandwidth": "BigDecimal", "bandwidthInGB": "BigInteger", "autoRenew": "boolean",
		"productBillingInfo": "String", "endpoints": "Set<EndpointDTO>", "productVersion": "UrlEntityDTO",
		"cloudProvider": "UrlEntityDTO", "coupon": "UrlEntityDTO", "paid": "boolean",
	})
)

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// javaEnums are the constants of the enums the answers use.
var javaEnums = map[string][]string{
	"DeploymentStatus": {"PENDING", "DEPLOYED", "UNDEPLOYED", "STOPPED", "FAILED", "POSTPONED", "REJECTED", "REQUIRES_APPROVAL",
		"UNDEPLOY_SENT", "POST_CONFIGURATION", "WAITING_PAYMENT", "PAYMENT_EXPIRED", "UNKNOWN"},
	"EndpointType":         {"APP", "PASSWORD_RESET", "DOCUMENTATION", "VIDEO"},
	"ProductType":          {"API", "BUNDLE", "CLOUD_SERVICE", "CSP", "MANAGED", "SERVICE", "SYNDICATED", "VM"},
	"Trial":                {"NOT_ALLOWED", "ALLOWED", "ALLOWED_WO_PAYMENT_METHOD"},
	"BillingItemType":      {"VOLUME", "STAIRSTEP", "TIERED"},
	"BillingItemValueType": {"PAY_AS_YOU_GO", "PRE_PAID", "POST_PAID"},
	"InvoiceStatus":        {"UNPAID", "PENDING", "DELAYED", "REQUIRES_ACTION", "REQUIRES_CAPTURE", "EXPIRED", "PAID"},
	"LineType": {"BACKUP", "BANDWIDTH", "BILLINGITEMCOST", "BILLINGITEMSETUP", "BILLINGITEMRECURRING", "CLOUDESIREFEE",
		"CLOUDESIREPRICE", "CONFIGURATION", "COUPONDISCOUNT", "CUSTOM", "DISK_UPGRADE", "DISKSPACE", "IAASEXPENSE", "METRIC", "PRODUCT",
		"RECURRINGCOST", "REFUND", "SETUPFEE", "STAMPDUTY", "VIRTUALMACHINE"},
	"OrderType": {"NORMAL", "TRIAL", "SANDBOX", "UPGRADE", "BILLING_ITEM_UPGRADE", "MONTHLY", "RENEWAL", "UNMANAGED", "TERMINATION",
		"UNSUBSCRIBE", "RECURRING_COSTS", "UPSELL", "DISK_UPGRADE", "SYNDICATED_UPGRADE", "ESTIMATE"},
	"UserRole": {"ROLE_ANONYMOUS", "ROLE_USER", "ROLE_VENDOR", "ROLE_RESELLER", "ROLE_DISTRIBUTOR", "ROLE_SUPERVISOR", "ROLE_ADMIN",
		"ROLE_SUPERADMIN"},
}

// jsonKinds are the JSON kinds Jackson's ObjectMapper, as Cloudesire's
// examples build it (new ObjectMapper(), FAIL_ON_UNKNOWN_PROPERTIES off),
// reads into each Java type without coercing one kind into another (it
// would also turn a number into a String, or "3" into an Integer; the
// answers must not need that). Every reference type takes null; so do
// primitives (FAIL_ON_NULL_FOR_PRIMITIVES is off by default). A Date is
// an ISO 8601 text StdDateFormat parses, or epoch milliseconds. A type
// that is neither here nor in javaDTOs is a DTO Mercato never sends: any
// object.
var jsonKinds = map[string][]string{
	"String": {"string"}, "Integer": {"integer"}, "int": {"integer"}, "Long": {"integer"}, "long": {"integer"},
	"BigInteger": {"integer"}, "BigDecimal": {"integer", "number", "numeric string"}, "Boolean": {"boolean"}, "boolean": {"boolean"},
	"Date": {"ISO 8601 string", "integer"}, "enum": {"string among the constants"}, "List": {"array"}, "Set": {"array"},
	"Map": {"object"},
}

var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$`)

// kindOf names the JSON kind of v as decoded with UseNumber.
func kindOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// dtoCheck reads a JSON answer as the Java client does: problems are the
// values a DTO's type does not take, unknown the properties its DTO does
// not declare (which the client's mapper ignores).
type dtoCheck struct {
	problems, unknown []string
}

// decodeAs checks raw against the Java type typ ("SubscriptionDetailDTO",
// "List<SubscriptionDTO>").
func decodeAs(raw []byte, typ string) dtoCheck {
	var c dtoCheck
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.problems = append(c.problems, "not JSON: "+err.Error())
		return c
	}
	c.value("$", v, typ)
	sort.Strings(c.unknown)
	return c
}

func (c *dtoCheck) fail(path, typ string, v any) {
	c.problems = append(c.problems, fmt.Sprintf("%s: %s does not take %s %v", path, typ, kindOf(v), v))
}

func (c *dtoCheck) value(path string, v any, typ string) {
	if v == nil {
		return
	}
	kind := kindOf(v)
	switch {
	case strings.HasPrefix(typ, "enum "):
		if s, ok := v.(string); !ok || !slices.Contains(javaEnums[strings.TrimPrefix(typ, "enum ")], s) {
			c.fail(path, typ, v)
		}
	case strings.HasPrefix(typ, "List<") || strings.HasPrefix(typ, "Set<"):
		items, ok := v.([]any)
		if !ok {
			c.fail(path, typ, v)
			return
		}
		elem := typ[strings.IndexByte(typ, '<')+1 : len(typ)-1]
		for i, it := range items {
			c.value(fmt.Sprintf("%s[%d]", path, i), it, elem)
		}
	case strings.HasPrefix(typ, "Map<"):
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(path, typ, v)
			return
		}
		elem := typ[strings.IndexByte(typ, ',')+1 : len(typ)-1]
		for k, it := range m {
			if elem != "Object" {
				c.value(path+"."+k, it, elem)
			}
		}
	case typ == "Date":
		if s, ok := v.(string); ok && isoDate.MatchString(s) || kind == "integer" {
			return
		}
		c.fail(path, typ, v)
	case typ == "BigDecimal":
		if s, ok := v.(string); ok {
			if _, err := json.Number(s).Float64(); err == nil {
				return
			}
		}
		if kind != "integer" && kind != "number" {
			c.fail(path, typ, v)
		}
	case jsonKinds[typ] != nil:
		if !slices.Contains(jsonKinds[typ], kind) {
			c.fail(path, typ, v)
		}
	default:
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(path, typ, v)
			return
		}
		fields, known := javaDTOs[typ]
		if !known {
			return // a DTO Mercato never sends
		}
		for k, fv := range m {
			ft, ok := fields[k]
			if !ok {
				c.unknown = append(c.unknown, path+"."+k)
				continue
			}
			c.value(path+"."+k, fv, ft)
		}
	}
}

// TestDTOCheckRefusesTheOldShapes: the shapes the API answered before it
// followed the DTOs are what made SubscriptionApi.get throw; the check
// must refuse each of them.
func TestDTOCheckRefusesTheOldShapes(t *testing.T) {
	for _, tc := range []struct{ typ, body, want string }{
		{"SubscriptionDetailDTO", `{"endUserInstructions":{"en":"Welcome!"}}`, "$.endUserInstructions: String does not take object"},
		{"SubscriptionDetailDTO", `{"credentials":[{"key":"k","value":null,"description":{"en":"Login"},"weight":1}]}`,
			"$.credentials[0].description: String does not take object"},
		{"SubscriptionDetailDTO", `{"configurationParameters":{"configurationParameter/subdomain":"acme"}}`,
			"$.configurationParameters: List<SubscriptionConfigurationParameterDTO> does not take object"},
		{"ProductDTO", `{"published":true}`, "$.published: Date does not take boolean"},
		{"ProductDTO", `{"type":"saas"}`, "$.type: enum ProductType does not take string"},
		{"SubscriptionDetailDTO", `{"createdAt":"10/02/2026"}`, "$.createdAt: Date does not take string"},
		{"SubscriptionDetailDTO", `{"billingItems":[{"value":"three"}]}`, "$.billingItems[0].value: BigDecimal does not take string"},
	} {
		c := decodeAs([]byte(tc.body), tc.typ)
		if len(c.problems) != 1 || !strings.HasPrefix(c.problems[0], tc.want) {
			t.Errorf("%s %s: problems %q, want %q", tc.typ, tc.body, c.problems, tc.want)
		}
	}
	if c := decodeAs([]byte(`{"productType":"SYNDICATED","id":1}`), "ProductDTO"); len(c.problems) != 0 || fmt.Sprint(c.unknown) != "[$.productType]" {
		t.Errorf("unknown property: %+v", c)
	}
}
