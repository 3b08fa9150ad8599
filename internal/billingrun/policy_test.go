package billingrun_test

import (
	"context"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestServiceDunningPolicy: a billing run that sets no policy uses the
// service's (serve's configuration): here 3 days to pay instead of 14.
func TestServiceDunningPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		policy := billing.DunningPolicy{PaymentTermsDays: 3, ReminderDays: []int{1}, SuspendDays: 5, ExpireDays: 9}
		svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st), billingrun.WithDunning(policy))
		w, _ := billingWorld(t, st)
		buy(t, st, w.C1b.Principal, w.C1b.Org.ID, w.PlanA.ID, 1)
		m, _ := billing.ParseMonth("2026-03")
		if _, err := svc.RunBilling(context.Background(), w.Platform.Principal, billingrun.Options{Period: m}); err != nil {
			t.Fatal(err)
		}
		invs := invoices(t, st, w.C1b.Principal, w.C1b.Org.ID)
		if len(invs) != 1 || invs[0].IssuedAt == nil || invs[0].DueAt == nil {
			t.Fatalf("invoices %+v", invs)
		}
		if d := invs[0].DueAt.Sub(*invs[0].IssuedAt); d != 3*24*time.Hour {
			t.Fatalf("due %s after issue, want 3 days", d)
		}
	})
}
