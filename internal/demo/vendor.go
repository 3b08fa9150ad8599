package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/samplevendor"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// vendorPath is the path of the sample vendor's webhook endpoint; the demo
// finds its endpoint again by it after a restart.
const vendorPath = "/webhooks/sample-vendor"

// StartVendor runs the sample vendor for the demo's SaaS product on a
// loopback port, pointed at the marketplace's Cloudesire-compatible API
// (apiBase, ending in /api/), and registers (or, after a restart, re-points)
// the product's webhook endpoint to it. The vendor stops with ctx.
func StartVendor(ctx context.Context, st *store.Store, apiBase string, log *slog.Logger) (*samplevendor.Vendor, error) {
	vendorToken := people[0].token
	p, err := st.Authenticate(ctx, vendorToken)
	if err != nil {
		return nil, fmt.Errorf("demo vendor: %w", err)
	}
	products, _, err := st.ListProducts(ctx, p, catalog.ProductFilter{Type: catalog.TypeSaaS, VendorID: p.OrgID}, store.Page{Limit: 1})
	if err != nil || len(products) == 0 {
		return nil, errors.Join(errors.New("demo vendor: no SaaS product"), err)
	}
	product := products[0]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo vendor: %w", err)
	}
	url := "http://" + ln.Addr().String() + vendorPath
	ep, err := demoEndpoint(ctx, st, p, product.ID, url)
	if err != nil {
		ln.Close()
		return nil, err
	}
	v := samplevendor.New(apiBase, vendorToken, ep.Secret, log)
	mux := http.NewServeMux()
	mux.Handle("POST "+vendorPath, v.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Info("demo: sample vendor running", "webhook", url, "product", product.Name)
	return v, nil
}

// demoEndpoint returns the product's sample-vendor endpoint, created on the
// first start and re-pointed at the vendor's new port on later ones.
func demoEndpoint(ctx context.Context, st *store.Store, p mercato.Principal, productID int64, url string) (syndication.Endpoint, error) {
	eps, _, err := st.ListEndpoints(ctx, p, store.EndpointFilter{ProductID: productID}, store.Page{Limit: 200})
	if err != nil {
		return syndication.Endpoint{}, err
	}
	for _, e := range eps {
		if strings.HasSuffix(e.URL, vendorPath) {
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
