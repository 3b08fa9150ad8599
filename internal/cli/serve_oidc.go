package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/web"
)

// signInProvider is the identity provider the control panel offers beside
// passwords: --oidc-issuer's, its client secret read from
// MERCATO_OIDC_CLIENT_SECRET here only (never a flag, never logged); or,
// under --demo without one, the demo directory (demo.SignInDirectory) on
// an Entra ID emulator listening on loopback over plain HTTP, since the
// browser goes there, returned as the service that serves it. Neither:
// nil, passwords only.
func signInProvider(cfg *config.Serve, env *serveEnv, stdout io.Writer) (*web.OIDC, []service, error) {
	if cfg.OIDC.Issuer != "" {
		secret := os.Getenv("MERCATO_OIDC_CLIENT_SECRET")
		if secret == "" {
			return nil, nil, errors.New("MERCATO_OIDC_CLIENT_SECRET: required with --oidc-issuer: the control panel's client secret at the identity provider")
		}
		return &web.OIDC{Name: cfg.OIDC.Name, Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.ClientID, ClientSecret: secret}, nil, nil
	}
	if !cfg.Demo {
		return nil, nil, nil
	}
	idp, err := entra.New(demo.SignInDirectory(cfg.PublicURL+"/signin/oidc/callback"), entra.WithLogger(env.Log))
	if err != nil {
		return nil, nil, fmt.Errorf("demo sign-in directory: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("demo sign-in directory: %w", err)
	}
	srv := &http.Server{Handler: idp.Handler(), ReadHeaderTimeout: 10 * time.Second}
	run := func(ctx context.Context) error {
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	issuer := "http://" + ln.Addr().String() + "/" + demo.SignInTenantID + "/v2.0"
	fmt.Fprintf(stdout, "Sign in with Microsoft: the button on the sign-in page goes to an Entra ID emulator (%s) listing the demo users; pick one (%s has no account and is refused). Open the panel at %s for it to come back.\n\n",
		issuer, demo.SignInNewcomer, cfg.PublicURL)
	return &web.OIDC{Name: "Microsoft", Issuer: issuer, ClientID: demo.SignInClientID, ClientSecret: demo.SignInClientSecret},
		[]service{{"demo sign-in directory", run}}, nil
}
