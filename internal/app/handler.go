package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/telemetry"
	"github.com/mercato-market/mercato/internal/web"
)

// HTTP is what Handler needs beside the services: serve's configuration
// and what serve's workers lend the transports.
type HTTP struct {
	Config *config.Serve
	Log    *slog.Logger
	// SendTest sends a webhook endpoint's test event (the dispatcher's);
	// nil answers that no dispatcher runs.
	SendTest func(context.Context, syndication.Endpoint) syndication.Attempt
	// Routes are more handlers by ServeMux pattern, behind the front door
	// like the rest (serve's Stripe webhook).
	Routes map[string]http.Handler
	// OIDC is the identity provider the panel offers beside passwords
	// (nil: none).
	OIDC *web.OIDC
}

// Handler is serve's HTTP handler over these services: the API (/api/v1,
// the Cloudesire-compatible /api/, the OpenAPI documents, the health
// checks), the control panel on "/", /metrics for the platform (unless
// --metrics-addr serves them apart), behind the front door (callers, rate
// limits, read-only roles) and the telemetry middleware. serve and the
// benchmarks that measure what a user of serve gets build it here, so that
// they measure the same stack.
func (s *Services) Handler(h HTTP) (http.Handler, error) {
	cfg, log := h.Config, h.Log
	policy := syndication.URLPolicy{AllowPrivate: cfg.Webhooks.AllowPrivate || cfg.Demo}
	apiServer := api.New(s.API(), log, api.WithWebhooks(policy, h.SendTest))

	opts := []web.Option{web.WithURLPolicy(policy), web.WithTestEvent(h.SendTest), web.WithBaseURL(cfg.PublicURL),
		web.WithSessionTTL(cfg.Web.SessionTTL), web.WithSignInLimit(cfg.Web.SignInAttempts, cfg.Web.SignInWindow)}
	if cfg.Web.InsecureCookies {
		opts = append(opts, web.WithInsecureCookies())
	}
	if h.OIDC != nil {
		opts = append(opts, web.WithOIDC(*h.OIDC))
	}
	panel, err := web.New(s.Web(), log, opts...)
	if err != nil {
		return nil, fmt.Errorf("control panel: %w", err)
	}

	mux := http.NewServeMux()
	for _, pattern := range []string{"/api/", "/openapi.json", "/openapi.yaml", "/openapi-3.0.json", "/openapi-3.0.yaml", "/healthz", "/readyz"} {
		mux.Handle(pattern, apiServer)
	}
	if cfg.MetricsAddr == "" { // else serve runs them on their own listener
		mux.Handle("GET /metrics", platformOnly(telemetry.Handler()))
	}
	for pattern, route := range h.Routes {
		mux.Handle(pattern, route)
	}
	mux.Handle("/", panel.Handler())

	// The front door over everything: one caller, one rate, one rule for
	// read-only roles; each transport answers refusals in its own shape.
	st := s.store
	mounts := append(apiServer.Mounts(), frontdoor.Mount{Prefix: "/metrics", Render: api.RenderRefusal}, panel.Mount())
	door := frontdoor.New(frontdoor.Config{Callers: st, Log: log, Now: func() time.Time { return st.Now() },
		Rate: cfg.Limits.PerSecond, Burst: cfg.Limits.Burst,
		AnonRate: cfg.Limits.AnonPerSecond, AnonBurst: cfg.Limits.AnonBurst, TrustedProxies: cfg.Limits.TrustedProxies}, mounts...)
	return telemetry.Middleware(door.Wrap(mux)), nil
}

// platformOnly serves h to the platform's callers only (the front door
// resolved them): metrics tell the traffic of every tenant.
func platformOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := frontdoor.PrincipalFrom(r.Context())
		switch {
		case !ok:
			w.Header().Set("WWW-Authenticate", `Bearer realm="mercato"`)
			api.RenderRefusal(w, r, frontdoor.Refusal{Status: http.StatusUnauthorized, Message: "metrics need a platform API token (or --metrics-addr)"})
		case !p.IsPlatform():
			api.RenderRefusal(w, r, frontdoor.Refusal{Status: http.StatusForbidden, Message: "metrics are the platform's"})
		default:
			h.ServeHTTP(w, r)
		}
	})
}
