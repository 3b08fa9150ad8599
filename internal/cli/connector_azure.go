package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/connector/azure"
)

// runConnectorAzure runs the Azure connector as its own service: a webhook
// endpoint for the marketplace and a sweep of subscriptions waiting for it.
// Secrets come from the environment only: MERCATO_CONNECTOR_TOKEN (the
// marketplace API token), MERCATO_WEBHOOK_SECRETS (comma-separated whsec_…)
// and MERCATO_AZURE_CLIENT_SECRET.
func runConnectorAzure(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("connector azure", stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8093", "webhook listen address HOST:PORT (env MERCATO_ADDR)")
		market    = fs.String("marketplace-url", "http://127.0.0.1:8080", "the marketplace's base URL (env MERCATO_MARKETPLACE_URL)")
		sub       = fs.String("azure-subscription", "", "Azure subscription id deployed into (env MERCATO_AZURE_SUBSCRIPTION)")
		tenant    = fs.String("azure-tenant", "", "Entra tenant id of the connector's app (env MERCATO_AZURE_TENANT)")
		clientID  = fs.String("azure-client-id", "", "client id of the connector's app (env MERCATO_AZURE_CLIENT_ID)")
		armURL    = fs.String("arm-endpoint", "", "Azure Resource Manager URL; empty: https://management.azure.com (env MERCATO_ARM_ENDPOINT)")
		authority = fs.String("authority", "", "Entra ID URL; empty: https://login.microsoftonline.com/ (env MERCATO_AUTHORITY)")
		caFile    = fs.String("ca-file", "", "PEM certificate the emulators serve with, trusted instead of the system roots (env MERCATO_CA_FILE)")
		location  = fs.String("location", "westeurope", "default Azure region (env MERCATO_LOCATION)")
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
	token, secrets := os.Getenv("MERCATO_CONNECTOR_TOKEN"), os.Getenv("MERCATO_WEBHOOK_SECRETS")
	if token == "" || secrets == "" || *sub == "" {
		return usageError{errors.New("MERCATO_CONNECTOR_TOKEN, MERCATO_WEBHOOK_SECRETS and --azure-subscription are required")}
	}
	ep := azure.Endpoints{ResourceManager: *armURL, Authority: *authority, TenantID: *tenant, ClientID: *clientID,
		ClientSecret: os.Getenv("MERCATO_AZURE_CLIENT_SECRET")}
	if *caFile != "" {
		if ep.CACertPEM, err = os.ReadFile(*caFile); err != nil {
			return fmt.Errorf("CA file: %w", err)
		}
	}
	cred, opts, err := azure.SDKConfig(ep)
	if err != nil {
		return err
	}
	c, err := azure.New(azure.Config{MarketplaceURL: *market, Token: token, WebhookSecrets: strings.Split(secrets, ","),
		SubscriptionID: *sub, Credential: cred, ARM: opts, Location: *location, Log: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/azure", c.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(stdout, "azure connector: webhooks at http://%s/webhooks/azure\n", ln.Addr())
	err = c.Run(ctx)
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return err
}
