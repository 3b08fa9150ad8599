package armproduct

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Upload is a vendor's ARM template for an arm_template product: the
// template, where each of its parameters' values comes from, and the
// output holding the launch URL. The API (PUT /products/{id}/arm-template)
// and the control panel's template page both apply it with Apply.
type Upload struct {
	Template     []byte // JSON
	Parameters   ParameterMapping
	LaunchOutput string
}

// Parse reads the template and checks the mapping and the launch output
// against it. Its errors are EINVALID, naming the field at fault
// (template, parameters or launch_output).
func (u Upload) Parse() (*engine.Template, error) {
	tpl, err := engine.ParseTemplate(u.Template)
	if err != nil {
		return nil, mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: err.Error()})
	}
	if err := u.Parameters.Check(tpl); err != nil {
		return tpl, mercato.Invalid("invalid parameter mapping", mercato.FieldError{Path: "parameters", Message: err.Error()})
	}
	if o := u.LaunchOutput; o != "" && !slices.ContainsFunc(tpl.Outputs, func(d *engine.OutputDecl) bool { return strings.EqualFold(d.Name, o) }) {
		return tpl, mercato.Invalid("invalid template", mercato.FieldError{Path: "launch_output", Message: "the template has no output " + o})
	}
	return tpl, nil
}

// Apply checks u for prod and returns what the product becomes: its
// metadata with the template (compact JSON), the mapping and the launch
// output, and its checkout form (Form). The caller saves both.
func (u Upload) Apply(prod catalog.Product) (map[string]string, []catalog.Parameter, error) {
	if prod.Type != catalog.TypeARMTemplate {
		return nil, nil, mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: "the product is not of type arm_template"})
	}
	if u.Parameters == nil {
		u.Parameters = ParameterMapping{}
	}
	tpl, err := u.Parse()
	if err != nil {
		return nil, nil, err
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, u.Template); err != nil {
		return nil, nil, mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: err.Error()})
	}
	mapping, err := json.Marshal(u.Parameters)
	if err != nil {
		return nil, nil, err
	}
	meta := maps.Clone(prod.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[MetaTemplate], meta[MetaParameters] = compact.String(), string(mapping)
	if u.LaunchOutput != "" {
		meta[MetaLaunchOutput] = u.LaunchOutput
	}
	return meta, Form(tpl, u.Parameters), nil
}

// Saved reads back the upload kept in a product's metadata (empty when
// none was uploaded; a mapping that does not parse reads as none).
func Saved(prod catalog.Product) Upload {
	u := Upload{Template: []byte(prod.Metadata[MetaTemplate]), LaunchOutput: prod.Metadata[MetaLaunchOutput], Parameters: ParameterMapping{}}
	if raw := prod.Metadata[MetaParameters]; raw != "" {
		_ = json.Unmarshal([]byte(raw), &u.Parameters)
	}
	return u
}
