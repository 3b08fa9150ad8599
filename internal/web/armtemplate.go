package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The ARM template page of an arm_template product: the vendor pastes or
// uploads the template, says for each parameter where its value comes
// from (the buyer, a fixed value, the marketplace, the template's
// default), previews the buyer's checkout form and saves. Checking and
// applying the upload is armproduct.Upload, as for the API's
// PUT /api/v1/products/{id}/arm-template.

// maxTemplate bounds an uploaded template, as on every path.
const maxTemplate = armproduct.MaxTemplate

type armRow struct {
	Name, Type, Description string
	Default                 string // the template's default, as JSON
	HasDefault              bool
	Source                  string
	Value                   string // fixed
	From                    string // marketplace
	Label                   string // buyer
}

type armData struct {
	Product      catalog.Product
	Template     string
	LaunchOutput string
	Outputs      []string
	Rows         []armRow
	Form         []catalog.Parameter // the checkout form the mapping makes
	Error        string
	Sources      []armproduct.Source
	Froms        []string
}

// ConfigFields is the previewed checkout form.
func (d *armData) ConfigFields() configFields {
	return configFields{Params: d.Form, Values: map[string]string{}, Errors: map[string]string{}}
}

var (
	armSources = []armproduct.Source{armproduct.SourceBuyer, armproduct.SourceFixed, armproduct.SourceMarketplace, armproduct.SourceDefault}
	armFroms   = []string{armproduct.FromPrefix, armproduct.FromLocation, armproduct.FromAdminUser}
)

// armProduct is the signed-in vendor's (or, for the platform, any)
// arm_template product.
func (s *Server) armProduct(r *http.Request, v *view) (catalog.Product, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return catalog.Product{}, err
	}
	prod, err := s.ownProduct(r, v, id)
	if err == nil && prod.Type != catalog.TypeARMTemplate {
		err = mercato.NotFound("ARM template product", id)
	}
	return prod, err
}

// armData lays out the page for an upload: one row per template
// parameter with its (mapped or default) source, and the checkout form
// that follows. A template that does not parse leaves only the error.
func armDataOf(prod catalog.Product, u armproduct.Upload, template string) *armData {
	d := &armData{Product: prod, Template: template, LaunchOutput: u.LaunchOutput, Sources: armSources, Froms: armFroms}
	if strings.TrimSpace(template) == "" {
		return d
	}
	tpl, err := u.Parse()
	if err != nil {
		d.Error = errText(err)
	}
	if tpl == nil {
		return d
	}
	for _, o := range tpl.Outputs {
		d.Outputs = append(d.Outputs, o.Name)
	}
	for _, p := range tpl.Parameters {
		src := u.Parameters.SourceOf(p)
		row := armRow{Name: p.Name, Type: p.Type, Description: p.Description, HasDefault: p.HasDefault, Source: string(src.Source), From: src.From, Label: src.Label}
		if p.HasDefault {
			b, _ := json.Marshal(p.DefaultValue)
			row.Default = string(b)
		}
		if src.Value != nil {
			if str, ok := src.Value.(string); ok {
				row.Value = str
			} else {
				b, _ := json.Marshal(src.Value)
				row.Value = string(b)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	d.Form = armproduct.Form(tpl, u.Parameters)
	return d
}

func (s *Server) armTemplatePage(w http.ResponseWriter, r *http.Request, v *view) {
	prod, err := s.armProduct(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	u := armproduct.Saved(prod)
	template := string(u.Template)
	if template != "" {
		template = indentJSON(template)
	}
	s.renderARM(w, r, v, http.StatusOK, armDataOf(prod, u, template))
}

func (s *Server) renderARM(w http.ResponseWriter, r *http.Request, v *view, status int, d *armData) {
	v.Title, v.Active, v.Data = s.say(r, "ARM template · %s", d.Product.Name), "/vendor/products", d
	s.render(w, r, status, "arm_template.html", v)
}

func indentJSON(s string) string {
	var b strings.Builder
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return s
	}
	return b.String()
}

// readARMForm reads the posted template (an uploaded file wins over the
// text area) and the mapping: each parameter with a posted source gets
// it; the others keep what the product's saved mapping (or the default
// rule) says.
func readARMForm(r *http.Request, prod catalog.Product) (armproduct.Upload, string, error) {
	cleanup, err := parseUpload(r)
	defer cleanup()
	if tooLarge(err) {
		return armproduct.Upload{}, "", err
	}
	if err != nil && err != http.ErrNotMultipart {
		return armproduct.Upload{}, "", mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: "the upload is too large or malformed"})
	}
	template := r.PostFormValue("template")
	if f, _, err := r.FormFile("template_file"); err == nil {
		b, rerr := io.ReadAll(io.LimitReader(f, maxTemplate+1))
		f.Close()
		if rerr == nil && len(strings.TrimSpace(string(b))) > 0 {
			template = string(b)
		}
		if len(b) > maxTemplate {
			return armproduct.Upload{}, template, mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: "larger than 4 MiB"})
		}
	}
	saved := armproduct.Saved(prod)
	u := armproduct.Upload{Template: []byte(template), LaunchOutput: strings.TrimSpace(r.PostFormValue("launch_output")), Parameters: armproduct.ParameterMapping{}}
	tpl, err := engine.ParseTemplate(u.Template)
	if err != nil {
		// Parse reports it, with the field.
		return u, template, nil
	}
	var fe mercato.FieldErrors
	for _, p := range tpl.Parameters {
		src := armproduct.Source(r.PostFormValue("source." + p.Name))
		if src == "" {
			u.Parameters[p.Name] = saved.Parameters.SourceOf(p)
			continue
		}
		ps := armproduct.ParameterSource{Source: src}
		switch src {
		case armproduct.SourceFixed:
			val, err := fixedValue(p, r.PostFormValue("value."+p.Name))
			if err != nil {
				fe.Add("parameters."+p.Name, "%v", err)
			}
			ps.Value = val
		case armproduct.SourceMarketplace:
			ps.From = r.PostFormValue("from." + p.Name)
		case armproduct.SourceBuyer:
			ps.Label = strings.TrimSpace(r.PostFormValue("label." + p.Name))
		}
		u.Parameters[p.Name] = ps
	}
	return u, template, fe.Err("invalid parameter mapping")
}

