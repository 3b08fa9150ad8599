package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/demo"
	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// azureDemoPath is the path of the in-process Azure connector's webhook
// endpoint; the demo finds its endpoints again by it after a restart.
const azureDemoPath = "/webhooks/azure-connector"

// azureDemoSubscription is the Azure subscription the demo deploys into.
const azureDemoSubscription = "6d3f0c1e-8a5b-4c2d-9e7f-1a2b3c4d5e6f"

// azureDemoEmulators are the Azure demo's ARM and Entra emulators (TLS, one
// certificate), handed to the Microsoft demo, whose connector grants
// customers access to their Azure plans through them.
type azureDemoEmulators struct {
	ARM, Entra string
	CACertPEM  []byte
	IDP        *entra.Emulator
}

// runAzureDemo runs, under --demo, the Entra and ARM emulators over TLS on
// loopback, and the Azure connector subscribed to the demo's Azure products,
// in-process. It publishes its emulators on out once they serve, and closes
// out if it fails before, so the Microsoft demo never waits for nothing.
func runAzureDemo(ctx context.Context, env *serveEnv, out chan<- azureDemoEmulators) error {
	published := false
	defer func() {
		if !published {
			close(out)
		}
	}()
	cert, err := armemu.NewCertificate()
	if err != nil {
		return err
	}
	idp, err := entra.New(entra.DemoConfig(), entra.WithLogger(env.Log))
	if err != nil {
		return fmt.Errorf("demo entra: %w", err)
	}
	entraCert, err := cert.Issue(entra.CertificateSubject)
	if err != nil {
		return err
	}
	serve := func(h http.Handler, cert *armemu.Certificate) (*armemu.Server, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("demo azure: %w", err)
		}
		return armemu.ServeTLS(ln, h, cert), nil
	}
	entraSrv, err := serve(idp.Handler(), entraCert)
	if err != nil {
		return err
	}
	defer entraSrv.Close()
	em := armemu.New(armemu.Config{Step: 300 * time.Millisecond, RetryAfter: time.Second, Log: env.Log,
		Verifier: entraVerifier(entra.NewVerifier(idp.Keys(), entra.ManagementAudiences...))})
	defer em.Close()
	armSrv, err := serve(em.Handler(), cert)
	if err != nil {
		return err
	}
	defer armSrv.Close()
	out <- azureDemoEmulators{ARM: armSrv.URL, Entra: entraSrv.URL, CACertPEM: cert.PEM, IDP: idp}
	published = true
	cred, opts, err := azure.SDKConfig(azure.Endpoints{ResourceManager: armSrv.URL, Authority: entraSrv.URL, CACertPEM: cert.PEM,
		TenantID: entra.DemoTenantID, ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo azure: %w", err)
	}
	hookURL := "http://" + ln.Addr().String() + azureDemoPath
	p, err := env.Store.Authenticate(ctx, demo.PlatformToken)
	if err != nil {
		return fmt.Errorf("demo azure: %w", err)
	}
	secrets, err := azureDemoEndpoints(ctx, env.Store, p, hookURL)
	if err != nil {
		ln.Close()
		return err
	}
	c, err := azure.New(azure.Config{MarketplaceURL: env.BaseURL, Token: demo.PlatformToken, WebhookSecrets: secrets,
		SubscriptionID: azureDemoSubscription, Credential: cred, ARM: opts, Log: env.Log, PollFrequency: time.Second})
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+azureDemoPath, c.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	env.Log.Info("demo: Azure connector running", "webhook", hookURL, "arm", armSrv.URL, "entra", entraSrv.URL)
	return c.Run(ctx)
}

// azureDemoEndpoints subscribes the connector to the demo's Azure
// products (re-pointing the endpoints after a restart) and returns their
// secrets.
func azureDemoEndpoints(ctx context.Context, st *store.Store, p mercato.Principal, url string) ([]string, error) {
	hooks := webhooks.New(st, store.TxFunc[webhooks.Tx](st))
	var secrets []string
	for _, typ := range []catalog.ProductType{catalog.TypeARMTemplate, catalog.TypeAzureMarketplaceVM} {
		products, _, err := st.ListProducts(ctx, p, catalog.ProductFilter{Type: typ}, store.Page{Limit: 200})
		if err != nil {
			return nil, fmt.Errorf("demo azure: %w", err)
		}
		for _, prod := range products {
			ep, err := hooks.PointProductEndpoint(ctx, p, prod.ID, azureDemoPath, url)
			if err != nil {
				return nil, fmt.Errorf("demo azure: endpoint of %s: %w", prod.Name, err)
			}
			secrets = append(secrets, ep.Secret)
		}
	}
	return secrets, nil
}
