package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/armproduct"
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
	register(s, huma.Operation{OperationID: "put-arm-template", Description: "Uploads the ARM template of an arm_template product with, per template parameter, where its value comes from (the buyer, a fixed value, the marketplace or the default). The product's metadata and checkout form are replaced by what the template needs. Only its vendor and the platform upload.", Method: http.MethodPut, Path: "/api/v1/products/{id}/arm-template",
		Summary: "Upload an ARM template product's template; its buyer parameters become the checkout form", Tags: []string{"Catalog"},
		MaxBodyBytes: armproduct.MaxTemplate + 64<<10}, // the template and its mapping, as JSON
		func(ctx context.Context, in *struct {
			IDInput
			Body ARMTemplateUpload
		}) (*Output[Product], error) {
			raw, err := json.Marshal(in.Body.Template)
			if err != nil {
				return nil, err
			}
			u := armproduct.Upload{Template: raw, Parameters: in.Body.Parameters, LaunchOutput: in.Body.LaunchOutput}
			updated, err := s.services.Catalog.SetARMTemplate(ctx, principal(ctx), in.ID, u)
			if err != nil {
				return nil, err
			}
			return out(productOf(updated)), nil
		})
}
