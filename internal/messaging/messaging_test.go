package messaging_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

var ctx = context.Background()

func service(st *store.Store) *messaging.Service {
	return messaging.New(st, store.TxFunc[messaging.Tx](st))
}

func TestMessaging(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "a message has a body of some text", Run: testBody},
		{Name: "whoever sees the subscription posts, with a role that writes", Run: testWho},
		{Name: "reading a thread marks it read for the reader's organization", Run: testRead},
		{Name: "notifications are the organization's own", Run: testNotifications},
	})
}

func testBody(t *testing.T, st *store.Store, w *storetest.World) {
	sub := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1).ID
	for _, c := range []struct{ name, body string }{
		{"empty", ""},
		{"white space", " \n\t "},
		{"NUL", "a\x00b"},
		{"not UTF-8", "caf\xe9"},
		{"too long", strings.Repeat("é", messaging.MaxMessageLength+1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Refused before anything else, even to one who may not post.
			for _, p := range []mercato.Principal{w.C1.Principal, w.C2.Principal} {
				storetest.Unchanged(t, st, func() {
					_, err := service(st).PostMessage(ctx, p, sub, c.body)
					storetest.MustCode(t, err, mercato.EINVALID)
					if f := mercato.Fields(err); len(f) != 1 || f[0].Path != "body" {
						t.Fatalf("fields %+v", f)
					}
				})
			}
		})
	}
	longest := strings.Repeat("é", messaging.MaxMessageLength)
	if m, err := service(st).PostMessage(ctx, w.C1.Principal, sub, "  "+longest+"\n"); err != nil || m.Body != longest {
		t.Fatalf("the longest message, trimmed: %d characters, %v", len([]rune(m.Body)), err)
	}
}

func testWho(t *testing.T, st *store.Store, w *storetest.World) {
	sub := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1).ID
	for _, c := range []struct {
		name string
		p    mercato.Principal
		want string
	}{
		{"the customer", w.C1.Principal, ""},
		{"the vendor", w.VendorA.Principal, ""},
		{"the reseller", w.R1.Principal, ""},
		{"the distributor", w.D1.Principal, ""},
		{"the platform", w.Platform.Principal, ""},
		{"another customer of the reseller", w.C1b.Principal, mercato.ENOTFOUND},
		{"another channel's customer", w.C2.Principal, mercato.ENOTFOUND},
		{"another channel's reseller", w.R2.Principal, mercato.ENOTFOUND},
		{"another vendor", w.VendorB.Principal, mercato.ENOTFOUND},
		{"the customer's viewer", storetest.Viewer(w.C1.Principal), mercato.EFORBIDDEN},
		{"the vendor's viewer", storetest.Viewer(w.VendorA.Principal), mercato.EFORBIDDEN},
		{"a subscription that is not", w.Platform.Principal, "missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := sub
			if c.want == "missing" {
				id, c.want = sub+100, mercato.ENOTFOUND
			}
			if c.want != "" {
				storetest.Unchanged(t, st, func() {
					_, err := service(st).PostMessage(ctx, c.p, id, "hello")
					storetest.MustCode(t, err, c.want)
				})
				return
			}
			m, err := service(st).PostMessage(ctx, c.p, sub, "hello from "+c.name)
			if err != nil {
				t.Fatal(err)
			}
			if m.ID == 0 || m.AuthorOrgID != c.p.OrgID || m.AuthorUserID != c.p.UserID || m.SubscriptionID != sub || m.CreatedAt.IsZero() {
				t.Fatalf("posted %+v", m)
			}
		})
	}
	ms, err := service(st).Messages(ctx, w.C1.Principal, sub)
	if err != nil || len(ms) != 5 || ms[0].Body != "hello from the customer" || ms[0].AuthorOrg != w.C1.Org.Name || ms[4].AuthorName == "" {
		t.Fatalf("thread %+v %v", ms, err)
	}
}

func testRead(t *testing.T, st *store.Store, w *storetest.World) {
	sub := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1).ID
	msgs := service(st)
	storetest.Unchanged(t, st, func() {
		_, err := msgs.Messages(ctx, w.VendorB.Principal, sub)
		storetest.MustCode(t, err, mercato.ENOTFOUND)
	})
	if _, err := msgs.PostMessage(ctx, w.C1.Principal, sub, "How do I add users?"); err != nil {
		t.Fatal(err)
	}
	unread := func(p mercato.Principal) int {
		t.Helper()
		n, err := msgs.UnreadMessages(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The author's organization has read its own message.
	for p, want := range map[*storetest.Tenant]int{&w.C1: 0, &w.VendorA: 1, &w.R1: 1, &w.Platform: 1, &w.C2: 0, &w.VendorB: 0} {
		if got := unread(p.Principal); got != want {
			t.Errorf("%d unread for organization %d, want %d", got, p.Principal.OrgID, want)
		}
	}
	ms, err := msgs.Messages(ctx, w.VendorA.Principal, sub)
	if err != nil || len(ms) != 1 || ms[0].Body != "How do I add users?" {
		t.Fatalf("vendor reads: %+v %v", ms, err)
	}
	if unread(w.VendorA.Principal) != 0 || unread(w.R1.Principal) != 1 {
		t.Fatal("reading marks the thread read for the reader's organization only")
	}
	if _, err := msgs.PostMessage(ctx, w.VendorA.Principal, sub, "Settings → Users"); err != nil {
		t.Fatal(err)
	}
	ts, err := msgs.Threads(ctx, w.C1.Principal)
	if err != nil || len(ts) != 1 || ts[0].SubscriptionID != sub || ts[0].Messages != 2 || ts[0].Unread != 1 || ts[0].LastAt.IsZero() {
		t.Fatalf("customer's threads: %+v %v", ts, err)
	}
	if ts, err := msgs.Threads(ctx, w.VendorB.Principal); err != nil || len(ts) != 0 {
		t.Fatalf("another vendor's threads: %+v %v", ts, err)
	}
	// Replying reads what came before.
	if _, err := msgs.PostMessage(ctx, w.C1.Principal, sub, "Thanks"); err != nil {
		t.Fatal(err)
	}
	if unread(w.C1.Principal) != 0 || unread(w.VendorA.Principal) != 1 {
		t.Fatal("unread counts after the customer replied")
	}
}

func testNotifications(t *testing.T, st *store.Store, w *storetest.World) {
	for _, n := range []struct {
		org int64
		msg string
	}{{w.VendorA.Org.ID, "first"}, {w.VendorB.Org.ID, "other"}, {w.VendorA.Org.ID, "second"}} {
		if _, err := st.DB().Exec(`INSERT INTO notifications (organization_id, kind, message, created_at) VALUES ($1, 'test', $2, $3)`, n.org, n.msg, st.Now()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := service(st).ListNotifications(ctx, w.VendorA.Principal)
	if err != nil || len(got) != 2 || got[0].Message != "second" || got[1].Message != "first" {
		t.Fatalf("vendor A's notifications %+v %v", got, err)
	}
	if got, err := service(st).ListNotifications(ctx, w.Platform.Principal); err != nil || len(got) != 0 {
		t.Fatalf("the platform's notifications %+v %v", got, err)
	}
}
