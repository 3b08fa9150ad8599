package main_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/store"
)

// mailState is what the database says of e-mail.
type mailState struct {
	unnotified int            // events not yet considered for mail
	unsent     int            // messages not sent
	orders     int            // Subscription CREATED events
	confirmed  int            // of those, the ones with an order confirmation queued
	ids        map[string]int // Message-ID → outbox row, of the sent messages
}

func readMailState(t *testing.T, db string) mailState {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := mailState{ids: map[string]int{}}
	for q, dst := range map[string]*int{
		`SELECT COUNT(*) FROM events WHERE notified_at IS NULL`:                                    &s.unnotified,
		`SELECT COUNT(*) FROM mail_messages WHERE status <> 'sent'`:                                &s.unsent,
		`SELECT COUNT(*) FROM events WHERE entity = 'Subscription' AND type = 'CREATED'`:           &s.orders,
		`SELECT COUNT(DISTINCT event_id) FROM mail_messages WHERE template = 'order_confirmation'`: &s.confirmed,
	} {
		if err := st.DB().QueryRow(q).Scan(dst); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	rows, err := st.DB().Query(`SELECT id FROM mail_messages WHERE status = 'sent'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		s.ids[mail.MessageID(id, "market.example.test")] = int(id)
	}
	return s
}

// TestKillWhileMailIsQueued places orders in a burst while serve sends
// their mail to a real SMTP server, kills serve with SIGKILL in the
// middle, restarts it on the same database, and checks that every order's
// confirmation arrived at Mailpit, nothing arrived that the outbox does
// not hold, and a message sent again (its send had not been recorded when
// the process died) carries the same Message-ID.
func TestKillWhileMailIsQueued(t *testing.T) {
	mp := mailpit.Start(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "mail.db")
	const customer = "mct_demo_customer_adatum"
	args := []string{"--database-url", db, "--public-url", "https://market.example.test"}
	// A short lease, so the restarted server takes over the dead one's
	// claimed messages within the test.
	env := []string{"MERCATO_SMTP_URL=smtp://" + mp.SMTPAddr + "?tls=none", "MERCATO_MAIL_LEASE=2s"}
	s := start(t, args, env)
	s.waitReady(t)

	placed, stopBurst := orderBurst(s, customer, planOf(t, s, customer, "saas"))
	s.waitFor(t, "150 orders", func() bool { return placed.Load() >= 150 })
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown at all
		t.Fatal(err)
	}
	<-s.exited
	stopBurst()
	atKill := readMailState(t, db)
	if atKill.unnotified+atKill.unsent == 0 {
		t.Errorf("all mail had gone out before the kill: the test did not kill a server with mail queued")
	}

	s2 := start(t, args, env)
	s2.waitReady(t)
	var now mailState
	s2.waitFor(t, "every event considered and every message sent", func() bool {
		now = readMailState(t, db)
		return now.unnotified == 0 && now.unsent == 0 && len(mp.Messages(t)) >= len(now.ids)
	})
	s2.stop(t)
	if now.confirmed != now.orders {
		t.Errorf("%d orders, %d of them with a confirmation queued", now.orders, now.confirmed)
	}
	arrived := map[string]int{}
	for _, m := range mp.Messages(t) {
		arrived[m.MessageID]++
	}
	again := 0
	for id, n := range arrived {
		if _, ok := now.ids[id]; !ok {
			t.Errorf("%s arrived, but the outbox has no such sent message", id)
		}
		again += n - 1
	}
	for id := range now.ids {
		if arrived[id] == 0 {
			t.Errorf("%s is sent in the outbox but never arrived", id)
		}
	}
	t.Logf("%d orders placed before the kill; at the kill %d events were not considered and %d messages not sent; "+
		"%d messages arrived, %d of them again under the same Message-ID", placed.Load(), atKill.unnotified, atKill.unsent, len(now.ids), again)
}
