package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/samplevendor"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/webhooks"
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
	// Created on the first start, re-pointed at the new port on later ones.
	ep, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).PointProductEndpoint(ctx, p, product.ID, vendorPath, url)
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
