package billingrun

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// withoutRefunds takes out of one invoice's charges the refunds (a
// commitment terminated within its cancellation window) of each
// subscription whose charges there total less than nothing or are refunds
// only: a refund is given back by a credit note against the invoice that
// billed its period (creditRefunds), not by a negative invoice. A refund
// with its own period's charge on the same invoice stays a line of it.
func withoutRefunds(charges []billing.Charge) (keep, refunds []billing.Charge) {
	total := map[int64]decimal.Decimal{}
	other := map[int64]bool{}
	for _, c := range charges {
		total[c.SubscriptionID] = total[c.SubscriptionID].Add(c.Total())
		other[c.SubscriptionID] = other[c.SubscriptionID] || c.Kind != billing.KindRefund
	}
	keep = charges[:0:0]
	for _, c := range charges {
		if c.Kind == billing.KindRefund && (total[c.SubscriptionID].Sign() < 0 || !other[c.SubscriptionID]) {
			refunds = append(refunds, c)
			continue
		}
		keep = append(keep, c)
	}
	return keep, refunds
}

// errNotCredited: no issued invoice of the refund's period has enough left
// to credit it.
var errNotCredited = errors.New("no issued invoice of the period has this much left to credit")

// creditRefunds issues, for each refund, a credit note against the
// invoice that billed its period (its recurring charge's, else one of its
// changes' that has enough left), carrying the refund's lines and split,
// and marks the refund invoiced by it; card payments of that invoice are
// then refunded through the provider as for any credit note
// (payments.RefundCredits). A refund no invoice can take is left open for
// the next run, with the reason.
func (b *biller) creditRefunds(ctx context.Context, tx Tx, refunds, fresh []billing.Charge) error {
	for _, c := range refunds {
		err := b.creditRefund(ctx, tx, c, fresh)
		if errors.Is(err, errNotCredited) {
			skip(ctx, b.run, b.opts, c.SubscriptionID, "refund", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("refund of subscription %d: %w", c.SubscriptionID, err)
		}
	}
	return nil
}

func (b *biller) creditRefund(ctx context.Context, tx Tx, c billing.Charge, fresh []billing.Charge) error {
	ids, err := tx.PeriodInvoices(ctx, c.SubscriptionID, c.PeriodEnd)
	if err != nil {
		return err
	}
	for _, id := range ids {
		inv, err := tx.LockInvoice(ctx, b.sp, id)
		if err != nil {
			return err
		}
		notes, err := tx.CreditNotesOf(ctx, id)
		if err != nil {
			return err
		}
		cn, err := billing.RefundNote(inv, notes, []billing.Charge{c})
		if mercato.ErrorCode(err) == mercato.ECONFLICT {
			continue // credited in full, or not enough left: another invoice of the period
		}
		if err != nil {
			return err
		}
		now := tx.Now()
		cn.CreatedAt, cn.UpdatedAt, cn.RunID = now, now, b.run.ID
		if err := tx.InsertInvoice(ctx, &cn); err != nil {
			return err
		}
		if err := issue(ctx, tx, &cn, *b.opts.Dunning); err != nil {
			return err
		}
		if c.ID < 0 {
			fresh[-c.ID-1].InvoiceID = cn.ID
		} else if err := tx.MarkInvoiced(ctx, cn.ID, []int64{c.ID}); err != nil {
			return err
		}
		if sub, _, total := billing.Remaining(inv, append(notes, cn)); !sub.IsPositive() && !total.IsPositive() {
			return tx.MarkFullyCredited(ctx, inv.ID)
		}
		return nil
	}
	return fmt.Errorf("refund %s until %s: %w", billing.Money(c.Total(), c.Currency), c.PeriodEnd.Format("2006-01-02 15:04"), errNotCredited)
}
