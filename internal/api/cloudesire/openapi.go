package cloudesire

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/subscription"
)

// OpenAPIPath is where the handler serves its OpenAPI document.
const OpenAPIPath = Prefix + "openapi.json"

// Version is the compatible API's version in its OpenAPI document.
const Version = "1.0.0"

// Request bodies as the handlers decode them, for the document.

// SubscriptionPatch is the body of PATCH /api/subscription/{id}.
type SubscriptionPatch struct {
	DeploymentStatus string `json:"deploymentStatus,omitempty" doc:"the status the provider reports; the move goes through the state machine"`
	Action           string `json:"action,omitempty" enum:"SYNDICATED_UPGRADE,SET_NAME,RENEW" doc:"instead of a status: RENEW makes a DEPLOYED trial paid (its provider, the customer's channel or the platform; answers 204) or renews a paid subscription by hand (the platform); SYNDICATED_UPGRADE moves a syndicated subscription to productVersion (a CHANGE order; the customer, its seller or the platform); SET_NAME gives it a descriptive name (the customer, its seller, the provider or the platform)"`
	ProductVersion   *Ref   `json:"productVersion,omitempty" doc:"SYNDICATED_UPGRADE's plan, another of the product's"`
	Name             string `json:"name,omitempty" maxLength:"255" doc:"SET_NAME's name; empty clears it"`
}

// EndpointInput is one endpoint of POST /api/subscription/{id}/endpoints.
type EndpointInput struct {
	Endpoint    string `json:"endpoint" format:"uri" maxLength:"2000" doc:"an https URL"`
	Description string `json:"description,omitempty" maxLength:"1024"`
	Category    string `json:"category" enum:"APP,PASSWORD_RESET,DOCUMENTATION,VIDEO" doc:"one endpoint must be APP"`
}

// CredentialInput is one credential of POST /api/subscription/{id}/credentials.
type CredentialInput struct {
	Key         string            `json:"key" minLength:"1" maxLength:"100"`
	Value       string            `json:"value" maxLength:"4096" doc:"sealed at rest; the vendor never reads it back"`
	Description map[string]string `json:"description,omitempty" doc:"text by two-letter language code"`
	Weight      int               `json:"weight,omitempty" doc:"display order, lowest first"`
}

// Empty is the documented answer of the one-shot and recurring cost
// declarations: {}.
type Empty struct{}

// ErrorHolders is the body of every error.
type ErrorHolders struct {
	ErrorHolders []ErrorHolder `json:"errorHolders" minItems:"1"`
}

// ErrorHolder is one error: a key (a field name, or the kind of error) and
// a human text.
type ErrorHolder struct {
	Key   string `json:"key" doc:"the field at fault (e.g. deploymentStatus, CMW-PageSize) or the kind of error (invalid, conflict, unauthorized, forbidden, notFound, methodNotAllowed, tooLarge, internal)"`
	Error string `json:"error" doc:"what went wrong, for people"`
	// ExtraFields is always {}: Mercato's keys have no placeholders.
	ExtraFields map[string]string `json:"extraFields" doc:"the values of the key's %placeholders% (ErrorResponseEntry's extraFields); empty, as Mercato's keys have none"`
}

var (
	openAPIOnce sync.Once
	openAPIJSON []byte
)

// serveOpenAPI answers the document; it needs no authentication.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	openAPIOnce.Do(func() { openAPIJSON, _ = json.Marshal(OpenAPI()) })
	w.Header().Set("Content-Type", "application/openapi+json")
	_, _ = w.Write(openAPIJSON)
}

