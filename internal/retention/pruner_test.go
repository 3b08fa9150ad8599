package retention_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/retention"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TestPrunerKeepsWhatThePolicySays records three events whose deliveries
// end delivered, delivered and pending, then moves the pruner's clock past
// each period: attempts go after 30 days, delivered deliveries after the
// policy's 90, events after its 120 unless a pending delivery still refers
// to one; each pass deletes one row per statement.
func TestPrunerKeepsWhatThePolicySays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Now = storetest.Clock(storetest.Epoch)
		w := storetest.NewWorld(t, st)
		secret, _ := webhook.NewSecret()
		if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(ctx, w.VendorA.Principal,
			syndication.Endpoint{URL: "https://hooks.example.com/a", Secret: secret}); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
				t.Fatal(err)
			}
		}
		due, err := st.ClaimDeliveries(ctx, 10, time.Minute)
		if err != nil || len(due) != 3 {
			t.Fatalf("claimed %d deliveries (%v), want 3", len(due), err)
		}
		var results []store.Result
		for i, d := range due {
			now := st.Now()
			r := store.Result{Attempt: syndication.Attempt{DeliveryID: d.ID, EndpointID: d.Endpoint.ID, EventID: d.Event.ID, AttemptedAt: now, StatusCode: 204},
				Event: d.Event, Delivered: i < 2}
			if !r.Delivered {
				r.Attempt.StatusCode, r.NextAttempt = 500, now.Add(time.Hour)
			}
			results = append(results, r)
		}
		if err := st.RecordResults(ctx, results); err != nil {
			t.Fatal(err)
		}
		pendingEvent := due[2].Event.ID
		// Mail has considered every event (internal/notify's mark).
		if err := st.InTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.ClaimUnnotifiedEvents(ctx, 1000)
			ids := make([]int64, len(evs))
			for i, e := range evs {
				ids[i] = e.ID
			}
			if err == nil {
				err = tx.MarkEventsNotified(ctx, ids)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		count := func(table string) int64 {
			t.Helper()
			var n int64
			if err := st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		events := count("events")

		p := retention.NewPruner(st, slog.New(slog.DiscardHandler))
		p.Batch, p.Pause = 1, 0
		at := func(days int, want retention.Pruned) {
			t.Helper()
			p.Now = func() time.Time { return storetest.Epoch.AddDate(0, 0, days).Add(time.Hour) }
			got, err := p.Once(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("day %d: pruned %+v, want %+v", days, got, want)
			}
		}
		at(29, retention.Pruned{})
		at(30, retention.Pruned{Attempts: 3})
		if n := count("delivery_attempts"); n != 0 {
			t.Errorf("%d attempts left after 30 days", n)
		}
		policy := retention.Policy{Attempts: 30, Deliveries: 90, Events: 120}
		if err := st.SaveRetentionPolicy(ctx, &policy); err != nil {
			t.Fatal(err)
		}
		if got, err := st.RetentionPolicy(ctx); err != nil || got.Events != 120 || got.UpdatedAt.IsZero() {
			t.Fatalf("policy read back %+v (%v)", got, err)
		}
		at(89, retention.Pruned{})
		at(90, retention.Pruned{Deliveries: 2})
		if n := count("deliveries"); n != 1 {
			t.Errorf("%d deliveries left after 90 days, want the pending one", n)
		}
		at(119, retention.Pruned{})
		at(120, retention.Pruned{Events: events - 1})
		var left int64
		if err := st.DB().QueryRowContext(ctx, "SELECT id FROM events").Scan(&left); err != nil || left != pendingEvent {
			t.Errorf("event %d left (%v), want %d, whose delivery is pending", left, err, pendingEvent)
		}
	})
}
