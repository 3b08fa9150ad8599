package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
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
// (an invoice all of whose subscriptions expired is void).
func (s *Store) RunDunning(ctx context.Context, p mercato.Principal, asOf time.Time, policy billing.DunningPolicy) (DunningResult, error) {
	if !p.IsPlatform() || !p.CanWrite() {
		return DunningResult{}, mercato.Errorf(mercato.EFORBIDDEN, "only the platform runs dunning")
	}
	return s.runDunning(ctx, asOf, policy)
}

func (s *Store) runDunning(ctx context.Context, asOf time.Time, policy billing.DunningPolicy) (DunningResult, error) {
	var res DunningResult
	sp, err := s.systemPrincipal(ctx, s.rd())
	if err != nil {
		return res, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT id FROM invoices WHERE status = 'issued' AND kind = 'invoice' AND due_at < $1 ORDER BY id`, asOf)
	if err != nil {
		return res, fmt.Errorf("overdue invoices: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, err
	}
	for _, id := range ids {
		err := s.tx(ctx, func(tx *txn) error {
			inv, err := s.invoice(ctx, tx, sp, id, true)
			if err != nil {
				return err
			}
			if inv.Status != billing.StatusIssued || inv.DueAt == nil {
				return nil
			}
			step := policy.Next(*inv.DueAt, inv.Reminders, inv.Suspended, asOf)
			now := s.now()
			if step.Remind {
				inv.Reminders++
				if _, err := tx.ExecContext(ctx, `UPDATE invoices SET reminders=$1, updated_at=$2 WHERE id=$3`, inv.Reminders, now, inv.ID); err != nil {
					return fmt.Errorf("remind invoice %d: %w", inv.ID, err)
				}
				msg := fmt.Sprintf("Reminder %d: invoice %s of %s %s was due on %s and is unpaid.", inv.Reminders, inv.Number, inv.Currency,
					billing.Money(inv.Total, inv.Currency), inv.DueAt.Format("2006-01-02"))
				if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (organization_id, kind, message, created_at) VALUES ($1, 'invoice_overdue', $2, $3)`,
					inv.Customer.ID, msg, now); err != nil {
					return fmt.Errorf("notify invoice %d: %w", inv.ID, err)
				}
				if err := s.recordEvent(ctx, tx, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"reminder": strconv.Itoa(inv.Reminders)}); err != nil {
					return err
				}
				res.Reminded++
			}
			if !step.Suspend && !step.Expire {
				return nil
			}
			expired, live := 0, 0
			subs := invoiceSubscriptions(inv)
			for _, sid := range subs {
				sub, err := s.subscription(ctx, tx, sp, sid)
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
				sub.Status = to
				if to == subscription.PaymentExpired {
					expired++
				} else {
					live++
				}
				if err := s.saveSubscription(ctx, tx, &sub); err != nil {
					return err
				}
				if err := s.recordEvent(ctx, tx, subscription.EntitySubscription, sub.ID, subscription.EventModified, map[string]string{"reason": "dunning"}); err != nil {
					return err
				}
			}
			if step.Suspend {
				if _, err := tx.ExecContext(ctx, `UPDATE invoices SET suspended=TRUE, updated_at=$1 WHERE id=$2`, now, inv.ID); err != nil {
					return fmt.Errorf("suspend invoice %d: %w", inv.ID, err)
				}
			}
			if expired > 0 && live == 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE invoices SET status='void', voided_at=$1, updated_at=$1 WHERE id=$2`, now, inv.ID); err != nil {
					return fmt.Errorf("void invoice %d: %w", inv.ID, err)
				}
				return s.recordEvent(ctx, tx, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"status": "void"})
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("dunning of invoice %d: %w", id, err)
		}
	}
	return res, nil
}

// SetSelfBilling says whether a reseller invoices its customers itself
// (true) or the platform does on its behalf. The platform sets it.
func (s *Store) SetSelfBilling(ctx context.Context, p mercato.Principal, orgID int64, self bool) error {
	o, err := s.organization(ctx, s.rd(), p, orgID)
	if err != nil {
		return err
	}
	if !p.IsPlatform() || !p.CanWrite() {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform sets who invoices")
	}
	if o.Kind != mercato.KindReseller {
		return mercato.Invalid("invalid billing profile", mercato.FieldError{Path: "organization_id", Message: "only a reseller invoices its customers", Value: orgID})
	}
	_, err = s.rd().ExecContext(ctx, `INSERT INTO billing_profiles (organization_id, self_billing, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (organization_id) DO UPDATE SET self_billing = excluded.self_billing, updated_at = excluded.updated_at`, orgID, self, s.now())
	if err != nil {
		return fmt.Errorf("billing profile of %d: %w", orgID, err)
	}
	return nil
}

// SelfBilling reports whether a reseller visible to p invoices its
// customers itself.
func (s *Store) SelfBilling(ctx context.Context, p mercato.Principal, orgID int64) (bool, error) {
	if _, err := s.organization(ctx, s.rd(), p, orgID); err != nil {
		return false, err
	}
	var self bool
	err := s.rd().QueryRowContext(ctx, `SELECT self_billing FROM billing_profiles WHERE organization_id = $1`, orgID).Scan(&self)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("billing profile of %d: %w", orgID, err)
	}
	return self, nil
}

// RenewalOffer returns the renewal call-to-action of a subscription
// visible to p: the end of its term, what the next term costs the customer
// (through its channel, without setup fee) and whether it renews itself.
func (s *Store) RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error) {
	sub, err := s.subscription(ctx, s.rd(), p, id)
	if err != nil {
		return billing.Offer{}, err
	}
	plan, err := s.planByID(ctx, s.rd(), sub.PlanID)
	if err != nil {
		return billing.Offer{}, err
	}
	prod, err := s.productByID(ctx, s.rd(), sub.ProductID)
	if err != nil {
		return billing.Offer{}, err
	}
	sp, err := s.systemPrincipal(ctx, s.rd())
	if err != nil {
		return billing.Offer{}, err
	}
	q, err := s.quote(ctx, s.rd(), sp, plan, prod, QuoteRequest{PlanID: plan.ID, Quantity: max(sub.Quantity, 1), CustomerID: sub.CustomerID, Renewal: true})
	if err != nil {
		return billing.Offer{}, err
	}
	bs := billing.Subscription{ID: sub.ID, Type: string(sub.Type), Status: string(sub.Status), AutoRenew: sub.AutoRenew, Quantity: sub.Quantity,
		Start: sub.StartDate, End: sub.EndDate, Pricing: plan.Pricing}
	return billing.RenewalOffer(bs, q.Total, s.now())
}
