package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// MicrosoftPath is the path of the Microsoft connector's webhook endpoint in
// the demo; the demo finds its endpoints again by it after a restart.
const MicrosoftPath = "/webhooks/microsoft"

// VendorToken is the demo vendor's API token (it owns the Microsoft
// products, so the connector acts as it).
func VendorToken() string { return people[0].token }

// RegisterMicrosoft registers (or, after a restart, re-points) a webhook
// endpoint at url for each of the demo's Microsoft products (microsoft_csp
// and azure_plan) and returns their secrets.
func RegisterMicrosoft(ctx context.Context, st *store.Store, url string) ([]string, error) {
	p, err := st.Authenticate(ctx, VendorToken())
	if err != nil {
		return nil, fmt.Errorf("demo microsoft: %w", err)
	}
	var secrets []string
	for _, typ := range []catalog.ProductType{catalog.TypeMicrosoftCSP, catalog.TypeAzurePlan} {
		products, _, err := st.ListProducts(ctx, p, catalog.ProductFilter{Type: typ, VendorID: p.OrgID}, store.Page{Limit: 200})
		if err != nil {
			return nil, fmt.Errorf("demo microsoft: %w", err)
		}
		for _, prod := range products {
			ep, err := microsoftEndpoint(ctx, st, p, prod.ID, url)
			if err != nil {
				return nil, err
			}
			secrets = append(secrets, ep.Secret)
		}
	}
	if len(secrets) == 0 {
		return nil, errors.New("demo microsoft: no Microsoft products")
	}
	return secrets, nil
}

func microsoftEndpoint(ctx context.Context, st *store.Store, p mercato.Principal, productID int64, url string) (syndication.Endpoint, error) {
	eps, _, err := st.ListEndpoints(ctx, p, store.EndpointFilter{ProductID: productID}, store.Page{Limit: 200})
	if err != nil {
		return syndication.Endpoint{}, err
	}
	for _, e := range eps {
		if strings.HasSuffix(e.URL, MicrosoftPath) {
			enabled := true
			return st.UpdateEndpoint(ctx, p, e.ID, store.EndpointUpdate{URL: &url, Enabled: &enabled})
		}
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return syndication.Endpoint{}, err
	}
	return st.CreateEndpoint(ctx, p, syndication.Endpoint{ProductID: &productID, URL: url, Secret: secret})
}
