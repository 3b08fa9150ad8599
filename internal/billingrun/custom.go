package billingrun

import (
	"context"
	"strconv"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Custom billing: a subscription's provider (the vendor of its product) or
// the platform bills lines of its own beside the plan's price, as
// Cloudesire's vendor API does (internal/api/cloudesire serves it):
//
//   - one-shot costs wait for the subscription's next invoice; a new list
//     replaces the one not invoiced yet, and an empty list removes it;
//   - recurring costs are billed with every period charged from now on
//     (they ride on the subscription's charge schedule); an empty list
//     stops them;
//   - a custom invoice is issued at once with its lines alone; a "cashed"
//     one records that its total was collected outside the marketplace.
//
// Each becomes a charge at the declared price in the subscription's
// currency, split between the vendor and the platform's fee (the channel's
// parties take no share of what the vendor bills on its own), so that the
// invoice, the ledger and the vendor's earnings trace it as any charge.

// customSale is what a custom declaration reads of its subscription.
type customSale struct {
	sub      subscription.Subscription
	schedule billing.Schedule
	version  billing.Version
}

// provided locks subscription id for a custom declaration of lines by p:
// only its provider or the platform declares, with a role that writes, on
// a paid subscription that has not ended, lines valid in its currency.
func provided(ctx context.Context, tx Tx, p mercato.Principal, id int64, lines []billing.CustomLine) (customSale, error) {
	var cs customSale
	sub, err := tx.LockSubscription(ctx, p, id)
	if err != nil {
		return cs, err
	}
	prod, err := tx.ProductByID(ctx, sub.ProductID)
	if err != nil {
		return cs, err
	}
	if !(subscription.Parties{SubscriptionID: sub.ID, CustomerID: sub.CustomerID, ProductID: prod.ID, VendorID: prod.VendorID}).Provides(p) {
		return cs, mercato.Errorf(mercato.EFORBIDDEN, "only the subscription's provider or the platform bills custom costs")
	}
	if !p.CanWrite() {
		return cs, mercato.Errorf(mercato.EFORBIDDEN, "your role only reads")
	}
	if sub.Status.Final() {
		return cs, mercato.Errorf(mercato.ECONFLICT, "subscription %d has ended (%s)", sub.ID, sub.Status)
	}
	if sub.Type != subscription.TypeNormal {
		return cs, mercato.Errorf(mercato.ECONFLICT, "subscription %d is a %s: only paid subscriptions are billed custom costs", sub.ID, sub.Type)
	}
	if err := billing.ValidateCustomLines(lines, sub.Currency, true); err != nil {
		return cs, err
	}
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return cs, err
	}
	v, err := billing.NewPricer().Version(sc.Version)
	if err != nil {
		return cs, err
	}
	if v.IsZero() {
		// A schedule from before the charge ledger records no channel: the
		// vendor's fee of this moment splits the custom costs.
		if v, err = versionNow(ctx, tx, sub, prod.VendorID); err != nil {
			return cs, err
		}
	}
	return customSale{sub: sub, schedule: sc, version: v}, nil
}

// versionNow is the version of a subscription's plan sold now, for a
// schedule that records none.
func versionNow(ctx context.Context, tx Tx, sub subscription.Subscription, vendorID int64) (billing.Version, error) {
	plan, err := tx.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return billing.Version{}, err
	}
	var reseller int64
	if sub.ResellerID != nil {
		reseller = *sub.ResellerID
	}
	prices, err := tx.ChannelPrices(ctx, plan.ID, vendorID, reseller, sub.CustomerID)
	if err != nil {
		return billing.Version{}, err
	}
	return billing.NewVersion(plan.ID, plan.Name, sub.Quantity, plan.Pricing, vendorID, prices)
}

// state is the state of a custom charge of cs: open once delivered.
func (cs customSale) state() string {
	return billing.InitialState(string(cs.sub.Status), !cs.schedule.DeliveredAt.IsZero())
}

// SetOneshotCosts replaces the one-shot costs of subscription id that wait
// for its next invoice with lines (none: removes them).
func (s *Service) SetOneshotCosts(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine) error {
	return s.inTx(ctx, func(tx Tx) error {
		cs, err := provided(ctx, tx, p, id, lines)
		if err != nil {
			return err
		}
		if err := tx.VoidCustomCharges(ctx, id, "oneshot-", "replaced by the provider's new one-shot costs"); err != nil {
			return err
		}
		if len(lines) == 0 {
			return nil
		}
		n, err := tx.CustomChargeCount(ctx, id)
		if err != nil {
			return err
		}
		now := tx.Now()
		c := billing.CustomCharge(id, cs.sub.CustomerID, billing.KindCustom, "oneshot-"+strconv.Itoa(n+1), cs.version, lines, cs.sub.Currency,
			billing.Window{From: now, To: now}, now)
		c.State = cs.state()
		return tx.InsertCharges(ctx, []billing.Charge{c})
	})
}

