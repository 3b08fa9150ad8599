package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

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

// preview prices the form's plan (list price, before channel markups) for
// each of the chosen quantities.
func (f *planForm) preview() {
	if f.Quantities == "" {
		f.Quantities = "1, 5, 10, 25, 100"
	}
	p, err := f.pricing()
	if err != nil {
		f.refused(err)
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
	f.withBlankRows()
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
	f.refused(err)
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
