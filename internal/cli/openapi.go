package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/api/cloudesire"
)

// runOpenAPI writes an OpenAPI document of the API as the server generates
// it, without a database: the routes are built, never called.
func runOpenAPI(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("openapi", stderr)
	var (
		which   = fs.String("api", "v1", "which API: v1 (/api/v1, /openapi.json) or cloudesire (/api/, /api/openapi.json)")
		version = fs.String("openapi", "3.1", "OpenAPI version: 3.1, or 3.0 (the server's /openapi-3.0.json downgrade)")
		out     = fs.String("out", "", "write to this file instead of standard output")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	doc, err := openAPIDocument(*which, *version)
	if err != nil {
		return usageError{err}
	}
	if *out == "" {
		_, err = stdout.Write(doc)
		return err
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		return fmt.Errorf("write the document: %w", err)
	}
	return nil
}

// openAPIDocument is the document of one API in one OpenAPI version, as
// api.Document writes it.
func openAPIDocument(which, version string) ([]byte, error) {
	var doc *huma.OpenAPI
	switch which {
	case "v1":
		doc = api.New(api.Services{}, slog.New(slog.DiscardHandler)).OpenAPI()
	case "cloudesire":
		doc = cloudesire.OpenAPI()
	default:
		return nil, fmt.Errorf("unknown API %q: v1 or cloudesire", which)
	}
	return api.Document(doc, version)
}
