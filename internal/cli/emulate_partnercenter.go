package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/emulator/partnercenter"
)

// runEmulatePartnerCenter runs the Partner Center emulator on its own. It
// validates tokens of the Entra emulator at --entra; without it, it serves
// an Entra emulator (demo tenant and app) itself on the same address.
func runEmulatePartnerCenter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("emulate partnercenter", stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8092", "listen address HOST:PORT (env MERCATO_ADDR)")
		entraURL  = fs.String("entra", "", "base URL of the Entra emulator whose tokens are accepted, e.g. http://127.0.0.1:8091 (env MERCATO_ENTRA); empty: serve one here too")
		useTLS    = fs.Bool("tls", false, "serve https with a self-signed certificate (env MERCATO_TLS)")
		certOut   = fs.String("tls-cert-out", "", "with --tls, write the certificate (PEM) here (env MERCATO_TLS_CERT_OUT)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
		logLevel  = fs.String("log-level", "info", "log level (env MERCATO_LOG_LEVEL)")
		provision = fs.Duration("provisioning-delay", 10*time.Second, "how long an order stays pending before it completes (env MERCATO_PROVISIONING_DELAY)")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	var (
		keys entra.KeySet
		em   *entra.Emulator
	)
	if *entraURL != "" {
		keys = entra.NewRemoteKeys(strings.TrimSuffix(*entraURL, "/")+"/common/discovery/v2.0/keys", nil)
	} else {
		if em, err = entra.New(entra.DemoConfig(), entra.WithLogger(log)); err != nil {
			return err
		}
		keys = em.Keys()
		fmt.Fprintf(stdout, "embedded entra emulator: tenant %s, client id %s\n", entra.DemoTenantID, entra.DemoClientID)
	}
	cfg := partnercenter.Config{Verifier: entra.NewVerifier(keys, entra.PartnerCenterResource), Log: log, ProvisioningDelay: *provision}
	if em != nil {
		cfg.OnCustomerCreated = func(c partnercenter.Customer) {
			_ = em.AddTenant(entra.Tenant{ID: c.ID, Domains: []string{c.CompanyProfile.Domain}})
		}
	}
	pc := partnercenter.New(cfg)
	var h http.Handler = pc.Handler()
	if em != nil {
		pcH, emH := pc.Handler(), em.Handler()
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v1/") || strings.HasPrefix(r.URL.Path, "/_emulator/") {
				pcH.ServeHTTP(w, r)
				return
			}
			emH.ServeHTTP(w, r)
		})
	}
	return serveMSEmulator(ctx, "partnercenter", *addr, h, *useTLS, *certOut, log, stdout)
}
