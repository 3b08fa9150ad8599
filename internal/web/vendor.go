package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

func (s *Server) vendorProducts(w http.ResponseWriter, r *http.Request, v *view) {
	if err := only(v.P, mercato.KindVendor, mercato.KindPlatform); err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := catalog.ProductFilter{}
	if !v.P.IsPlatform() {
		f.VendorID = v.P.OrgID
	}
	prods, _, err := s.services.Catalog.ListProducts(r.Context(), v.P, f, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active = s.say(r, "Products"), "/vendor/products"
	v.Data = struct {
		Products []catalog.Product
		Types    []catalog.ProductType
	}{prods, catalog.ProductTypes}
	s.render(w, r, http.StatusOK, "vendor_products.html", v)
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request, v *view) {
	p, err := s.services.Catalog.CreateProduct(r.Context(), v.P, catalog.Product{VendorID: v.P.OrgID, Name: strings.TrimSpace(r.PostFormValue("name")),
		Description: r.PostFormValue("description"), Type: catalog.ProductType(r.PostFormValue("type"))})
	if err != nil {
		s.after(w, r, v, err, "/vendor/products", "")
		return
	}
	s.back(w, r, fmt.Sprintf("/vendor/products/%d", p.ID), s.say(r, "Product created, as a draft: add plans, then publish it."))
}

type vendorProductData struct {
	Product    catalog.Product
	Plans      []catalog.Plan
	Metadata   string
	Parameters string
	Endpoints  []syndication.Endpoint
}

// metadataText shows metadata as KEY=VALUE lines.
func metadataText(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, m[k])
	}
	return b.String()
}

func parseMetadata(text string) (map[string]string, error) {
	m := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata", Message: fmt.Sprintf("line %d: write KEY=VALUE", i+1)})
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return m, nil
}

