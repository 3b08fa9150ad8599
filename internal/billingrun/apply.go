package billingrun

import (
	"context"
	"fmt"

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
	return applyPayment(ctx, tx, sp, &inv, pm, 0)
}

// applyPayment records pm, by the user by (0: none), against inv and,
// once nothing is due, marks inv paid and settles it.
func applyPayment(ctx context.Context, tx Tx, sp mercato.Principal, inv *billing.Invoice, pm billing.Payment, by int64) (bool, error) {
	if err := tx.InsertPayment(ctx, pm, by); err != nil {
		return false, err
	}
	if inv.Kind != billing.KindInvoice || inv.Status != billing.StatusIssued {
		return false, nil
	}
	due, err := Due(ctx, tx, *inv)
	if err != nil {
		return false, err
	}
	if due.IsPositive() {
		return false, nil
	}
	now := tx.Now()
	inv.Status, inv.PaidAt, inv.UpdatedAt = billing.StatusPaid, &now, now
	if err := tx.MarkInvoicePaid(ctx, *inv); err != nil {
		return false, err
	}
	return true, settle(ctx, tx, sp, *inv)
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

// Balance is what an invoice asks for: its total, what its credit notes
// take off (negative), the payments received, and what is still due.
type Balance struct {
	Total, Credited, Paid, Due decimal.Decimal
}

// InvoiceBalance returns the balance of an issued or paid invoice p sees.
func (s *Service) InvoiceBalance(ctx context.Context, p mercato.Principal, id int64) (Balance, error) {
	inv, err := s.reads.Invoice(ctx, p, id)
	if err != nil {
		return Balance{}, err
	}
	b := Balance{Total: inv.Total}
	err = s.inTx(ctx, func(tx Tx) error {
		notes, err := tx.CreditNotesOf(ctx, inv.ID)
		if err != nil {
			return err
		}
		if b.Paid, err = tx.PaidAmount(ctx, inv.ID); err != nil {
			return err
		}
		_, _, remaining := billing.Remaining(inv, notes)
		b.Credited, b.Due = remaining.Sub(inv.Total), remaining.Sub(b.Paid)
		return nil
	})
	if err != nil {
		return b, fmt.Errorf("balance of invoice %d: %w", id, err)
	}
	return b, nil
}
