package cli

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/connector/microsoft"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/emulator/partnercenter"
	pcclient "github.com/mercato-market/mercato/internal/partnercenter"
)

// startMicrosoftDemo runs, under --demo, the Entra ID and Partner Center
// emulators and the Microsoft connector on loopback ports, and points the
// demo's Microsoft products' webhooks at the connector: buying Microsoft
// 365 seats reaches DEPLOYED with no network.
func startMicrosoftDemo(ctx context.Context, env *serveEnv, azureEmulators <-chan azureDemoEmulators) error {
	log := env.Log.With("service", "microsoft demo")
	// The Azure demo's ARM and Entra emulators (from runAzureDemo), to
	// grant customers access to their Azure plans; without them such
	// requests are only noted.
	var az *azureDemoEmulators
	select {
	case a, ok := <-azureEmulators:
		if ok {
			az = &a
		} else {
			log.Warn("demo: no ARM emulator; requests for Azure plan access are only noted")
		}
	case <-ctx.Done():
		return nil
	}
	em, err := entra.New(entra.DemoConfig(), entra.WithLogger(log))
	if err != nil {
		return err
	}
	pc := partnercenter.New(partnercenter.Config{
		Verifier: entra.NewVerifier(em.Keys(), entra.PartnerCenterResource), Log: log,
		OnCustomerCreated: func(c partnercenter.Customer) {
			t := entra.Tenant{ID: c.ID, Domains: []string{c.CompanyProfile.Domain}}
			_ = em.AddTenant(t)
			if az != nil {
				_ = az.IDP.AddTenant(t) // ARM tokens are issued in the customer's tenant
			}
		},
	})
	entraURL, err := serveLoopback(ctx, em.Handler())
	if err != nil {
		return err
	}
	pcURL, err := serveLoopback(ctx, pc.Handler())
	if err != nil {
		return err
	}
	client, err := pcclient.New(pcclient.Config{BaseURL: pcURL, LoginURL: entraURL, TenantID: entra.DemoTenantID,
		ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret, Log: log})
	if err != nil {
		return err
	}

	// The connector's endpoint: its address is known before its secrets,
	// which registering the endpoints returns.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hookURL := "http://" + ln.Addr().String() + demo.MicrosoftPath
	secrets, err := demo.RegisterMicrosoft(ctx, env.Store, hookURL)
	if err != nil {
		ln.Close()
		return err
	}
	cfg := microsoft.Config{API: env.BaseURL, Token: demo.VendorToken(), Secrets: secrets, PartnerCenter: client, Log: log}
	if az != nil {
		cfg.Azure = &azure.Endpoints{ResourceManager: az.ARM, Authority: az.Entra, CACertPEM: az.CACertPEM,
			ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret}
	}
	conn, err := microsoft.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+demo.MicrosoftPath, conn.Handler())
	if err := serveOn(ctx, ln, mux); err != nil {
		return err
	}
	log.Info("demo: microsoft connector running", "webhook", hookURL, "entra", entraURL, "partner_center", pcURL)
	return conn.RunUsageImport(ctx, time.Hour, microsoft.DefaultPrices())
}

// serveLoopback serves h on a fresh loopback port until ctx ends and
// returns its base URL.
func serveLoopback(ctx context.Context, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	if err := serveOn(ctx, ln, h); err != nil {
		return "", err
	}
	return "http://" + ln.Addr().String(), nil
}

func serveOn(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	return nil
}
