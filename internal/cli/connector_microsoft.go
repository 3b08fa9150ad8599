package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/connector/microsoft"
	"github.com/mercato-market/mercato/internal/partnercenter"
)

// runConnectorMicrosoft runs the Microsoft connector as its own service:
// it receives the marketplace's webhooks at POST /webhooks and calls the
// marketplace's API and Partner Center.
func runConnectorMicrosoft(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("connector microsoft", stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8093", "where the connector listens for webhooks (POST /webhooks) (env MERCATO_ADDR)")
		api       = fs.String("api", "http://127.0.0.1:8080", "the marketplace's base URL (env MERCATO_API)")
		pcURL     = fs.String("partner-center", partnercenter.DefaultBaseURL, "Partner Center base URL (env MERCATO_PARTNER_CENTER)")
		loginURL  = fs.String("login", partnercenter.DefaultLoginURL, "Entra ID (login) base URL (env MERCATO_LOGIN)")
		tenantID  = fs.String("tenant-id", "", "the partner's Entra tenant (env MERCATO_TENANT_ID)")
		clientID  = fs.String("client-id", "", "the partner app's client id (env MERCATO_CLIENT_ID)")
		armURL    = fs.String("arm", "", "Azure Resource Manager URL, to grant customers access to their Azure plans (https://management.azure.com; empty: access requests are only noted) (env MERCATO_ARM)")
		armCA     = fs.String("arm-ca", "", "a PEM file of the only certificate authority to trust for --arm and --login (an emulator's) (env MERCATO_ARM_CA)")
		usage     = fs.Duration("usage-interval", time.Hour, "how often Azure plan usage is imported; 0 disables (env MERCATO_USAGE_INTERVAL)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
		logLevel  = fs.String("log-level", "info", "log level (env MERCATO_LOG_LEVEL)")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	// Secrets come from the environment only, never from flags.
	token, secrets, clientSecret := os.Getenv("MERCATO_CONNECTOR_TOKEN"), os.Getenv("MERCATO_WEBHOOK_SECRET"), os.Getenv("MERCATO_CLIENT_SECRET")
	if token == "" || secrets == "" || clientSecret == "" || *tenantID == "" || *clientID == "" {
		return usageError{errors.New("set MERCATO_CONNECTOR_TOKEN (the vendor's API token), MERCATO_WEBHOOK_SECRET (whsec_ secrets, comma-separated), MERCATO_CLIENT_SECRET and --tenant-id, --client-id")}
	}
	pc, err := partnercenter.New(partnercenter.Config{BaseURL: *pcURL, LoginURL: *loginURL, TenantID: *tenantID, ClientID: *clientID, ClientSecret: clientSecret, Log: log})
	if err != nil {
		return err
	}
	cfg := microsoft.Config{API: *api, Token: token, Secrets: strings.Split(secrets, ","), PartnerCenter: pc, Log: log}
	if *armURL != "" {
		// The same app signs in to Resource Manager, in each customer's tenant.
		cfg.Azure = &azure.Endpoints{ResourceManager: *armURL, Authority: *loginURL, ClientID: *clientID, ClientSecret: clientSecret}
		if *armCA != "" {
			if cfg.Azure.CACertPEM, err = os.ReadFile(*armCA); err != nil {
				return fmt.Errorf("--arm-ca: %w", err)
			}
		}
	}
	conn, err := microsoft.New(cfg)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks", conn.Handler())
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	if *usage > 0 {
		go func() { _ = conn.RunUsageImport(ctx, *usage, microsoft.DefaultPrices()) }()
	}
	fmt.Fprintf(stdout, "microsoft connector: webhooks at http://%s/webhooks, marketplace %s, Partner Center %s\n", *addr, *api, *pcURL)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
