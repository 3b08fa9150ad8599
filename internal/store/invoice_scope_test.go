package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestInvoiceScope checks who sees which invoices against the rule the
// invoices list had before migration 00036, computed here from the
// organization tree: the platform every invoice, a vendor none, anyone else
// the invoices whose customer is itself or below it (a reseller's
// customers; a distributor's resellers and their customers) and those it
// issued. It checks the list and each invoice read by id, as the store
// writes them (a billing run's multi-row insert and the single insert of a
// custom invoice and a credit note) and again after migration 00036 has been
// undone and redone, so its backfill agrees with what the store writes.
// The invoices are those the billing code issues: by the platform, or by
// the customer's parent (a reseller billing its customers itself, a
// distributor billing its reseller), to customers, resellers, distributors
// and a vendor buying for themselves.
func TestInvoiceScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		inv := func(customer, issuer storetest.Tenant) billing.Invoice {
			i := billing.Invoice{Kind: billing.KindInvoice, Status: billing.StatusDraft, Period: "2026-02", Currency: "EUR",
				Customer: billing.Party{ID: customer.Org.ID, Name: customer.Org.Name}, Issuer: billing.Party{ID: issuer.Org.ID, Name: "issuer"},
				CreatedAt: at, UpdatedAt: at}
			if customer.Org.ParentID != nil {
				i.ResellerID = *customer.Org.ParentID
			}
			return i
		}
		run := []billing.Invoice{
			inv(w.C1, w.Platform), inv(w.C1, w.R1), inv(w.C1b, w.Platform), inv(w.C2, w.R2),
			inv(w.R1, w.Platform), inv(w.R2, w.D2), inv(w.D1, w.Platform), inv(w.VendorA, w.Platform),
		}
		var invoices []billing.Invoice
		err := st.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.InsertRunInvoices(ctx, run, make([][]int64, len(run)), nil); err != nil {
				return err
			}
			invoices = append(invoices, run...)
			custom := inv(w.C2, w.Platform)
			if err := tx.InsertInvoice(ctx, &custom); err != nil {
				return err
			}
			credit := inv(w.C1, w.R1)
			credit.Kind, credit.CreditedInvoiceID = billing.KindCreditNote, run[1].ID
			if err := tx.InsertInvoice(ctx, &credit); err != nil {
				return err
			}
			invoices = append(invoices, custom, credit)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		parent := map[int64]int64{}
		for _, tn := range w.Tenants() {
			if tn.Org.ParentID != nil {
				parent[tn.Org.ID] = *tn.Org.ParentID
			}
		}
		// sees is the rule before migration 00036 (orgScope on the
		// customer, or the issuer), from the tree.
		sees := func(p mercato.Principal, i billing.Invoice) bool {
			c := i.Customer.ID
			switch p.OrgKind {
			case mercato.KindPlatform:
				return true
			case mercato.KindVendor:
				return false
			case mercato.KindDistributor:
				return c == p.OrgID || parent[c] == p.OrgID || parent[parent[c]] == p.OrgID || i.Issuer.ID == p.OrgID
			case mercato.KindReseller:
				return c == p.OrgID || parent[c] == p.OrgID || i.Issuer.ID == p.OrgID
			}
			return c == p.OrgID || i.Issuer.ID == p.OrgID
		}
		check := func(when string) {
			t.Helper()
			for name, tn := range w.Tenants() {
				var want []int64
				for _, i := range invoices {
					if sees(tn.Principal, i) {
						want = append(want, i.ID)
					}
				}
				slices.Sort(want)
				list, _, err := st.ListInvoices(ctx, tn.Principal, store.InvoiceFilter{}, store.Page{})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, i := range list {
					got = append(got, i.ID)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: %s lists invoices %v, want %v", when, name, got, want)
				}
				for _, i := range invoices {
					_, err := st.Invoice(ctx, tn.Principal, i.ID)
					if seen := err == nil; seen != slices.Contains(want, i.ID) {
						t.Errorf("%s: %s reads invoice %d: %v, want seen %v", when, name, i.ID, err, !seen)
					}
				}
			}
		}
		check("as written")
		remigrate(t, st, 35)
		check("after the migration")
	})
}
