package mail_test

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// --smtp-url: the scheme says the TLS, the query may turn it off or make
// it required, the password may come in it (MERCATO_SMTP_PASSWORD
// replaces it).
func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want mail.Server
	}{
		{"smtp://mail.example.com", mail.Server{Host: "mail.example.com", Port: 587, TLS: mail.TLSStartTLS}},
		{"smtp://relay@mail.example.com:2525", mail.Server{Host: "mail.example.com", Port: 2525, TLS: mail.TLSStartTLS, User: "relay"}},
		{"smtps://relay@mail.example.com", mail.Server{Host: "mail.example.com", Port: 465, TLS: mail.TLSImplicit, User: "relay"}},
		{"smtp://user:pass@mail.example.com:587", mail.Server{Host: "mail.example.com", Port: 587, TLS: mail.TLSStartTLS, User: "user", Password: "pass"}},
		{"smtp://127.0.0.1:1025?tls=none", mail.Server{Host: "127.0.0.1", Port: 1025, TLS: mail.TLSNone}},
		{"smtp://mail.example.com?tls=required", mail.Server{Host: "mail.example.com", Port: 587, TLS: mail.TLSRequired}},
	} {
		got, err := mail.ParseURL(c.url)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.url, got, err, c.want)
		}
	}
	for url, want := range map[string]string{
		"http://mail.example.com":            "want smtp://",
		"smtp://":                            "no host",
		"smtp://mail.example.com:99999":      "not a port",
		"smtp://mail.example.com/x":          "path",
		"smtp://mail.example.com?tls=maybe":  "tls=none or tls=required",
		"smtp://mail.example.com?auth=plain": "unknown parameter",
		"smtps://mail.example.com?tls=none":  "TLS already",
	} {
		if _, err := mail.ParseURL(url); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", url, err, want)
		}
	}
}

// A process that sent a message and died before recording it holds a
// lease no one else takes while it lasts; once it has run out another
// process sends the message again under the same Message-ID, so the
// recipient's systems know it for the same message. Concurrent claimers
// never claim the same message.
func TestLeaseAfterACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		mp := mailpit.Start(t)
		o := newOutbox(t, st)
		ids := o.queue("ada@example.org")
		tr := smtpTo(t, mp, "", "")
		claimed, err := st.ClaimMail(ctx, 10, time.Minute)
		if err != nil || len(claimed) != 1 || claimed[0].ID != ids[0] {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		if err := tr.Send(ctx, claimed[0], nil); err != nil { // sent; then the process dies
			t.Fatal(err)
		}
		s := o.sender(tr, 10)
		runOnce(t, s, 0) // the lease holds
		o.at(2 * time.Minute)
		runOnce(t, s, 1)
		got := mp.WaitFor(t, 2, 5*time.Second)
		if got[0].MessageID != mail.MessageID(ids[0], host) || got[1].MessageID != got[0].MessageID {
			t.Fatalf("a message sent again carries another Message-ID: %q, %q", got[0].MessageID, got[1].MessageID)
		}
		if m := o.message(ids[0]); m.Status != mail.Sent || m.Attempts != 1 {
			t.Fatalf("after the takeover: %+v", m)
		}

		// Two claimers at once share nothing.
		o.queue("b@example.org", "c@example.org", "d@example.org", "e@example.org", "f@example.org", "g@example.org")
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			seen = map[int64]int{}
		)
		for range 2 {
			wg.Go(func() {
				ms, err := st.ClaimMail(ctx, 4, time.Minute)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, m := range ms {
					seen[m.ID]++
				}
			})
		}
		wg.Wait()
		for id, n := range seen {
			if n != 1 {
				t.Errorf("message %d claimed %d times", id, n)
			}
		}
	})
}