// SetRecurringCosts sets the recurring costs of subscription id, billed
// with every period charged from now on (none: stops them).
func (s *Service) SetRecurringCosts(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine) error {
	return s.inTx(ctx, func(tx Tx) error {
		if _, err := provided(ctx, tx, p, id, lines); err != nil {
			return err
		}
		raw, err := billing.CustomLinesJSON(lines)
		if err != nil {
			return err
		}
		return tx.SetCustomLines(ctx, id, raw)
	})
}

// CustomInvoice issues at once an invoice of lines alone to the customer of
// subscription id, from its usual issuer; cashed records its total as
// collected outside the marketplace (a provider's declaration of proceeds),
// so the invoice is paid when issued. The subscription must have been
// delivered.
func (s *Service) CustomInvoice(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine, cashed bool) (billing.Invoice, error) {
	if len(lines) == 0 {
		return billing.Invoice{}, mercato.Invalid("invalid custom invoice", mercato.FieldError{Path: "lines", Message: "at least one line"})
	}
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return billing.Invoice{}, err
	}
	selfBill, err := s.reads.SelfBillingResellers(ctx)
	if err != nil {
		return billing.Invoice{}, err
	}
	var inv billing.Invoice
	err = s.inTx(ctx, func(tx Tx) error {
		cs, err := provided(ctx, tx, p, id, lines)
		if err != nil {
			return err
		}
		if cs.state() != billing.ChargeOpen {
			return mercato.Errorf(mercato.ECONFLICT, "subscription %d is not delivered yet: bill one-shot costs, which wait for its first invoice", id)
		}
		n, err := tx.CustomChargeCount(ctx, id)
		if err != nil {
			return err
		}
		now := tx.Now()
		ref := "invoice-" + strconv.Itoa(n+1)
		c := billing.CustomCharge(id, cs.sub.CustomerID, billing.KindCustom, ref, cs.version, lines, cs.sub.Currency, billing.Window{From: now, To: now}, now)
		c.State = billing.ChargeOpen
		if err := tx.InsertCharges(ctx, []billing.Charge{c}); err != nil {
			return err
		}
		charges, err := tx.UninvoicedCharges(ctx, id, billing.KindCustom, ref)
		if err != nil {
			return err
		}
		issuerID := sp.OrgID
		if cs.sub.ResellerID != nil && selfBill[*cs.sub.ResellerID] {
			issuerID = *cs.sub.ResellerID
		}
		if inv, err = s.invoiceNow(ctx, tx, issuerID, cs.sub.CustomerID, charges, now); err != nil {
			return err
		}
		if !cashed {
			return nil
		}
		_, err = ApplyPayment(ctx, tx, sp, inv, billing.Payment{InvoiceID: inv.ID, Amount: inv.Total, Currency: inv.Currency, Method: "cashed",
			Reference: "collected by the provider", CreatedAt: now})
		if err != nil {
			return err
		}
		inv, err = tx.LockInvoice(ctx, sp, inv.ID)
		return err
	})
	return inv, err
}

// invoiceNow assembles, numbers and issues one invoice of charges from
// issuer to customer at now, taxed as a billing run taxes.
func (s *Service) invoiceNow(ctx context.Context, tx Tx, issuerID, customerID int64, charges []billing.Charge, now time.Time) (billing.Invoice, error) {
	party := func(id int64) (billing.Party, mercato.Organization, error) {
		o, err := tx.OrganizationByID(ctx, id)
		return billing.Party{ID: o.ID, Name: o.Name, Email: o.Email, Country: o.Country, VATID: o.VATID}, o, err
	}
	issuer, _, err := party(issuerID)
	if err != nil {
		return billing.Invoice{}, err
	}
	customer, org, err := party(customerID)
	if err != nil {
		return billing.Invoice{}, err
	}
	rate, note := billing.DefaultTaxPolicy().Rate(issuer, customer)
	inv := billing.Invoice{Issuer: issuer, Customer: customer, Period: now.Format("2006-01"), Currency: charges[0].Currency, CreatedAt: now, UpdatedAt: now}
	if org.ParentID != nil {
		inv.ResellerID = *org.ParentID
	}
	inv = billing.Assemble(inv, charges, rate, note)
	if err := tx.InsertInvoice(ctx, &inv); err != nil {
		return inv, err
	}
	ids := make([]int64, 0, len(charges))
	for _, c := range charges {
		ids = append(ids, c.ID)
	}
	if err := tx.MarkInvoiced(ctx, inv.ID, ids); err != nil {
		return inv, err
	}
	if err := issue(ctx, tx, &inv, s.dunning); err != nil {
		return inv, err
	}
	return inv, nil
}
