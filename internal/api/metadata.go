package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// Metadata is a subscription's integration metadata.
type Metadata struct {
	Metadata map[string]string `json:"metadata" doc:"keys its provider keeps beside the subscription (e.g. partner_center.customer_id); at most 50, values up to 4096 bytes"`
}

func (s *Server) registerMetadata() {
	tags := []string{"Provisioning"}
	path := "/api/v1/subscriptions/{id}/metadata"
	register(s, huma.Operation{OperationID: "get-subscription-metadata", Description: "Returns the integration metadata a subscription's provider keeps beside it (such as Partner Center ids), to everyone who can see the subscription. Changes nothing.", Method: http.MethodGet, Path: path, Summary: "Get a subscription's integration metadata", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Metadata], error) {
			m, err := s.services.Provisioning.Metadata(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(Metadata{Metadata: m}), nil
		})
	register(s, huma.Operation{OperationID: "set-subscription-metadata", Method: http.MethodPut, Path: path,
		Summary: "Replace a subscription's integration metadata (provider)", Description: "Only the product's vendor (a connector) and the platform write it. It records no lifecycle event.", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body Metadata
		}) (*Output[Metadata], error) {
			m, err := s.services.Provisioning.SetMetadata(ctx, principal(ctx), in.ID, in.Body.Metadata)
			if err != nil {
				return nil, err
			}
			return out(Metadata{Metadata: m}), nil
		})
}
