package payments

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// RefundCredits refunds through the provider what the provider collected
// for each invoice the platform credited since: the credit note's total
// (all of it for a full credit, part for a partial one), at most the net
// of the invoice's payments through the provider, from the newest payment
// back. Each refund's idempotency key names the credit note
// and the payment, so a pass that stopped halfway and is run again never
// refunds twice; a credit note is marked refunded once all its refunds
// were asked. Stripe's charge.refunded events then record them against the
// invoice. It returns how many credit notes it refunded.
func (s *Service) RefundCredits(ctx context.Context) (int, error) {
	if s.provider == nil {
		return 0, nil
	}
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return 0, fmt.Errorf("refund credit notes: %w", err)
	}
	notes, err := s.reads.CreditsToRefund(ctx, sp.OrgID, s.provider.Name())
	if err != nil {
		return 0, fmt.Errorf("refund credit notes: %w", err)
	}
	n := 0
	for _, id := range notes {
		if err := s.refundCredit(ctx, sp, id); err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			s.log.WarnContext(ctx, "credit note not refunded", "credit_note", id, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// refundCredit refunds one credit note's invoice.
func (s *Service) refundCredit(ctx context.Context, sp mercato.Principal, noteID int64) error {
	note, err := s.reads.Invoice(ctx, sp, noteID)
	if err != nil {
		return err
	}
	pms, err := s.reads.MethodPayments(ctx, note.CreditedInvoiceID, s.provider.Name())
	if err != nil {
		return err
	}
	left := decimal.Zero
	for _, pm := range pms {
		left = left.Add(pm.Amount)
	}
	// A partial credit note refunds its own total, no more.
	left = decimal.Min(left, note.Total.Neg())
	refunded := decimal.Zero
	for _, pm := range pms {
		if !left.IsPositive() {
			break
		}
		if !pm.Amount.IsPositive() || pm.Reference == "" {
			continue
		}
		amount := decimal.Min(left, pm.Amount)
		key := fmt.Sprintf("mercato-refund-%d-%d", noteID, pm.ID)
		if _, err := s.provider.Refund(ctx, pm.Reference, amount, pm.Currency, key); err != nil {
			return err
		}
		left, refunded = left.Sub(amount), refunded.Add(amount)
	}
	return s.reads.SaveCreditRefund(ctx, noteID, s.provider.Name(), refunded)
}
