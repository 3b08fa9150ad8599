package notify_test

import (
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// BenchmarkResetRequest compares "reset my password" for an address with
// an account (the link written, its message queued) and without one (the
// same transaction and rendering, nothing written): their times must not
// tell them apart.
func BenchmarkResetRequest(b *testing.B) {
	for _, engine := range storetest.Engines {
		st := storetest.Open(b, engine)
		w := storetest.NewWorld(b, st)
		svcs := app.New(st, app.Options{Notify: []notify.Option{notify.WithPublicURL(publicURL)}})
		for _, c := range []struct{ name, email string }{{"known", w.C1.User.Email}, {"unknown", "nobody@example.org"}} {
			b.Run(string(engine)+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					if err := svcs.Accounts.RequestPasswordReset(ctx, c.email, time.Hour); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
