package store_test

import (
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestStoreDunningPolicy: a billing run that sets no policy uses the
// store's (serve's configuration): here 3 days to pay instead of 14.
func TestStoreDunningPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		st.Dunning = &billing.DunningPolicy{PaymentTermsDays: 3, ReminderDays: []int{1}, SuspendDays: 5, ExpireDays: 9}
		w, _ := billingWorld(t, st)
		buy(t, st, w.C1b.Principal, w.C1b.Org.ID, w.PlanA.ID, 1)
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.C1b.Principal, w.C1b.Org.ID)
		if len(invs) != 1 || invs[0].IssuedAt == nil || invs[0].DueAt == nil {
			t.Fatalf("invoices %+v", invs)
		}
		if d := invs[0].DueAt.Sub(*invs[0].IssuedAt); d != 3*24*time.Hour {
			t.Fatalf("due %s after issue, want 3 days", d)
		}
	})
}
