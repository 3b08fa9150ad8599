package accounts_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestResetRequestDoesTheSameWork: "reset my password" for an address
// without an account answers the same (no error) and does the same work
// as for one with an account — the same transaction, the same message
// rendered, the same audit entry — but writes nothing else; for a user it
// writes the link and queues its message in that one transaction.
func TestResetRequestDoesTheSameWork(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "reset", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		var calls []string
		mailer := func(ctx context.Context, tx notify.MailTx, u mercato.User, secret string, ttl time.Duration, queue bool) error {
			if _, err := tx.OperatorName(ctx); err != nil { // it runs in the transaction
				return err
			}
			calls = append(calls, fmt.Sprintf("%s queue=%v secret=%v ttl=%s", u.Email, queue, len(secret) == 64, ttl))
			return nil
		}
		svc := accounts.New(st, store.TxFunc[accounts.Tx](st), accounts.WithResetMail(mailer))
		before := storetest.Counts(t, st)
		if err := svc.RequestPasswordReset(ctx, "nobody@example.org", time.Hour); err != nil {
			t.Fatalf("unknown address: %v", err)
		}
		after := storetest.Counts(t, st)
		if after["audit_log"] != before["audit_log"]+1 {
			t.Fatalf("audit entries %d -> %d", before["audit_log"], after["audit_log"])
		}
		after["audit_log"] = before["audit_log"]
		if fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatalf("a request for an unknown address wrote: %v -> %v", before, after)
		}
		if err := svc.RequestPasswordReset(ctx, w.C1.User.Email, time.Hour); err != nil {
			t.Fatal(err)
		}
		want := []string{"nobody@example.invalid queue=false secret=true ttl=1h0m0s", w.C1.User.Email + " queue=true secret=true ttl=1h0m0s"}
		if !slices.Equal(calls, want) {
			t.Fatalf("mail calls %q, want %q", calls, want)
		}
		if after := storetest.Counts(t, st); after["password_resets"] != before["password_resets"]+1 {
			t.Fatalf("resets %d -> %d", before["password_resets"], after["password_resets"])
		}
	}}})
}
