package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

func init() {
	// Lists are never null on this API: arrays are declared non-nullable
	// (huma declares them nullable unless told), and nonNull below makes
	// every nil slice of a response encode as []. An array in a request
	// body is then refused as null too, except where a field says
	// nullable:"true".
	huma.DefaultArrayNullable = false
}

// ProjectURL is the project's home, the contact of the OpenAPI document.
const ProjectURL = "https://github.com/mercato-market/mercato"

// tagDescriptions are the document's tags in the order tools show them.
var tagDescriptions = []*huma.Tag{
	{Name: "Organizations", Description: "The companies on the marketplace: the platform operator, vendors, distributors, resellers and customers, in one channel tree."},
	{Name: "Users", Description: "The people who act for an organization, with a role (admin, manager, viewer) in it."},
	{Name: "Tokens", Description: "API tokens (mct_…): the bearer credentials of this API, each acting as one user."},
	{Name: "Catalog", Description: "Products, their plans and prices, and the configuration form a buyer fills in."},
	{Name: "Price lists", Description: "A distributor's or reseller's markups on the plans it sells on."},
	{Name: "Coupons", Description: "Discounts the platform, a vendor, a distributor or a reseller grants, redeemed by code on quotes and orders, borne by the granter in the split."},
	{Name: "Exchange rates", Description: "The operator's table of exchange rates with the day each holds from: a customer is billed in its own currency, a plan priced in another converted at the rate of the day of the sale."},
	{Name: "Orders", Description: "Quotes and orders: pricing a plan through the caller's channel, and buying it."},
	{Name: "Subscriptions", Description: "What a customer bought and its lifecycle: deployment status, payment, seats, plan changes, suspension, termination and renewal."},
	{Name: "Provisioning", Description: "What the provider of a subscription reports back: endpoints, end-user instructions, first-access credentials and integration metadata."},
	{Name: "Usage", Description: "Pay-per-use metrics: usage records pushed by providers or polled from their metric URL, and their aggregation for billing."},
	{Name: "Events", Description: "The lifecycle events of the transactional outbox, as webhooks deliver them."},
	{Name: "Webhooks", Description: "Endpoints that receive signed lifecycle notifications, their secrets and their delivery log."},
	{Name: "Notifications", Description: "Messages from the platform to an organization."},
	{Name: "Billing", Description: "Invoices, credit notes, payments, monthly billing runs, earnings statements and billing profiles."},
	{Name: "Operator", Description: "The operator's own settings: its identity as the seller of the platform's invoices, payment terms and instructions, and the tax rates with their validity dates."},
	{Name: "Audit", Description: "Who changed what: the audit log written with every change."},
}

// describe sets the document's metadata: where it is served, whom to ask,
// the tags. The project states no licence, so the document claims none.
func describe(cfg *huma.Config) {
	cfg.Info.Contact = &huma.Contact{Name: "Mercato", URL: ProjectURL}
	cfg.Servers = []*huma.Server{{URL: "/", Description: "the server that serves this document"}}
	cfg.Tags = tagDescriptions
	cfg.Transformers = append(cfg.Transformers, nonNull)
}

// nonNull is a response transformer: a copy of the body in which every nil
// slice and map of a field without omitempty is empty, so that it encodes
// as [] or {} (the document declares neither nullable).
func nonNull(_ huma.Context, _ string, v any) (any, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || !fillPlanOf(rv.Type()).holds {
		return v, nil
	}
	cp := reflect.New(rv.Type()).Elem()
	cp.Set(rv)
	fillNil(cp)
	return cp.Interface(), nil
}

// fillNil replaces the nil slices and maps reachable from v (settable)
// through pointers, struct fields and slice elements. Map contents are
// left alone: their values are not settable and hold JSON as it came.
func fillNil(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && fillPlanOf(v.Type().Elem()).holds {
			fillNil(v.Elem())
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		if fillPlanOf(v.Type().Elem()).holds {
			for i := range v.Len() {
				fillNil(v.Index(i))
			}
		}
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	case reflect.Struct:
		for _, i := range fillPlanOf(v.Type()).fields {
			fillNil(v.Field(i))
		}
	}
}

// typePlan is what fillNil visits in a value of one type.
type typePlan struct {
	holds  bool  // a value may contain a slice or map to fill
	fields []int // of a struct: the fields that may
}

var (
	plans    sync.Map   // reflect.Type → *typePlan, each complete once stored
	planning sync.Mutex // one goroutine works out new plans at a time
)

// fillPlanOf works out, once per type, where fillNil has something to do:
// exported fields without omitempty (nor nullable:"true" on a slice or
// map) whose type is a slice (not []byte), a map, or leads to one. Plans
// are published only once complete, so concurrent responses never read
// one being built.
func fillPlanOf(t reflect.Type) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	planning.Lock()
	defer planning.Unlock()
	building := map[reflect.Type]*typePlan{}
	p := buildPlan(t, building)
	for bt, bp := range building {
		plans.Store(bt, bp)
	}
	return p
}

// buildPlan works out t's plan into building. A type met again while its
// own plan is under way (a recursive type) is taken to hold something:
// fillNil then looks into it at run time, when its plan is complete.
func buildPlan(t reflect.Type, building map[reflect.Type]*typePlan) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	if p, ok := building[t]; ok {
		if p == nil {
			return &typePlan{holds: true}
		}
		return p
	}
	building[t] = nil
	p := &typePlan{}
	defer func() { building[t] = p }()
	switch t.Kind() {
	case reflect.Slice:
		p.holds = t.Elem().Kind() != reflect.Uint8 // []byte encodes as a string
	case reflect.Map:
		p.holds = true
	case reflect.Pointer:
		p.holds = buildPlan(t.Elem(), building).holds
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if !f.IsExported() || tag == "-" || strings.Contains(tag, ",omitempty") {
				continue
			}
			if k := f.Type.Kind(); (k == reflect.Slice || k == reflect.Map) && f.Tag.Get("nullable") == "true" {
				continue
			}
			if buildPlan(f.Type, building).holds {
				p.fields = append(p.fields, i)
			}
		}
		p.holds = len(p.fields) > 0
	}
	return p
}

// Document is the JSON of doc in OpenAPI 3.1, or in its 3.0 downgrade (as
// the server serves at /openapi-3.0.json), re-encoded with sorted keys,
// indented and without HTML escapes, so that a file of it diffs well: the
// form of `mercato openapi` and of the spec the API client is generated from.
func Document(doc *huma.OpenAPI, version string) ([]byte, error) {
	var raw []byte
	var err error
	switch version {
	case "3.1":
		raw, err = json.Marshal(doc)
	case "3.0":
		raw, err = doc.Downgrade()
	default:
		return nil, fmt.Errorf("unknown OpenAPI version %q: 3.1 or 3.0", version)
	}
	if err != nil {
		return nil, fmt.Errorf("encode the OpenAPI document: %w", err)
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("re-read the OpenAPI document: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("indent the OpenAPI document: %w", err)
	}
	return b.Bytes(), nil
}
