package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/web"
)

// The control panel, on "/" beside the API.
func init() {
	var insecureCookies bool
	registerService(service{
		name: "control panel",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&insecureCookies, "web-insecure-cookies", false, "send the control panel's cookies without Secure, for a panel on plain http other than localhost (env MERCATO_WEB_INSECURE_COOKIES)")
		},
		routes: func(env *serveEnv) error {
			if env.Demo {
				// routes hooks run before serving, with no request context.
				if err := demo.SetPasswords(context.Background(), env.Store); err != nil {
					return fmt.Errorf("demo passwords: %w", err)
				}
				demo.PrintSignIn(env.Stdout)
			}
			opts := []web.Option{web.WithURLPolicy(syndication.URLPolicy{AllowPrivate: env.AllowPrivate})}
			opts = append(opts, env.Services.webOptions()...)
			if insecureCookies {
				opts = append(opts, web.WithInsecureCookies())
			}
			panel, err := web.New(env.Store, env.Log, opts...)
			if err != nil {
				return err
			}
			env.Mux.Handle("/", panel.Handler())
			return nil
		},
	})
}