// OpenAPI describes the API: every route New registers, its
// authentication, its paging headers and its error body. The schemas are
// generated from the types the handlers encode.
func OpenAPI() *huma.OpenAPI {
	reg := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	reg.RegisterTypeAlias(reflect.TypeFor[Time](), reflect.TypeFor[time.Time]())
	reg.RegisterTypeAlias(reflect.TypeFor[Number](), reflect.TypeFor[float64]()) // written as the decimal's digits
	schema := func(t reflect.Type) *huma.Schema {
		s := reg.Schema(t, true, "")
		nonNullable(s)
		return s
	}
	doc := &huma.OpenAPI{
		OpenAPI: "3.1.0",
		Info: &huma.Info{
			Title:   "Mercato Cloudesire-compatible API",
			Version: Version,
			Description: "The subset of Cloudesire's REST API that a syndicated vendor's integration uses, served under /api/ beside " +
				"Mercato's own /api/v1, so that an integration written for Cloudesire works with only its base URL and token changed. " +
				"camelCase JSON; resources carry self and refer to others as {\"url\": \"product/12\"}; times are UTC with whole seconds.",
			Contact: &huma.Contact{Name: "Mercato", URL: "https://github.com/mercato-market/mercato"},
		},
		Servers: []*huma.Server{{URL: "/", Description: "the server that serves this document"}},
		Tags: []*huma.Tag{
			{Name: "Users", Description: "The caller, and the users and companies of the organizations it sees (a vendor: its subscribers')."},
			{Name: "Subscriptions", Description: "Subscriptions as a vendor's integration reads and provisions them."},
			{Name: "Custom billing", Description: "Lines a provider bills on its own: custom invoices, one-shot and recurring costs, charged like every priced event."},
			{Name: "Catalog", Description: "Products, product versions (Mercato's plans), their configuration parameters and billing items."},
			{Name: "Document", Description: "This document."},
		},
		Components: &huma.Components{
			Schemas: reg,
			SecuritySchemes: map[string]*huma.SecurityScheme{
				"cmwToken": {Type: "apiKey", In: "header", Name: "CMW-Auth-Token",
					Description: "A Mercato API token (mct_…), as Cloudesire's syndication templates send it."},
				"cmwUser": {Type: "apiKey", In: "header", Name: "CMW-Auth-User",
					Description: "Optional beside CMW-Auth-Token: the e-mail of the token's user; another e-mail answers 401."},
				"basic": {Type: "http", Scheme: "basic",
					Description: "The user's e-mail as user name and one of its API tokens as password; POST /api/login also takes the control-panel password, and answers a token."},
				"bearer": {Type: "http", Scheme: "bearer", Description: "A Mercato API token, as on /api/v1."},
			},
		},
		Security: []map[string][]string{{"cmwToken": {}}, {"cmwToken": {}, "cmwUser": {}}, {"basic": {}}, {"bearer": {}}},
	}
	errorSchema := schema(reflect.TypeFor[ErrorHolders]())
	errorResponse := func(desc string) *huma.Response {
		return &huma.Response{Description: desc, Content: map[string]*huma.MediaType{"application/json": {Schema: errorSchema}}}
	}
	doc.Components.Responses = map[string]*huma.Response{
		"BadRequest":   errorResponse("The request is invalid or conflicts with the resource's state (Cloudesire clients know no 409 or 422); errorHolders name the fields."),
		"Unauthorized": errorResponse("No credentials, or credentials that are not valid."),
		"Forbidden":    errorResponse("The caller sees the resource but its role may not change it (viewers only read)."),
		"NotFound":     errorResponse("No such resource, or one the caller may not see."),
		"Internal":     errorResponse("Something failed on the server; the details are in its log."),
	}
	doc.Components.Responses["Unauthorized"].Headers = map[string]*huma.Header{
		"WWW-Authenticate": {Description: `Basic realm="mercato"`, Schema: &huma.Schema{Type: huma.TypeString}},
	}
	doc.Components.Responses["MethodNotAllowed"] = errorResponse("The resource does not take this method.")
	doc.Components.Responses["MethodNotAllowed"].Headers = map[string]*huma.Header{
		"Allow": {Description: "the methods the resource takes", Schema: &huma.Schema{Type: huma.TypeString}},
	}
	doc.Components.Responses["TooLarge"] = errorResponse("The body exceeds " + strconv.Itoa(maxBody) + " bytes.")

	ok := func(desc string, t reflect.Type) map[string]*huma.Response {
		return map[string]*huma.Response{"200": {Description: desc, Content: map[string]*huma.MediaType{"application/json": {Schema: schema(t)}}}}
	}
	withNoContent := func(r map[string]*huma.Response, desc string) map[string]*huma.Response {
		r["204"] = &huma.Response{Description: desc}
		return r
	}
	idParam := &huma.Param{Name: "id", In: "path", Required: true, Description: "the resource's id", Schema: &huma.Schema{Type: huma.TypeInteger, Format: "int64", Minimum: ptr(1.0)}}
	intSchema := func(lo, hi, def float64) *huma.Schema {
		return &huma.Schema{Type: huma.TypeInteger, Minimum: &lo, Maximum: &hi, Default: def}
	}
	statuses := make([]any, 0, len(subscription.Statuses))
	for _, st := range subscription.Statuses {
		statuses = append(statuses, string(st))
	}
	paging := []*huma.Param{
		{Name: "CMW-PageSize", In: "header", Description: "items per page (default 20); a larger size than 200 is served pages of 200, as CMW-PageSize answers", Schema: intSchema(1, math.MaxInt32, 20)},
		{Name: "CMW-PageNumber", In: "header", Description: "the page, counting from 1", Schema: intSchema(1, 1_000_000, 1)},
		{Name: "pageSize", In: "query", Description: "CMW-PageSize as a query parameter; the header wins", Schema: intSchema(1, math.MaxInt32, 20)},
		{Name: "pageNumber", In: "query", Description: "CMW-PageNumber as a query parameter; the header wins", Schema: intSchema(1, 1_000_000, 1)},
		{Name: "deploymentStatus", In: "query", Description: "only subscriptions in this status", Schema: &huma.Schema{Type: huma.TypeString, Enum: statuses}},
		{Name: "product", In: "query", Description: "only subscriptions of this product: its id, or its reference product/{id}", Schema: &huma.Schema{Type: huma.TypeString, Pattern: "^(product/)?[1-9][0-9]*$"}},
	}
	pageHeaders := map[string]*huma.Header{
		"CMW-TotalItems": {Description: "how many items all pages hold", Schema: &huma.Schema{Type: huma.TypeInteger}},
		"CMW-TotalPages": {Description: "how many pages there are at this page size", Schema: &huma.Schema{Type: huma.TypeInteger}},
		"CMW-PageSize":   {Description: "the page size used", Schema: &huma.Schema{Type: huma.TypeInteger}},
		"CMW-PageNumber": {Description: "the page answered, counting from 1", Schema: &huma.Schema{Type: huma.TypeInteger}},
	}
	sorting := func(fields map[string]string) []*huma.Param {
		names := make([]any, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		slices.SortFunc(names, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		return append(slices.Clone(paging[:4]),
			&huma.Param{Name: "sortField", In: "query", Description: "the property to order by (default id)", Schema: &huma.Schema{Type: huma.TypeString, Enum: names}},
			&huma.Param{Name: "sortDirection", In: "query", Description: "ASC (default) or DESC, in any case; ties in id order", Schema: &huma.Schema{Type: huma.TypeString, Pattern: "^([Aa][Ss][Cc]|[Dd][Ee][Ss][Cc])$"}})
	}
	list := func(desc string, t reflect.Type) map[string]*huma.Response {
		r := ok(desc+", with the paging headers.", t)
		r["200"].Headers = pageHeaders
		return r
	}
	langParam := &huma.Param{Name: "language", In: "query", Description: "the language of texts kept per language (end-user instructions, credential descriptions): a two-letter code, optionally with a region (it, it-IT); English when absent or missing",
		Schema: &huma.Schema{Type: huma.TypeString, Pattern: "^[A-Za-z]{2}([-_][A-Za-z]{2})?$"}}
	paging = append(paging, langParam)
	subscriptions := ok("One page of subscriptions, with the paging headers.", reflect.TypeFor[[]SubscriptionItem]())
	subscriptions["200"].Headers = pageHeaders
	subscriptions["200"].Content["text/csv"] = &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString,
		Description: "to Accept: text/csv: a header row (id, name, deploymentStatus, type, product, productVersion, company, startDate, endDate, paid, autoRenew, createdAt), then a row per subscription of the page"}}
	apiVersion := &huma.Param{Name: "apiVersion", In: "query", Description: "Cloudesire's API version (yyyymmdd): accepted on every resource; Mercato serves one version, the newest DTOs' fields",
		Schema: &huma.Schema{Type: huma.TypeString, Pattern: "^[0-9]{8}$"}}
	body := func(desc string, t reflect.Type) *huma.RequestBody {
		return &huma.RequestBody{Required: true, Description: desc + " Read as JSON whatever the Content-Type (vendor templates send none).",
			Content: map[string]*huma.MediaType{"application/json": {Schema: schema(t)}}}
	}
	for _, op := range []*huma.Operation{
		{OperationID: "getMe", Method: http.MethodGet, Path: Prefix + "user/me", Tags: []string{"Users"}, Summary: "The user the credentials act as",
			Description: "Returns the calling user, with its role as Cloudesire names it (ROLE_VENDOR, ROLE_USER, …): integrations call it to test their credentials. Any authenticated caller. Changes nothing.",
			Responses:   ok("The calling user.", reflect.TypeFor[User]())},
		{OperationID: "listUsers", Method: http.MethodGet, Path: Prefix + "user", Tags: []string{"Users"}, Summary: "List users",
			Description: "Lists the users of the organizations the caller sees (a vendor: its own), one page at a time. Changes nothing.",
			Parameters:  sorting(userSorts), Responses: list("One page of users", reflect.TypeFor[[]User]())},
		{OperationID: "listCompanies", Method: http.MethodGet, Path: Prefix + "company", Tags: []string{"Users"}, Summary: "List companies",
			Description: "Lists the organizations the caller sees (a vendor: its own; a channel: itself and those under it), one page at a time. Changes nothing.",
			Parameters:  sorting(companySorts), Responses: list("One page of companies", reflect.TypeFor[[]Company]())},
		{OperationID: "listProducts", Method: http.MethodGet, Path: Prefix + "product", Tags: []string{"Catalog"}, Summary: "List products",
			Description: "Lists the products the caller sees (the published ones, and its own), one page at a time. Changes nothing.",
			Parameters:  sorting(productSorts), Responses: list("One page of products", reflect.TypeFor[[]Product]())},
		{OperationID: "listProductVersions", Method: http.MethodGet, Path: Prefix + "productVersion", Tags: []string{"Catalog"}, Summary: "List product versions",
			Description: "Lists the live plans of the products the caller sees, optionally of one product, one page at a time. Changes nothing.",
			Parameters: append(sorting(versionSorts), &huma.Param{Name: "product", In: "query", Description: "only this product's: its id, or its reference product/{id}",
				Schema: &huma.Schema{Type: huma.TypeString, Pattern: "^(product/)?[1-9][0-9]*$"}}),
			Responses: list("One page of product versions", reflect.TypeFor[[]ProductVersion]())},
		{OperationID: "listCategories", Method: http.MethodGet, Path: Prefix + "category", Tags: []string{"Catalog"}, Summary: "List categories",
			Description: "Always an empty list: Mercato's products have a type, not categories. Changes nothing.",
			Parameters:  slices.Clone(paging[:4]), Responses: list("An empty page", reflect.TypeFor[[]struct{}]())},
		{OperationID: "getUser", Method: http.MethodGet, Path: Prefix + "user/{id}", Tags: []string{"Users"}, Summary: "Get a user",
			Description: "Returns a user the caller may see; a vendor also sees the users of the customers subscribed to its products. Others answer 404. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The user.", reflect.TypeFor[User]())},
		{OperationID: "listSubscriptions", Method: http.MethodGet, Path: Prefix + "subscription", Tags: []string{"Subscriptions"}, Summary: "List subscriptions",
			Description: "Lists the subscriptions the caller can see (a vendor: those of its products), one page at a time, optionally by status or product. Changes nothing.",
			Parameters:  paging, Responses: subscriptions},
		{OperationID: "listExpiringSubscriptions", Method: http.MethodGet, Path: Prefix + "subscription/expiring", Tags: []string{"Subscriptions"}, Summary: "List subscriptions ending soon",
			Description: "Lists the live subscriptions the caller can see whose term ends within the given number of days, paged like the subscription list. Changes nothing.",
			Parameters:  append([]*huma.Param{{Name: "days", In: "query", Description: "the window, in days from now", Schema: intSchema(1, 3660, 30)}}, paging...),
			Responses:   subscriptions},
		{OperationID: "getSubscription", Method: http.MethodGet, Path: Prefix + "subscription/{id}", Tags: []string{"Subscriptions"}, Summary: "Get a subscription",
			Description: "Returns a subscription with its endpoints, instructions, configuration parameters, billing items, price ranges, orders, invoices and credentials (values only for its customer and the platform). A vendor provisions when paid is true and deploymentStatus is PENDING. Changes nothing.",
			Parameters:  []*huma.Param{idParam, langParam}, Responses: ok("The subscription.", reflect.TypeFor[Subscription]())},
		{OperationID: "patchSubscription", Method: http.MethodPatch, Path: Prefix + "subscription/{id}", Tags: []string{"Subscriptions"}, Summary: "Report a deployment status, or upgrade the plan",
			Description: "The provider (the product's vendor, or the platform) reports the subscription's deployment status, such as DEPLOYED, FAILED or UNDEPLOYED; the move goes through the state machine and writes a Subscription MODIFIED event. A move no action leads to answers 400.",
			Parameters:  []*huma.Param{idParam, langParam}, RequestBody: body("The status to report.", reflect.TypeFor[SubscriptionPatch]()),
			Responses: withNoContent(ok("The subscription after the change.", reflect.TypeFor[Subscription]()), "RENEW done (as Cloudesire answers it).")},
		{OperationID: "deleteSubscription", Method: http.MethodDelete, Path: Prefix + "subscription/{id}", Tags: []string{"Subscriptions"}, Summary: "Terminate a subscription",
			Description: "Terminates the subscription: its provider is asked to deprovision (deploymentStatus UNDEPLOY_SENT) and it ends when the provider confirms. A subscription held by a commitment outside its cancellation window is not terminated now: its termination is scheduled for the end of its term (202; a second request is 400). The customer, its seller and the platform may; the provider may not (403). Writes a Subscription MODIFIED event.",
			Parameters:  []*huma.Param{idParam}, Responses: map[string]*huma.Response{"204": {Description: "Terminating."}, "202": {Description: "Committed: the termination is scheduled for the end of the term."}}},
		{OperationID: "getSubscriptionChangelog", Method: http.MethodGet, Path: Prefix + "subscription/{id}/changelog", Tags: []string{"Subscriptions"}, Summary: "The subscription's changes",
			Description: "Lists the subscription's lifecycle events in the order they happened (at most 1000, the oldest first), as its webhook receivers got them. Whoever sees the subscription reads it. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The changes.", reflect.TypeFor[[]ChangeLogEntry]())},
		{OperationID: "getSubscriptionMetadata", Method: http.MethodGet, Path: Prefix + "subscription/{id}/metadata", Tags: []string{"Subscriptions"}, Summary: "Get the subscription's metadata",
			Description: "Returns the integration's metadata of the subscription, text by key. Whoever sees the subscription reads it. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The metadata.", reflect.TypeFor[map[string]string]())},
		{OperationID: "putSubscriptionMetadata", Method: http.MethodPut, Path: Prefix + "subscription/{id}/metadata", Tags: []string{"Subscriptions"}, Summary: "Replace the subscription's metadata",
			Description: "The provider (or the platform) replaces the integration's metadata as a whole: at most 50 keys of 1 to 100 letters, digits, _ . : -, values up to 4096 bytes. A value that is not a string is kept as its JSON text; null drops the key. Writes no event.",
			Parameters:  []*huma.Param{idParam}, RequestBody: body("The metadata, by key.", reflect.TypeFor[map[string]any]()),
			Responses: ok("The metadata now stored.", reflect.TypeFor[map[string]string]())},
		{OperationID: "postCustomInvoice", Method: http.MethodPost, Path: Prefix + "subscription/{id}/invoice", Tags: []string{"Custom billing"}, Summary: "Issue a custom invoice",
			Description: "The provider (or the platform) bills lines of its own at once: one invoice of these lines alone, issued to the subscription's customer by its usual issuer, " +
				"taxed by the marketplace's tax rule (a line's vat is not used), split between the vendor and the platform's fee. The subscription must be a delivered paid one; " +
				"prices are in its currency; the lines' total may not be negative (a refund is a credit note). type=CASHED (or cashed=true) declares proceeds collected elsewhere: the invoice is issued paid. " +
				"Answers 201 with Location: /api/invoice/{id}.",
			Parameters: []*huma.Param{idParam,
				{Name: "type", In: "query", Description: "UPSELL (the customer pays it; the default) or CASHED (already collected). CHUNKED and REFUND are refused.", Schema: &huma.Schema{Type: huma.TypeString, Enum: []any{"UPSELL", "CASHED"}}},
				{Name: "cashed", In: "query", Description: "true: as type=CASHED (the older form)", Schema: &huma.Schema{Type: huma.TypeBoolean}}},
			RequestBody: body("The lines.", reflect.TypeFor[[]CustomLine]()),
			Responses:   map[string]*huma.Response{"201": {Description: "Issued; Location names the invoice.", Headers: map[string]*huma.Param{"Location": {Description: "/api/invoice/{id}", Schema: &huma.Schema{Type: huma.TypeString}}}}}},
		{OperationID: "postOneshotCosts", Method: http.MethodPost, Path: Prefix + "subscription/{id}/invoice/oneshot", Tags: []string{"Custom billing"}, Summary: "Set one-shot costs for the next invoice",
			Description: "The provider's one-shot costs, billed on the subscription's next invoice: a new list replaces those not invoiced yet, an empty list removes them. Prices are in the subscription's currency; their total may not be negative.",
			Parameters:  []*huma.Param{idParam}, RequestBody: body("The lines.", reflect.TypeFor[[]CustomLine]()),
			Responses: ok("Done: an empty object.", reflect.TypeFor[Empty]())},
		{OperationID: "postRecurringCosts", Method: http.MethodPost, Path: Prefix + "subscription/{id}/invoice/recurring", Tags: []string{"Custom billing"}, Summary: "Set recurring costs",
			Description: "The provider's recurring costs, billed with every period of the subscription charged from now on; a new list replaces the old, an empty list stops them.",
			Parameters:  []*huma.Param{idParam}, RequestBody: body("The lines.", reflect.TypeFor[[]CustomLine]()),
			Responses: ok("Done: an empty object.", reflect.TypeFor[Empty]())},
		{OperationID: "postSubscriptionEndpoints", Method: http.MethodPost, Path: Prefix + "subscription/{id}/endpoints", Tags: []string{"Subscriptions"}, Summary: "Set the links to the service",
			Description: "The provider replaces the subscription's endpoints (https; one of category APP). Writes a Subscription MODIFIED event.",
			Parameters:  []*huma.Param{idParam}, RequestBody: body("The endpoints, replacing any before.", reflect.TypeFor[[]EndpointInput]()),
			Responses: ok("The endpoints now stored.", reflect.TypeFor[[]Endpoint]())},
		{OperationID: "postSubscriptionInstructions", Method: http.MethodPost, Path: Prefix + "subscription/{id}/instructions", Tags: []string{"Subscriptions"}, Summary: "Set the end-user instructions",
			Description: "The provider replaces the subscription's end-user instructions, text by two-letter language code. Writes a Subscription MODIFIED event.",
			Parameters:  []*huma.Param{idParam}, RequestBody: body(`Text by language, e.g. {"en": "…", "it": "…"}.`, reflect.TypeFor[map[string]string]()),
			Responses: ok("The instructions now stored.", reflect.TypeFor[map[string]string]())},
		{OperationID: "postSubscriptionCredentials", Method: http.MethodPost, Path: Prefix + "subscription/{id}/credentials", Tags: []string{"Subscriptions"}, Summary: "Add first-access credentials",
			Description: "The provider adds credentials for the customer's first access; a key given again replaces its credential. Values are sealed at rest and never shown to the vendor again (value is null in the answer). Writes a Subscription MODIFIED event.",
			Parameters:  []*huma.Param{idParam, langParam}, RequestBody: body("The credentials.", reflect.TypeFor[[]CredentialInput]()),
			Responses: ok("The credentials now stored, without values.", reflect.TypeFor[[]Credential]())},
		{OperationID: "getProduct", Method: http.MethodGet, Path: Prefix + "product/{id}", Tags: []string{"Catalog"}, Summary: "Get a product",
			Description: "Returns a product the caller can see (published, or the caller's own) with its configuration parameters; type SYNDICATED for SaaS products. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The product.", reflect.TypeFor[Product]())},
		{OperationID: "getProductVersion", Method: http.MethodGet, Path: Prefix + "productVersion/{id}", Tags: []string{"Catalog"}, Summary: "Get a product version",
			Description: "Returns a product version (a Mercato plan) with its price, billing period and minimum duration in months, trial and price ranges. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The product version.", reflect.TypeFor[ProductVersion]())},
		{OperationID: "getConfigurationParameter", Method: http.MethodGet, Path: Prefix + "configurationParameter/{id}", Tags: []string{"Catalog"}, Summary: "Get a configuration parameter",
			Description: "Returns a parameter of the checkout form of a product the caller can see. Its id is the product's id × 10000 plus a number from 1 to 9999 made from the parameter's name. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The configuration parameter.", reflect.TypeFor[ConfigurationParameter]())},
		{OperationID: "getBillingItem", Method: http.MethodGet, Path: Prefix + "billingItem/{id}", Tags: []string{"Catalog"}, Summary: "Get a billing item",
			Description: "Returns a billing item of a plan the caller can see: the unit its quantity counts (id: the plan's id × 10000) or one of its pay-per-use metrics (the plan's id × 10000 plus a number from 1 to 9999 made from the metric's name). Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The billing item.", reflect.TypeFor[BillingItemResource]())},
		{OperationID: "getCompany", Method: http.MethodGet, Path: Prefix + "company/{id}", Tags: []string{"Users"}, Summary: "Get a company",
			Description: "Returns an organization the caller may see; a vendor also sees the customers subscribed to its products. Others answer 404. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The company.", reflect.TypeFor[Company]())},
		{OperationID: "getOrder", Method: http.MethodGet, Path: Prefix + "order/{id}", Tags: []string{"Subscriptions"}, Summary: "Get an order",
			Description: "Returns an order the caller may see; a vendor sees the orders of its products. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The order.", reflect.TypeFor[Order]())},
		{OperationID: "getInvoice", Method: http.MethodGet, Path: Prefix + "invoice/{id}", Tags: []string{"Subscriptions"}, Summary: "Get an invoice",
			Description: "Returns an issued invoice the caller may see. A vendor sees the invoices billing its products' subscriptions, with only those lines and their totals. Changes nothing.",
			Parameters:  []*huma.Param{idParam}, Responses: ok("The invoice.", reflect.TypeFor[Invoice]())},
	} {
		op.Parameters = append(op.Parameters, apiVersion)
		errs := map[string]string{"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound", "405": "MethodNotAllowed", "500": "Internal"}
		if op.RequestBody != nil {
			errs["413"] = "TooLarge"
		}
		for status, name := range errs {
			op.Responses[status] = &huma.Response{Ref: "#/components/responses/" + name}
		}
		doc.AddOperation(op)
	}
	for _, m := range []string{http.MethodPost, http.MethodGet} {
		doc.AddOperation(&huma.Operation{OperationID: map[string]string{http.MethodPost: "login", http.MethodGet: "loginGet"}[m], Method: m, Path: Prefix + "login",
			Tags: []string{"Users"}, Summary: "Get a token for CMW-Auth-Token",
			Description: "HTTP Basic of the user's e-mail and its control-panel password (or one of its API tokens) answers a token to send as CMW-Auth-Token, as a JSON string. " +
				"A password is answered with a new API token named \"" + loginTokenName + "\", which lasts until it is revoked (Mercato's tokens do not expire, whatever expire says); a token, with itself.",
			Parameters: []*huma.Param{{Name: "expire", In: "query", Description: "Cloudesire's short-lived token (true, the Java client's default) or a permanent one (false); accepted, and every token is permanent", Schema: &huma.Schema{Type: huma.TypeBoolean}}},
			Security:   []map[string][]string{{"basic": {}}},
			Responses: map[string]*huma.Response{"200": {Description: "The token, as a JSON string.", Content: map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{Type: huma.TypeString}}}},
				"401": {Ref: "#/components/responses/Unauthorized"}, "405": {Ref: "#/components/responses/MethodNotAllowed"}, "500": {Ref: "#/components/responses/Internal"}}})
	}
	doc.AddOperation(&huma.Operation{OperationID: "getOpenAPI", Method: http.MethodGet, Path: OpenAPIPath, Tags: []string{"Document"},
		Summary: "This OpenAPI document", Description: "Returns this document. It needs no authentication.", Security: []map[string][]string{},
		Responses: map[string]*huma.Response{"200": {Description: "The OpenAPI 3.1 document.",
			Content: map[string]*huma.MediaType{"application/openapi+json": {Schema: &huma.Schema{Type: huma.TypeObject}}}}}})
	for _, s := range reg.Map() {
		nonNullable(s)
	}
	return doc
}

// nonNullable marks the arrays of s non-nullable: the handlers encode
// empty lists as [].
func nonNullable(s *huma.Schema) {
	if s == nil {
		return
	}
	if s.Type == huma.TypeArray {
		s.Nullable = false
		nonNullable(s.Items)
	}
	for _, p := range s.Properties {
		nonNullable(p)
	}
}

func ptr[T any](v T) *T { return &v }
