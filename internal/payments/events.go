package payments

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
)

// HandleEvent processes a verified webhook event of the provider in one
// transaction with the record that it was processed, so the same event
// delivered again changes nothing. Money received is a payment against
// the invoice (the invoice is paid, and settled, once its payments reach
// its total); a failed payment is recorded and leaves the invoice issued,
// under dunning; a refund is a negative payment of what was refunded
// since the last event about the charge; a dispute is recorded. An event
// about a collection Mercato did not make is recorded, logged and
// acknowledged: the provider would otherwise deliver it again for days. A
// customer who saved a payment method has its open invoices tried at once.
func (s *Service) HandleEvent(ctx context.Context, ev billing.PaymentEvent) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return fmt.Errorf("payment event %s: %w", ev.ID, err)
	}
	var (
		duplicate, unknown bool
		invoiceID          int64
	)
	err = s.inTx(ctx, func(tx Tx) error {
		duplicate, unknown, invoiceID = false, false, 0
		id, found, err := tx.AttemptInvoice(ctx, ev.Attempt)
		if err != nil {
			return err
		}
		amount := ev.Amount
		if ev.Type == billing.PaymentRefunded {
			// Stripe reports what a charge has refunded in all: this
			// event's refund is what was not recorded before.
			before, err := tx.RecordedAmount(ctx, ev.Type, ev.Reference)
			if err != nil {
				return err
			}
			amount = decimal.Max(ev.Amount.Sub(before), decimal.Zero)
		}
		inserted, err := tx.InsertPaymentEvent(ctx, ev, id, amount)
		if err != nil || !inserted {
			duplicate = !inserted
			return err
		}
		if !found {
			unknown = true
			return nil
		}
		invoiceID = id
		return s.apply(ctx, tx, sp, ev, id, amount)
	})
	if err != nil {
		return fmt.Errorf("payment event %s: %w", ev.ID, err)
	}
	attrs := []any{"event", ev.ID, "type", ev.Type, "attempt", ev.Attempt}
	switch {
	case !duplicate && ev.Type == billing.MethodSaved:
		s.methodSaved(ctx, sp, ev)
	case duplicate:
		s.log.InfoContext(ctx, "payment event processed before, ignored", attrs...)
	case unknown:
		s.log.WarnContext(ctx, "payment event about a collection Mercato did not make, acknowledged", attrs...)
	default:
		s.log.InfoContext(ctx, "payment event processed", append(attrs, "invoice", invoiceID)...)
	}
	return nil
}

// apply records what an event about invoice id says happened.
func (s *Service) apply(ctx context.Context, tx Tx, sp mercato.Principal, ev billing.PaymentEvent, id int64, amount decimal.Decimal) error {
	inv, err := tx.LockInvoice(ctx, sp, id)
	if err != nil {
		return err
	}
	if ev.Currency != "" && !strings.EqualFold(ev.Currency, inv.Currency) {
		// Money in another currency cannot be set against the invoice:
		// the event stays recorded for a person to look at.
		s.log.WarnContext(ctx, "payment event in another currency than its invoice", "event", ev.ID, "currency", ev.Currency,
			"invoice", inv.ID, slog.String("invoice_currency", inv.Currency))
		return nil
	}
	pm := billing.Payment{InvoiceID: inv.ID, Currency: inv.Currency, Method: ev.Provider, CreatedAt: tx.Now()}
	switch ev.Type {
	case billing.PaymentSucceeded:
		pm.Amount, pm.Reference = amount, ev.Attempt
		_, err := billingrun.ApplyPayment(ctx, tx, sp, inv, pm)
		return err
	case billing.PaymentRefunded:
		if amount.IsZero() {
			return nil
		}
		pm.Amount, pm.Reference = amount.Neg(), ev.Reference
		return tx.InsertPayment(ctx, pm, 0)
	case billing.PaymentFailed:
		// A failure leaves the invoice issued (dunning goes on); its
		// customer is told when the next try is.
		if inv.Kind != billing.KindInvoice || inv.Status != billing.StatusIssued {
			return nil
		}
		c, err := tx.InvoiceCollection(ctx, inv.ID)
		if err != nil {
			return err
		}
		retries, err := s.retriesOf(ctx, tx)
		if err != nil {
			return err
		}
		return tx.FailedPayment(ctx, inv.ID, retries.Next(c))
	}
	// A dispute leaves the invoice as it is; it is in the event's record.
	return nil
}

// methodSaved tries at once the open invoices of the customer who saved
// a payment method: those never charged, and those whose every try
// failed (one still waiting for its outcome is left alone, not to charge
// it twice). A failure is logged: the event is recorded either way, and
// the scheduled collection and its retries go on.
func (s *Service) methodSaved(ctx context.Context, sp mercato.Principal, ev billing.PaymentEvent) {
	orgID, found, err := s.reads.ProviderCustomerOrganization(ctx, ev.Reference)
	if err != nil || !found {
		s.log.WarnContext(ctx, "payment method saved by a customer Mercato does not know", "event", ev.ID, "customer", ev.Reference, "err", err)
		return
	}
	open, err := s.reads.OpenCollections(ctx, sp.OrgID, orgID)
	if err != nil {
		s.log.ErrorContext(ctx, "payment method saved: open invoices", "organization", orgID, "err", err)
		return
	}
	n := 0
	for _, c := range open {
		if !c.Settled() {
			continue
		}
		if _, err := s.charge(ctx, sp, c.InvoiceID, c.Tries); err != nil {
			s.log.WarnContext(ctx, "payment method saved: invoice not charged", "invoice", c.InvoiceID, "err", err)
			continue
		}
		n++
	}
	s.log.InfoContext(ctx, "payment method saved: open invoices charged", "event", ev.ID, "organization", orgID, "invoices", n)
}
