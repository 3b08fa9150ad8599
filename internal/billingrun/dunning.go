package billingrun

import (
	"context"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// DunningResult counts what a dunning pass did.
type DunningResult struct {
	Reminded  int // reminders sent
	Suspended int // subscriptions suspended
	Expired   int // orders whose payment expired
}

// RunDunning (the platform only) walks the issued invoices past their due
// date at asOf and applies policy: a reminder (a notification to the
// customer and an Invoice MODIFIED event), then suspension of the live
// subscriptions the invoice bills (STOPPED, a Subscription MODIFIED event),
// and for orders still waiting for their first payment, PAYMENT_EXPIRED
// (an invoice all of whose subscriptions expired is credited in full).
func (s *Service) RunDunning(ctx context.Context, p mercato.Principal, asOf time.Time, policy billing.DunningPolicy) (DunningResult, error) {
	if !p.IsPlatform() || !p.CanWrite() {
		return DunningResult{}, mercato.Errorf(mercato.EFORBIDDEN, "only the platform runs dunning")
	}
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return DunningResult{}, err
	}
	return s.runDunning(ctx, sp, asOf, policy)
}

func (s *Service) runDunning(ctx context.Context, sp mercato.Principal, asOf time.Time, policy billing.DunningPolicy) (DunningResult, error) {
	var res DunningResult
	ids, err := s.reads.OverdueInvoices(ctx, asOf)
	if err != nil {
		return res, err
	}
	for _, id := range ids {
		err := s.inTx(ctx, func(tx Tx) error { return dun(ctx, tx, sp, id, asOf, policy, &res) })
		if err != nil {
			return res, fmt.Errorf("dunning of invoice %d: %w", id, err)
		}
	}
	return res, nil
}

// dun takes the dunning step due for one overdue invoice.
func dun(ctx context.Context, tx Tx, sp mercato.Principal, id int64, asOf time.Time, policy billing.DunningPolicy, res *DunningResult) error {
	inv, err := tx.LockInvoice(ctx, sp, id)
	if err != nil {
		return err
	}
	if inv.Status != billing.StatusIssued || inv.DueAt == nil {
		return nil
	}
	step := policy.Next(*inv.DueAt, inv.Reminders, inv.Suspended, asOf)
	if step.Remind {
		inv.Reminders++
		msg := fmt.Sprintf("Reminder %d: invoice %s of %s %s was due on %s and is unpaid.", inv.Reminders, inv.Number, inv.Currency,
			billing.Money(inv.Total, inv.Currency), inv.DueAt.Format("2006-01-02"))
		if err := tx.RemindInvoice(ctx, inv, msg); err != nil {
			return err
		}
		res.Reminded++
	}
	if !step.Suspend && !step.Expire {
		return nil
	}
	expired, live := 0, 0
	for _, sid := range invoiceSubscriptions(inv) {
		sub, err := tx.LockSubscription(ctx, sp, sid)
		if err != nil {
			return err
		}
		var to subscription.Status
		switch {
		case step.Suspend && sub.Status == subscription.Deployed:
			to = subscription.Stopped
			res.Suspended++
		case step.Expire && sub.Status == subscription.WaitingPayment:
			to = subscription.PaymentExpired
			res.Expired++
		}
		if to == "" {
			if sub.Status == subscription.PaymentExpired {
				expired++
			} else {
				live++
			}
			continue
		}
		before := sub.Status
		sub.Status = to
		if to == subscription.PaymentExpired {
			expired++
		} else {
			live++
		}
		if err := modify(ctx, tx, &sub, before, "dunning"); err != nil {
			return err
		}
	}
	if step.Suspend {
		if err := tx.MarkInvoiceSuspended(ctx, inv.ID); err != nil {
			return err
		}
	}
	if expired > 0 && live == 0 {
		// The order was never paid nor delivered: the invoice is credited
		// in full (an issued invoice is never voided).
		_, err := credit(ctx, tx, inv, billing.CreditRequest{Reason: "payment expired"}, policy)
		return err
	}
	return nil
}

// invoiceSubscriptions returns the ids of the subscriptions an invoice bills.
func invoiceSubscriptions(inv billing.Invoice) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, l := range inv.Lines {
		if l.SubscriptionID != 0 && !seen[l.SubscriptionID] {
			seen[l.SubscriptionID] = true
			out = append(out, l.SubscriptionID)
		}
	}
	return out
}