// fixedValue reads a fixed parameter value typed as the template declares
// it; an empty value is none (the mapping check asks for one).
func fixedValue(p *engine.Parameter, s string) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	switch p.Type {
	case "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s must be a whole number", p.Name)
		}
		return n, nil
	case "bool":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("%s must be true or false", p.Name)
		}
		return b, nil
	case "object", "secureobject", "array":
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("%s must be JSON (%s)", p.Name, p.Type)
		}
		return v, nil
	}
	return s, nil
}

// previewARMTemplate shows the page for the posted template and mapping
// without saving: the parameters it declares and the checkout form.
func (s *Server) previewARMTemplate(w http.ResponseWriter, r *http.Request, v *view) {
	prod, err := s.armProduct(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	u, template, err := readARMForm(r, prod)
	if tooLarge(err) {
		s.errorPage(w, r, v, http.StatusRequestEntityTooLarge, s.say(r, "The upload is larger than a template may be (4 MiB)."))
		return
	}
	d := armDataOf(prod, u, template)
	if err != nil {
		d.Error = errText(err)
	}
	s.renderARM(w, r, v, http.StatusOK, d)
}

// saveARMTemplate saves the upload through the catalog service (as the API
// does), which applies it to the product's metadata and checkout form.
func (s *Server) saveARMTemplate(w http.ResponseWriter, r *http.Request, v *view) {
	prod, err := s.armProduct(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	u, template, err := readARMForm(r, prod)
	if tooLarge(err) {
		s.errorPage(w, r, v, http.StatusRequestEntityTooLarge, s.say(r, "The upload is larger than a template may be (4 MiB)."))
		return
	}
	var saved catalog.Product
	if err == nil {
		saved, err = s.services.Catalog.SetARMTemplate(r.Context(), v.P, prod.ID, u)
	}
	if err != nil {
		if code := mercato.ErrorCode(err); code != mercato.EINVALID {
			s.fail(w, r, v, err)
			return
		}
		d := armDataOf(prod, u, template)
		d.Error = errText(err)
		s.renderARM(w, r, v, http.StatusUnprocessableEntity, d)
		return
	}
	s.back(w, r, fmt.Sprintf("/vendor/products/%d/arm-template", prod.ID),
		s.say(r, "Template saved: buyers now fill in %d configuration fields at checkout.", len(saved.Parameters)))
}
