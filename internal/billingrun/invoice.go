package billingrun

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// mayManageInvoice: the platform and the invoice's issuer record payments,
// issue drafts and credit invoices.
func mayManageInvoice(p mercato.Principal, inv billing.Invoice) error {
	if !p.CanWrite() || !(p.IsPlatform() || p.OrgID == inv.Issuer.ID) {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform or the issuer may do this to invoice %d", inv.ID)
	}
	return nil
}

// IssueInvoice issues a draft visible to p: its number, dates and ledger
// entries.
func (s *Service) IssueInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	var inv billing.Invoice
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if inv, err = tx.LockInvoice(ctx, p, id); err != nil {
			return err
		}
		if err := mayManageInvoice(p, inv); err != nil {
			return err
		}
		return issue(ctx, tx, &inv, s.dunning)
	})
	if err != nil {
		return inv, fmt.Errorf("issue invoice %d: %w", id, err)
	}
	return inv, nil
}

// PaymentRequest records money received for an invoice.
type PaymentRequest struct {
	Amount    *decimal.Decimal // nil: the invoice's total
	Method    string           // default "manual"
	Reference string
}

// PayInvoice records a payment (a manual mark-paid, in full or in part)
// of an issued invoice and, once the payments reach what is due, settles
// it, in one transaction: the invoice becomes paid; a subscription it
// bills that waits for payment is cleared (PENDING, paid) and one that
// dunning suspended is resumed, each with a MODIFIED event. The amount
// (what is still due when nil) is more than zero and at most what is
// still due: the total less the credit notes and the payments received;
// a part leaves the rest due, under dunning.
func (s *Service) PayInvoice(ctx context.Context, p mercato.Principal, id int64, r PaymentRequest) (billing.Invoice, error) {
	var inv billing.Invoice
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return inv, fmt.Errorf("pay invoice %d: %w", id, err)
	}
	err = s.inTx(ctx, func(tx Tx) error {
		var err error
		if inv, err = tx.LockInvoice(ctx, p, id); err != nil {
			return err
		}
		if err := mayManageInvoice(p, inv); err != nil {
			return err
		}
		if inv.Kind != billing.KindInvoice || inv.Status != billing.StatusIssued || inv.FullyCredited {
			return mercato.Errorf(mercato.ECONFLICT, "invoice %d is %s (credited in full: %t) and cannot be paid", inv.ID, inv.Status, inv.FullyCredited)
		}
		due, err := Due(ctx, tx, inv)
		if err != nil {
			return err
		}
		amount := due
		if r.Amount != nil {
			amount = *r.Amount
		}
		if !amount.IsPositive() || amount.GreaterThan(due) || !amount.Equal(amount.Round(minorDigits(inv.Currency))) {
			return mercato.Invalid("invalid payment", mercato.FieldError{Path: "amount",
				Message: "must be more than 0 and at most what is still due of the invoice, " + billing.Money(due, inv.Currency) + ", in whole minor units", Value: amount.String()})
		}
		if r.Method == "" {
			r.Method = "manual"
		}
		pm := billing.Payment{InvoiceID: inv.ID, Amount: amount, Currency: inv.Currency, Method: r.Method, Reference: r.Reference, CreatedAt: tx.Now()}
		_, err = applyPayment(ctx, tx, sp, &inv, pm, p.UserID)
		return err
	})
	if err != nil {
		return inv, fmt.Errorf("pay invoice %d: %w", id, err)
	}
	return inv, nil
}

// settle clears the paid invoice's subscriptions: an order waiting for
// payment becomes PENDING (or REQUIRES_APPROVAL) with paid true; a
// subscription this invoice's dunning suspended is resumed unless another
// unpaid invoice keeps it suspended.
func settle(ctx context.Context, tx Tx, sp mercato.Principal, inv billing.Invoice) error {
	for _, id := range invoiceSubscriptions(inv) {
		sub, err := tx.LockSubscription(ctx, sp, id)
		if err != nil {
			return err
		}
		before, changed := sub.Status, false
		switch {
		case sub.Status == subscription.WaitingPayment:
			prod, err := tx.ProductByID(ctx, sub.ProductID)
			if err != nil {
				return err
			}
			sub.Paid, sub.Status, changed = true, subscription.Cleared(prod.RequiresApproval), true
		case sub.Status == subscription.Stopped && inv.Suspended:
			others, err := tx.OtherSuspendingInvoices(ctx, id, inv.ID)
			if err != nil {
				return err
			}
			if others == 0 {
				sub.Status, changed = subscription.Deployed, true
			}
		}
		if !changed {
			continue
		}
		if err := modify(ctx, tx, &sub, before, "invoice_paid"); err != nil {
			return err
		}
	}
	return nil
}

