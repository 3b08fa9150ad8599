package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/webhooks"
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
	hooks := webhooks.New(st, store.TxFunc[webhooks.Tx](st))
	var secrets []string
	for _, typ := range []catalog.ProductType{catalog.TypeMicrosoftCSP, catalog.TypeAzurePlan} {
		products, _, err := st.ListProducts(ctx, p, catalog.ProductFilter{Type: typ, VendorID: p.OrgID}, store.Page{Limit: 200})
		if err != nil {
			return nil, fmt.Errorf("demo microsoft: %w", err)
		}
		for _, prod := range products {
			ep, err := hooks.PointProductEndpoint(ctx, p, prod.ID, MicrosoftPath, url)
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
