package billingrun

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// ApplyPayment records a payment provider's payment (all or part of its
// total) against an issued invoice locked in tx; once the invoice's
// payments reach its total it becomes paid and is settled as PayInvoice
// settles it (sp acts on its subscriptions). It reports whether the
// invoice became paid. Unlike PayInvoice, a part of the total is taken:
// a provider reports what it received, and the rest stays due, under
// dunning.
func ApplyPayment(ctx context.Context, tx Tx, sp mercato.Principal, inv billing.Invoice, pm billing.Payment) (bool, error) {
	if err := tx.InsertPayment(ctx, pm, 0); err != nil {
		return false, err
	}
	if inv.Kind != billing.KindInvoice || inv.Status != billing.StatusIssued {
		return false, nil
	}
	due, err := Due(ctx, tx, inv)
	if err != nil {
		return false, err
	}
	if due.IsPositive() {
		return false, nil
	}
	now := tx.Now()
	inv.Status, inv.PaidAt, inv.UpdatedAt = billing.StatusPaid, &now, now
	if err := tx.MarkInvoicePaid(ctx, inv); err != nil {
		return false, err
	}
	return true, settle(ctx, tx, sp, inv)
}

// Due is what is left to pay of an issued invoice locked in tx: its total
// less its credit notes (a partial credit lowers what is owed) and less
// the payments received (refunds count negative).
func Due(ctx context.Context, tx Tx, inv billing.Invoice) (decimal.Decimal, error) {
	notes, err := tx.CreditNotesOf(ctx, inv.ID)
	if err != nil {
		return decimal.Zero, err
	}
	paid, err := tx.PaidAmount(ctx, inv.ID)
	if err != nil {
		return decimal.Zero, err
	}
	_, _, total := billing.Remaining(inv, notes)
	return total.Sub(paid), nil
}
