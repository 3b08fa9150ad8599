package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/mercato-market/mercato/internal/samplevendor"
)

// runVendorDemo runs the sample syndicated SaaS on its own, as a vendor
// would run its app: it receives the marketplace's webhooks and answers
// through the Cloudesire-compatible API.
func runVendorDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vendor-demo", stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8090", "where the vendor listens for webhooks (POST /webhooks) (env MERCATO_ADDR)")
		apiBase   = fs.String("api", "http://127.0.0.1:8080/api/", "the marketplace's Cloudesire-compatible API base (env MERCATO_API)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, "info")
	if err != nil {
		return err
	}
	// Credentials come from the environment only, never from flags.
	token, secret := os.Getenv("MERCATO_VENDOR_TOKEN"), os.Getenv("MERCATO_VENDOR_SECRET")
	if token == "" || secret == "" {
		return usageError{errors.New("set MERCATO_VENDOR_TOKEN (the vendor's API token) and MERCATO_VENDOR_SECRET (its endpoint's whsec_ secret)")}
	}
	v := samplevendor.New(*apiBase, token, secret, log)
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks", v.Handler())
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Fprintf(stdout, "sample vendor: webhooks at http://%s/webhooks, API %s\n", *addr, *apiBase)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
