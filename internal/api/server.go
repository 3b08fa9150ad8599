// Package api serves the marketplace's REST API under /api/v1: JSON in
// snake_case, cursor-paginated lists, an OpenAPI 3.1 document generated from
// the Go types at /openapi.json, and RFC 9457 problem bodies for every error.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/api/cloudesire"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
)

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

// Server is the HTTP face of the marketplace.
type Server struct {
	store    *store.Store
	log      *slog.Logger
	mux      *http.ServeMux
	api      huma.API
	webhooks webhookConfig
	limits   *limiter // nil: no rate limit
	services services
}

// Option configures a Server.
type Option func(*Server)

// New builds the server's routes over st.
func New(st *store.Store, log *slog.Logger, opts ...Option) *Server {
	s := &Server{store: st, log: log, mux: http.NewServeMux()}
	for _, o := range opts {
		o(s)
	}
	s.services.defaults(st)
	cfg := huma.DefaultConfig("Mercato API", Version)
	cfg.Info.Description = "The Mercato cloud marketplace: organizations, catalog, pricing, orders and subscriptions."
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token (mct_…) or the bootstrap token"},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	// Money travels as decimal strings, never as JSON numbers.
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[decimal.Decimal](), reflect.TypeFor[string]())
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat(), "json": jsonFormat()}
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(s.authenticate)

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	s.mux.Handle(cloudesire.Prefix, cloudesire.New(st, log, cloudesire.WithProvisioning(s.services.provisioning))) // the Cloudesire-compatible vendor API

	s.registerOrganizations()
	s.registerUsers()
	s.registerProducts()
	s.registerPlans()
	s.registerPrices()
	s.registerQuotes()
	s.registerOrders()
	s.registerSubscriptions()
	s.registerEvents()
	s.registerProvisioning()
	s.registerWebhooks()
	s.registerUsage()
	s.registerMetadata()
	s.registerBilling()
	s.registerARMTemplates()
	s.registerAudit()
	return s
}

// ServeHTTP logs each request and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
}

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// authenticate resolves the bearer token of every API operation to the
// principal it acts as.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	auth := ctx.Header("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="mercato"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "an API token is required: Authorization: Bearer <token>")
		return
	}
	p, err := s.store.Authenticate(ctx.Context(), strings.TrimSpace(token))
	if err != nil {
		if mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			s.log.ErrorContext(ctx.Context(), "authenticate", "err", err)
			_ = huma.WriteErr(s.api, ctx, http.StatusInternalServerError, "internal error")
			return
		}
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="mercato", error="invalid_token"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "invalid API token")
		return
	}
	if s.limits != nil {
		if ok, wait := s.limits.allow(token, time.Now()); !ok {
			ctx.SetHeader("Retry-After", retryAfter(wait))
			_ = huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, "too many requests for this API token; retry after "+retryAfter(wait)+" s")
			return
		}
	}
	if ctx.Method() != http.MethodGet && !p.CanWrite() && ctx.Operation().OperationID != "create-quote" {
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "your role is read-only")
		return
	}
	next(huma.WithValue(ctx, principalKey{}, p))
}

type principalKey struct{}

// principal returns the caller the authenticate middleware resolved.
func principal(ctx context.Context) mercato.Principal {
	p, _ := ctx.Value(principalKey{}).(mercato.Principal)
	return p
}

// nulEscape matches a JSON \u0000 escape that is not itself escaped.
var nulEscape = regexp.MustCompile(`(^|[^\\])(\\\\)*\\u0000`)

// jsonFormat is huma's JSON format, refusing text with NUL characters,
// which no text column of PostgreSQL can store.
func jsonFormat() huma.Format {
	f := huma.DefaultJSONFormat
	unmarshal := f.Unmarshal
	f.Unmarshal = func(data []byte, v any) error {
		if nulEscape.Match(data) {
			return errors.New("text must not contain NUL characters (\\u0000)")
		}
		return unmarshal(data, v)
	}
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