// CreditInvoice corrects an issued or paid invoice with a credit note (the
// invoice itself is never edited, voided or deleted): in full, or chosen
// lines, or an amount before tax (billing.PartialCreditNote), never more
// than what its earlier credit notes left. The note is issued at once with
// its own number series and reverses its part of the ledger entries; once
// the notes cancel the invoice in full, nothing of it is due.
func (s *Service) CreditInvoice(ctx context.Context, p mercato.Principal, id int64, r billing.CreditRequest) (billing.Invoice, error) {
	var cn billing.Invoice
	err := s.inTx(ctx, func(tx Tx) error {
		inv, err := tx.LockInvoice(ctx, p, id)
		if err != nil {
			return err
		}
		if err := mayManageInvoice(p, inv); err != nil {
			return err
		}
		cn, err = credit(ctx, tx, inv, r, s.dunning)
		return err
	})
	if err != nil {
		return cn, fmt.Errorf("credit invoice %d: %w", id, err)
	}
	return cn, nil
}

// credit issues the credit note r asks of inv (locked) and marks inv
// fully credited when the notes leave nothing of it.
func credit(ctx context.Context, tx Tx, inv billing.Invoice, r billing.CreditRequest, policy billing.DunningPolicy) (billing.Invoice, error) {
	notes, err := tx.CreditNotesOf(ctx, inv.ID)
	if err != nil {
		return billing.Invoice{}, err
	}
	cn, err := billing.PartialCreditNote(inv, notes, r)
	if err != nil {
		return cn, err
	}
	now := tx.Now()
	cn.CreatedAt, cn.UpdatedAt = now, now
	if err := tx.InsertInvoice(ctx, &cn); err != nil {
		return cn, err
	}
	if err := issue(ctx, tx, &cn, policy); err != nil {
		return cn, err
	}
	if sub, _, total := billing.Remaining(inv, append(notes, cn)); !sub.IsPositive() && !total.IsPositive() {
		return cn, tx.MarkFullyCredited(ctx, inv.ID)
	}
	return cn, nil
}

// RenewalOffer returns the renewal call-to-action of a subscription
// visible to p: the end of its term, what the next term costs the customer
// (through its channel, without setup fee) and whether it renews itself.
func (s *Service) RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error) {
	sub, err := s.reads.Subscription(ctx, p, id)
	if err != nil {
		return billing.Offer{}, err
	}
	plan, q, err := s.renewalPrice(ctx, sub, max(sub.Quantity, 1))
	if err != nil {
		return billing.Offer{}, err
	}
	bs := charging.Of(sub)
	bs.Pricing = plan.Pricing
	o, err := billing.RenewalOffer(bs, q.Total, s.reads.Clock())
	o.Currency = q.Currency // the customer's
	if err != nil {
		return o, err
	}
	raw, err := s.reads.SoldVersion(ctx, sub.ID)
	if err != nil {
		return o, err
	}
	return withSoldPrice(o, raw)
}

// withSoldPrice completes an offer with the period price of the version a
// subscription was sold at (raw, its schedule's): what it pays until the
// renewal, and whether the renewal changes it.
func withSoldPrice(o billing.Offer, raw string) (billing.Offer, error) {
	pr := billing.NewPricer()
	v, err := pr.Version(raw)
	if err != nil || v.IsZero() {
		o.CurrentPeriodPrice = o.PeriodPrice
		return o, err
	}
	q, err := pr.Quote(v, false)
	if err != nil {
		return o, err
	}
	o.CurrentPeriodPrice = q.Total
	o.PriceChanges = !q.Total.Equal(o.PeriodPrice)
	return o, nil
}

