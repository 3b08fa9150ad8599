package billingrun_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestKilledRunIsTakenOver replays a billing run whose process was killed:
// its row stays "running" with a lease it no longer renews. While its
// lease holds no other run starts (a conflict naming it); once the lease
// has run out the next run marks it failed, naming itself, and bills what
// was left.
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
		// Within its lease it may still be working: left alone, and no
		// second run starts beside it.
		clk.set("2026-03-01T00:05:00Z")
		m, _ := billing.ParseMonth("2026-03")
		_, err := service(st).RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m})
		var running *billing.Running
		if mercato.ErrorCode(err) != mercato.ECONFLICT || !errors.As(err, &running) || running.Run.ID != killed.ID ||
			!strings.Contains(err.Error(), fmt.Sprintf("billing run %d", killed.ID)) {
			t.Fatalf("a run beside one within its lease: %v", err)
		}
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
		if next.Status != "finished" {
			t.Fatalf("run: %+v", next)
		}
		// Charge keys keep the work idempotent: one invoice, not two.
		if invs := invoices(t, st, w.C1b.Principal, w.C1b.Org.ID); len(invs) != 1 {
			t.Fatalf("%d invoices, want 1", len(invs))
		}
	})
}
