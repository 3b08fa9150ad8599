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
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/api/cloudesire"
	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

// Server is the HTTP face of the marketplace.
type Server struct {
	log      *slog.Logger
	mux      *http.ServeMux
	api      huma.API
	webhooks webhookConfig
	door     frontdoor.Config // of the door ServeHTTP serves through
	handler  http.Handler
	reads    []string // operations read-only roles may call (onlyReads)
	services Services
}

// Option configures a Server.
type Option func(*Server)

// New builds the server's routes over the services.
func New(sv Services, log *slog.Logger, opts ...Option) *Server {
	s := &Server{services: sv, log: log, mux: http.NewServeMux(), door: frontdoor.Config{Callers: sv.Callers, Log: log}}
	for _, o := range opts {
		o(s)
	}
	cfg := huma.DefaultConfig("Mercato API", Version)
	cfg.Info.Description = "The Mercato cloud marketplace: organizations, catalog, pricing, orders and subscriptions."
	describe(&cfg) // servers, contact, tags, lists never null (openapi.go)
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
	cfg.Transformers = append(cfg.Transformers, problemType)
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(s.requireCaller)

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	s.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	s.mux.Handle(cloudesire.Prefix, cloudesire.New(cloudesire.Services{Lifecycle: sv.Lifecycle, Provisioning: sv.Provisioning,
		Catalog: sv.Catalog, Accounts: sv.Accounts, Orders: sv.Orders, Invoices: sv.Billing, CustomBilling: sv.Billing, Events: sv.Webhooks, Clock: sv.Clock}, log)) // the Cloudesire-compatible vendor API

	s.registerOrganizations()
	s.registerOperator()
	s.registerFees()
	s.registerRetention()
	s.registerUsers()
	s.registerProducts()
	s.registerPlans()
	s.registerPrices()
	s.registerExchangeRates()
	s.registerQuotes()
	s.registerOrders()
	s.registerCoupons()
	s.registerSubscriptions()
	s.registerEvents()
	s.registerProvisioning()
	s.registerWebhooks()
	s.registerUsage()
	s.registerMetadata()
	s.registerBilling()
	s.registerARMTemplates()
	s.registerAudit()
	// Served alone (tests, benchmarks) the API brings its own front door;
	// behind serve's, which resolved the request already, it lets it pass.
	mounts := append(s.Mounts(), frontdoor.Mount{Prefix: "/", Render: RenderRefusal})
	s.handler = frontdoor.New(s.door, mounts...).Wrap(http.HandlerFunc(s.serve))
	return s
}

// Mounts are the API's parts of the URL space for the front door: /api/v1
// and the API's other paths answer refusals as problems, /api/ (the
// Cloudesire-compatible API) in its own shape.
func (s *Server) Mounts() []frontdoor.Mount {
	problems := func(prefix string) frontdoor.Mount { return frontdoor.Mount{Prefix: prefix, Render: RenderRefusal} }
	v1 := problems("/api/v1/")
	v1.Reads = s.reads
	return []frontdoor.Mount{v1, cloudesire.Mount(), problems("/openapi."), problems("/healthz"), problems("/readyz")}
}

// WithRateLimit limits every principal to perSecond requests a second, with
// bursts of burst, in the API's own front door (serve configures its door
// itself); 0 (the default) means no limit.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) { s.door.Rate, s.door.Burst = perSecond, burst }
}

// ServeHTTP serves a request through the front door.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// serve logs each request and serves it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
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
	if err := s.services.Health.Ready(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// requireCaller lets an API operation run only for a caller the front door
// resolved; everything else about the caller (rate, read-only roles) the
// front door has decided already.
func (s *Server) requireCaller(ctx huma.Context, next func(huma.Context)) {
	if _, ok := frontdoor.PrincipalFrom(ctx.Context()); !ok {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="mercato"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "an API token is required: Authorization: Bearer <token>")
		return
	}
	next(ctx)
}

// principal returns the caller the front door resolved.
func principal(ctx context.Context) mercato.Principal {
	p, _ := frontdoor.PrincipalFrom(ctx)
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