func (s *Server) vendorProduct(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	prod, err := s.services.Catalog.Product(ctx, v.P, id)
	if err == nil && prod.VendorID != v.P.OrgID && !v.P.IsPlatform() {
		err = mercato.NotFound("product", id) // someone else's product: see it in the catalog
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	plans, _, err := s.services.Catalog.ListPlans(ctx, v.P, id, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	eps, _, err := s.services.Webhooks.ListEndpoints(ctx, v.P, webhooks.EndpointFilter{ProductID: id}, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	params, _ := json.MarshalIndent(prod.Parameters, "", "  ")
	if len(prod.Parameters) == 0 {
		params = []byte("[]")
	}
	v.Title, v.Active = prod.Name, "/vendor/products"
	v.Data = vendorProductData{Product: prod, Plans: plans, Metadata: metadataText(prod.Metadata), Parameters: string(params), Endpoints: eps}
	s.render(w, r, http.StatusOK, "vendor_product.html", v)
}

func (s *Server) updateProduct(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	to := fmt.Sprintf("/vendor/products/%d", id)
	name, desc := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("description")
	published, approval := r.PostFormValue("published") == "on", r.PostFormValue("requires_approval") == "on"
	meta, err := parseMetadata(r.PostFormValue("metadata"))
	if err != nil {
		s.after(w, r, v, err, to, "")
		return
	}
	var params []catalog.Parameter
	if text := strings.TrimSpace(r.PostFormValue("parameters")); text != "" {
		if err := json.Unmarshal([]byte(text), &params); err != nil {
			s.after(w, r, v, mercato.Invalid("invalid configuration parameters", mercato.FieldError{Path: "parameters", Message: "not a JSON list of parameters: " + err.Error()}), to, "")
			return
		}
	}
	if params == nil {
		params = []catalog.Parameter{}
	}
	_, err = s.services.Catalog.UpdateProduct(r.Context(), v.P, id, listing.ProductUpdate{Name: &name, Description: &desc, Published: &published,
		RequiresApproval: &approval, Metadata: &meta, Parameters: &params})
	s.after(w, r, v, err, to, s.say(r, "Product saved."))
}

// planForm is the plan editor: every pricing model, tiers as lines.
type planForm struct {
	ID, ProductID                         int64
	Name, Description                     string
	Currency, Period, Term, Model, Unit   string
	Amount, UnitAmount, SetupFee          string
	PackageSize, MinQuantity, MaxQuantity string
	TrialDays                             string
	Tiers                                 string // "UP_TO UNIT_AMOUNT [FLAT_AMOUNT]" per line, "*" for the last
	Metrics                               string // JSON, optional
	Quantities                            string // for the preview
	Models                                []pricing.Model
	Preview                               []previewRow
	Error                                 string
}

type previewRow struct {
	Quantity int64
	Quote    *pricing.Quote
	Error    string
}

var models = []pricing.Model{pricing.ModelFlat, pricing.ModelPerUnit, pricing.ModelVolume, pricing.ModelGraduated, pricing.ModelPackage}

func formOfPlan(pl catalog.Plan) planForm {
	p := pl.Pricing
	f := planForm{ID: pl.ID, ProductID: pl.ProductID, Name: pl.Name, Description: pl.Description, Currency: p.Currency, Period: p.Period,
		Term: p.Term, Model: string(p.Model), Unit: p.Unit, Quantities: "1, 5, 10, 25, 100", Models: models}
	str := func(d *decimal.Decimal) string {
		if d == nil {
			return ""
		}
		return d.String()
	}
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	f.Amount, f.UnitAmount, f.SetupFee = str(p.Amount), str(p.UnitAmount), str(p.SetupFee)
	f.PackageSize, f.MinQuantity, f.MaxQuantity, f.TrialDays = num(p.PackageSize), num(p.MinQuantity), num(p.MaxQuantity), num(int64(p.TrialDays))
	var tiers []string
	for _, t := range p.Tiers {
		up := "*"
		if t.UpTo != nil {
			up = strconv.FormatInt(*t.UpTo, 10)
		}
		line := up + " " + orZero(str(t.UnitAmount))
		if t.FlatAmount != nil {
			line += " " + t.FlatAmount.String()
		}
		tiers = append(tiers, line)
	}
	f.Tiers = strings.Join(tiers, "\n")
	if len(p.Metrics) > 0 {
		b, _ := json.MarshalIndent(p.Metrics, "", "  ")
		f.Metrics = string(b)
	}
	return f
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func readPlanForm(r *http.Request) planForm {
	f := planForm{Models: models}
	for key, dst := range map[string]*string{"name": &f.Name, "description": &f.Description, "currency": &f.Currency, "period": &f.Period,
		"term": &f.Term, "model": &f.Model, "unit": &f.Unit, "amount": &f.Amount, "unit_amount": &f.UnitAmount, "setup_fee": &f.SetupFee,
		"package_size": &f.PackageSize, "min_quantity": &f.MinQuantity, "max_quantity": &f.MaxQuantity, "trial_days": &f.TrialDays,
		"tiers": &f.Tiers, "metrics": &f.Metrics, "quantities": &f.Quantities} {
		*dst = strings.TrimSpace(r.PostFormValue(key))
	}
	f.Currency = strings.ToUpper(f.Currency)
	return f
}

// pricing turns the form into a Pricing; what it cannot read is an
// EINVALID error naming the field (the pricing package checks the rest).
func (f planForm) pricing() (pricing.Pricing, error) {
	var fe mercato.FieldErrors
	dec := func(field, s string) *decimal.Decimal {
		if s == "" {
			return nil
		}
		d, err := decimal.NewFromString(s)
		if err != nil {
			fe.Add(field, "must be a decimal number such as 12.50")
			return nil
		}
		return &d
	}
	integer := func(field, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fe.Add(field, "must be a whole number")
		}
		return n
	}
	p := pricing.Pricing{Currency: f.Currency, Period: f.Period, Term: f.Term, Model: pricing.Model(f.Model), Unit: f.Unit,
		Amount: dec("amount", f.Amount), UnitAmount: dec("unit_amount", f.UnitAmount), SetupFee: dec("setup_fee", f.SetupFee),
		PackageSize: integer("package_size", f.PackageSize), MinQuantity: integer("min_quantity", f.MinQuantity),
		MaxQuantity: integer("max_quantity", f.MaxQuantity), TrialDays: int(integer("trial_days", f.TrialDays))}
	for i, line := range strings.Split(f.Tiers, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		path := fmt.Sprintf("tiers line %d", i+1)
		if len(fields) > 3 {
			fe.Add(path, "write UP_TO UNIT_AMOUNT [FLAT_AMOUNT], with * as the last tier's UP_TO")
			continue
		}
		var t pricing.Tier
		if fields[0] != "*" {
			n, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				fe.Add(path, "UP_TO must be a whole number or *")
			}
			t.UpTo = &n
		}
		if len(fields) > 1 {
			t.UnitAmount = dec(path, fields[1])
		}
		if len(fields) > 2 {
			t.FlatAmount = dec(path, fields[2])
		}
		p.Tiers = append(p.Tiers, t)
	}
	if f.Metrics != "" {
		if err := json.Unmarshal([]byte(f.Metrics), &p.Metrics); err != nil {
			fe.Add("metrics", "not a JSON list of metrics: %v", err)
		}
	}
	if err := fe.Err("invalid pricing"); err != nil {
		return p, err
	}
	return p, p.Validate()
}

// preview prices the form's plan (list price, before channel markups) for
// each of the chosen quantities.
func (f *planForm) preview() {
	if f.Quantities == "" {
		f.Quantities = "1, 5, 10, 25, 100"
	}
	p, err := f.pricing()
	if err != nil {
		f.Error = errText(err)
		return
	}
	f.Preview = nil
	for _, q := range strings.FieldsFunc(f.Quantities, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 1 {
			continue
		}
		row := previewRow{Quantity: n}
		if quote, err := p.Quote(pricing.QuoteRequest{Quantity: n, IncludeSetup: true}); err != nil {
			row.Error = errText(err)
		} else {
			row.Quote = &quote
		}
		f.Preview = append(f.Preview, row)
		if len(f.Preview) == 12 {
			break
		}
	}
}

// errText is an error's user-safe message with its fields.
func errText(err error) string {
	msg := mercato.ErrorMessage(err)
	for _, f := range mercato.Fields(err) {
		msg += "; " + f.Path + ": " + f.Message
	}
	return msg
}

func (s *Server) ownProduct(r *http.Request, v *view, id int64) (catalog.Product, error) {
	prod, err := s.services.Catalog.Product(r.Context(), v.P, id)
	if err == nil && prod.VendorID != v.P.OrgID && !v.P.IsPlatform() {
		err = mercato.NotFound("product", id)
	}
	return prod, err
}

func (s *Server) newPlan(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err == nil {
		_, err = s.ownProduct(r, v, id)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := planForm{ProductID: id, Currency: "EUR", Period: "P1M", Model: string(pricing.ModelPerUnit), Unit: "seat", UnitAmount: "10.00", Models: models}
	f.preview()
	v.Title, v.Active, v.Data = s.say(r, "New plan"), "/vendor/products", f
	s.render(w, r, http.StatusOK, "plan.html", v)
}

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := readPlanForm(r)
	f.ProductID = id
	p, err := f.pricing()
	var plan catalog.Plan
	if err == nil {
		plan, err = s.services.Catalog.CreatePlan(r.Context(), v.P, catalog.Plan{ProductID: id, Name: f.Name, Description: f.Description, Pricing: p})
	}
	if err != nil {
		s.planFailed(w, r, v, f, err)
		return
	}
	s.back(w, r, fmt.Sprintf("/vendor/plans/%d", plan.ID), s.say(r, "Plan created."))
}

func (s *Server) planFailed(w http.ResponseWriter, r *http.Request, v *view, f planForm, err error) {
	code := mercato.ErrorCode(err)
	if code != mercato.EINVALID && code != mercato.ECONFLICT {
		s.fail(w, r, v, err)
		return
	}
	f.preview()
	f.Error = errText(err)
	v.Title, v.Active, v.Data = s.say(r, "Plan"), "/vendor/products", f
	s.render(w, r, http.StatusUnprocessableEntity, "plan.html", v)
}

func (s *Server) editPlan(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	plan, prod, err := s.services.Catalog.Plan(r.Context(), v.P, id)
	if err == nil && prod.VendorID != v.P.OrgID && !v.P.IsPlatform() {
		err = mercato.NotFound("plan", id)
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := formOfPlan(plan)
	f.preview()
	v.Title, v.Active, v.Data = s.say(r, "Plan %s", plan.Name), "/vendor/products", f
	s.render(w, r, http.StatusOK, "plan.html", v)
}

func (s *Server) updatePlan(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := readPlanForm(r)
	f.ID = id
	p, err := f.pricing()
	if err == nil {
		_, err = s.services.Catalog.UpdatePlan(r.Context(), v.P, id, listing.PlanUpdate{Name: &f.Name, Description: &f.Description, Pricing: &p})
	}
	if err != nil {
		if _, prod, perr := s.services.Catalog.Plan(r.Context(), v.P, id); perr == nil {
			f.ProductID = prod.ID
		}
		s.planFailed(w, r, v, f, err)
		return
	}
	s.back(w, r, fmt.Sprintf("/vendor/plans/%d", id), s.say(r, "Plan saved."))
}

// pricingPreview answers the plan editor's live preview (htmx).
func (s *Server) pricingPreview(w http.ResponseWriter, r *http.Request, v *view) {
	f := readPlanForm(r)
	f.preview()
	s.fragment(w, r, "plan.html", f)
}
