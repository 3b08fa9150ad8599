package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
)

// ARMTemplateUpload is the body of PUT /api/v1/products/{id}/arm-template:
// the template, and for its parameters where each value comes from.
type ARMTemplateUpload struct {
	Template map[string]any `json:"template" doc:"the ARM template (deploymentTemplate.json)"`
	// Parameters maps template parameter names to their source; a parameter
	// left out comes from the marketplace when it is obviously the prefix,
	// the location or the admin user, keeps its default when it has one, and
	// is asked of the buyer otherwise.
	Parameters   armproduct.ParameterMapping `json:"parameters,omitempty" doc:"parameter name → {source: buyer|fixed|marketplace|default, value (fixed), from (marketplace: prefix|location|admin_user), label (buyer)}"`
	LaunchOutput string                      `json:"launch_output,omitempty" maxLength:"200" doc:"the template output that holds the customer's launch URL"`
}

func (s *Server) registerARMTemplates() {
	register(s, huma.Operation{OperationID: "put-arm-template", Method: http.MethodPut, Path: "/api/v1/products/{id}/arm-template",
		Summary: "Upload an ARM template product's template; its buyer parameters become the checkout form", Tags: []string{"Catalog"}},
		func(ctx context.Context, in *struct {
			IDInput
			Body ARMTemplateUpload
		}) (*Output[Product], error) {
			p := principal(ctx)
			prod, err := s.store.Product(ctx, p, in.ID)
			if err != nil {
				return nil, err
			}
			if prod.Type != catalog.TypeARMTemplate {
				return nil, mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: "the product is not of type arm_template"})
			}
			raw, err := json.Marshal(in.Body.Template)
			if err != nil {
				return nil, err
			}
			tpl, err := arm.ParseTemplate(raw)
			if err != nil {
				return nil, mercato.Invalid("invalid template", mercato.FieldError{Path: "template", Message: err.Error()})
			}
			mapping := in.Body.Parameters
			if mapping == nil {
				mapping = armproduct.ParameterMapping{}
			}
			if err := mapping.Check(tpl); err != nil {
				return nil, mercato.Invalid("invalid parameter mapping", mercato.FieldError{Path: "parameters", Message: err.Error()})
			}
			if o := in.Body.LaunchOutput; o != "" && !slices.ContainsFunc(tpl.Outputs, func(d *arm.OutputDecl) bool { return strings.EqualFold(d.Name, o) }) {
				return nil, mercato.Invalid("invalid template", mercato.FieldError{Path: "launch_output", Message: "the template has no output " + o})
			}
			mappingJSON, err := json.Marshal(mapping)
			if err != nil {
				return nil, err
			}
			meta := map[string]string{}
			for k, v := range prod.Metadata {
				meta[k] = v
			}
			meta[armproduct.MetaTemplate], meta[armproduct.MetaParameters] = string(raw), string(mappingJSON)
			if in.Body.LaunchOutput != "" {
				meta[armproduct.MetaLaunchOutput] = in.Body.LaunchOutput
			}
			form := armproduct.Form(tpl, mapping)
			updated, err := s.store.UpdateProduct(ctx, p, in.ID, store.ProductUpdate{Metadata: &meta, Parameters: &form})
			if err != nil {
				return nil, err
			}
			return out(productOf(updated)), nil
		})
}