// noticeAll announces to the customers of the auto-renewing subscriptions
// whose term ends within billing.NoticeDays of asOf a price that changed
// since they were sold (the plan's, or a markup's): the renewal applies
// it, so each such term gets one renewal notice, a Subscription MODIFIED
// event with reason renewal_notice and the old and new period prices and
// the date (which internal/notify mails in the customer's language).
func (s *Service) noticeAll(ctx context.Context, sp mercato.Principal, run *billing.Run, opts Options) error {
	ids, err := s.reads.RenewalNoticesDue(ctx, opts.AsOf, opts.AsOf.AddDate(0, 0, billing.NoticeDays))
	if err != nil {
		return err
	}
	for _, id := range ids {
		sub, err := s.reads.Subscription(ctx, sp, id)
		if err != nil {
			return err
		}
		o, err := s.RenewalOffer(ctx, sp, id)
		if err != nil {
			skip(ctx, run, opts, id, "renewal notice", err)
			continue
		}
		if !o.PriceChanges || o.Action != billing.RenewalRenew {
			continue
		}
		meta := map[string]string{"reason": billing.ReasonRenewalNotice, "effective_at": o.Date.UTC().Format(time.RFC3339), "currency": o.Currency,
			"current_period_price": billing.Money(o.CurrentPeriodPrice, o.Currency), "next_period_price": billing.Money(o.PeriodPrice, o.Currency)}
		if err := s.inTx(ctx, func(tx Tx) error { return tx.RenewalNotice(ctx, sub.ID, sub.EndDate, meta) }); err != nil {
			return err
		}
	}
	return nil
}

// SetSelfBilling says whether a reseller invoices its customers itself
// (true) or the platform does on its behalf. The platform sets it.
func (s *Service) SetSelfBilling(ctx context.Context, p mercato.Principal, orgID int64, self bool) error {
	o, err := s.reads.Organization(ctx, p, orgID)
	if err != nil {
		return err
	}
	if !p.IsPlatform() || !p.CanWrite() {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform sets who invoices")
	}
	if o.Kind != mercato.KindReseller {
		return mercato.Invalid("invalid billing profile", mercato.FieldError{Path: "organization_id", Message: "only a reseller invoices its customers", Value: orgID})
	}
	return s.reads.SaveBillingProfile(ctx, orgID, self)
}

// renewalPrice prices the next term of qty of a subscription for its
// customer, at its plan's current price through its channel's current
// markups, without setup fee, in the customer's currency at today's rate,
// and returns it with the plan.
func (s *Service) renewalPrice(ctx context.Context, sub subscription.Subscription, qty int64) (catalog.Plan, pricing.Quote, error) {
	plan, err := s.reads.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return plan, pricing.Quote{}, err
	}
	prod, err := s.reads.ProductByID(ctx, sub.ProductID)
	if err != nil {
		return plan, pricing.Quote{}, err
	}
	cp, err := s.reads.ChannelPrices(ctx, plan.ID, prod.VendorID, 0, sub.CustomerID)
	if err != nil {
		return plan, pricing.Quote{}, err
	}
	markups, err := cp.Markups(0)
	if err != nil {
		return plan, pricing.Quote{}, err
	}
	p, rate, err := charging.Priced(ctx, s.reads, plan.Pricing, sub.CustomerID, s.reads.Clock())
	if err != nil {
		return plan, pricing.Quote{}, err
	}
	q, err := p.Quote(pricing.QuoteRequest{Quantity: qty, Channel: markups, VendorID: prod.VendorID, PlatformFeePercent: cp.FeePercent})
	if err != nil {
		return plan, q, mercato.Prefixed(err, "")
	}
	if rate != nil {
		q = rate.Convert(q)
	}
	return plan, q, nil
}

// minorDigits is the number of decimals of a currency's minor unit (2 for
// one pricing does not know).
func minorDigits(currency string) int32 {
	if n, ok := pricing.MinorUnits(currency); ok {
		return n
	}
	return 2
}
