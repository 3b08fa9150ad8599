package billingrun_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestKilledRunIsTakenOver replays a billing run whose process was killed:
// its row stays "running" with a lease it no longer renews. The next run
// marks it failed once the lease has run out, naming itself, and bills
// what was left; a run whose lease still holds is left alone.
func TestKilledRunIsTakenOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		buy(t, st, w.C1b.Principal, w.C1b.Org.ID, w.PlanA.ID, 1)
		// The killed run: started, never renewed, never finished.
		killed := billing.Run{Period: "2026-03", AsOf: st.Clock(), Status: "running", StartedAt: st.Clock(), LeaseUntil: st.Clock().Add(billingrun.RunLease)}
		if _, err := st.StartBillingRun(ctx, &killed); err != nil {
			t.Fatal(err)
		}
		alive := func() billing.Run {
			runs, err := service(st).ListBillingRuns(ctx, w.Platform.Principal, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if r.ID == killed.ID {
					return r
				}
			}
			t.Fatalf("run %d not listed", killed.ID)
			return billing.Run{}
		}
		// Within its lease it may still be working: left alone.
		clk.set("2026-03-01T00:05:00Z")
		first := run(t, st, w, "2026-03")
		if got := alive(); got.Status != "running" {
			t.Fatalf("a run within its lease was marked %s", got.Status)
		}
		// Past its lease it is dead: the next run takes over.
		clk.set("2026-03-01T00:11:00Z")
		next := run(t, st, w, "2026-03")
		got := alive()
		if got.Status != "failed" || !strings.Contains(got.Error, "took over") || got.FinishedAt == nil {
			t.Fatalf("killed run: %+v", got)
		}
		if first.Status != "finished" || next.Status != "finished" {
			t.Fatalf("runs: %+v %+v", first, next)
		}
		// Charge keys keep the work idempotent: one invoice, not two.
		if invs := invoices(t, st, w.C1b.Principal, w.C1b.Org.ID); len(invs) != 1 {
			t.Fatalf("%d invoices, want 1", len(invs))
		}
	})
}
