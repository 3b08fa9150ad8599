package billingrun

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// biller holds what a run reads once: plans, vendors, channels, issuers.
type biller struct {
	vendors  map[int64]int64 // product → vendor
	opts     Options
	run      *billing.Run
	quoter   *billing.Quoter
	platform mercato.Organization
	selfBill map[int64]bool
	plans    map[int64]catalog.Plan
	channels map[[2]int64]billing.Channel
}

func (b *biller) plan(ctx context.Context, tx Tx, id int64) (catalog.Plan, error) {
	if p, ok := b.plans[id]; ok {
		return p, nil
	}
	p, err := tx.PlanByID(ctx, id)
	if err != nil {
		return p, err
	}
	b.plans[id] = p
	return p, nil
}

func (b *biller) vendor(ctx context.Context, tx Tx, productID int64) (int64, error) {
	if v, ok := b.vendors[productID]; ok {
		return v, nil
	}
	prod, err := tx.ProductByID(ctx, productID)
	if err != nil {
		return 0, err
	}
	b.vendors[productID] = prod.VendorID
	return prod.VendorID, nil
}

func (b *biller) channel(ctx context.Context, tx Tx, sub billing.Subscription) (billing.Channel, error) {
	key := [2]int64{sub.PlanID, sub.ResellerID}
	if c, ok := b.channels[key]; ok {
		return c, nil
	}
	c, err := tx.Channel(ctx, sub.PlanID, sub.VendorID, sub.ResellerID, sub.CustomerID)
	if err != nil {
		return c, err
	}
	b.channels[key] = c
	return c, nil
}

// issuer is who invoices a subscription: its reseller when the reseller
// bills its customers itself, otherwise the platform.
func (b *biller) issuer(sub billing.Subscription) int64 {
	if sub.ResellerID != 0 && b.selfBill[sub.ResellerID] {
		return sub.ResellerID
	}
	return b.platform.ID
}

// chunk bills the customers in (lo, hi] in one transaction: what each
// subscription owes in the month and has not been billed yet, one invoice
// per customer, issuer and currency.
func (b *biller) chunk(ctx context.Context, tx Tx, lo, hi int64) error {
	ms, me := b.opts.Period.Start(), b.opts.Period.End()
	subs, err := tx.SubscriptionsToBill(ctx, lo, hi, me)
	if err != nil {
		return err
	}
	b.run.Subscriptions += len(subs)
	if len(subs) == 0 {
		return nil
	}
	billed, err := tx.BilledCharges(ctx, lo, hi, ms)
	if err != nil {
		return err
	}
	type plannedSub struct {
		sub billing.Subscription
		due billing.Due
	}
	planned := make([]plannedSub, 0, len(subs))
	var windows []billing.UsageWindow
	for _, sub := range subs {
		if sub.VendorID, err = b.vendor(ctx, tx, sub.ProductID); err != nil {
			return err
		}
		plan, err := b.plan(ctx, tx, sub.PlanID)
		if err != nil {
			return err
		}
		sub.Pricing, sub.PlanName = plan.Pricing, plan.Name
		due, err := billing.Schedule(sub, b.opts.Period)
		if err != nil {
			return fmt.Errorf("subscription %d: %w", sub.ID, err)
		}
		windows = append(windows, billing.UsageWindows(sub, due)...)
		planned = append(planned, plannedSub{sub: sub, due: due})
	}
	usage, err := tx.UsageToBill(ctx, lo, hi, me, windows)
	if err != nil {
		return err
	}
	changes, err := tx.ChangesToBill(ctx, lo, hi, b.opts.Period)
	if err != nil {
		return err
	}

	// Price, keep what is not billed yet, group per customer, issuer, currency.
	type invKey struct {
		customer, issuer int64
		currency         string
	}
	groups := map[invKey][]billing.Charge{}
	var order []invKey
	for _, ps := range planned {
		sub := ps.sub
		if len(ps.due.Recurring) == 0 && len(ps.due.Usage) == 0 && len(changes[sub.ID]) == 0 {
			continue
		}
		ch, err := b.channel(ctx, tx, sub)
		if err != nil {
			return err
		}
		charges, err := b.quoter.Charges(sub, ch, ps.due, changes[sub.ID], usage[sub.ID])
		if err != nil {
			return err
		}
		k := invKey{sub.CustomerID, b.issuer(sub), sub.Pricing.Currency}
		for _, c := range charges {
			if billed[c.Key()] {
				continue
			}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], c)
		}
	}
	if len(order) == 0 {
		return nil
	}
	parties := map[int64]billing.Party{}
	party := func(id int64) (billing.Party, mercato.Organization, error) {
		o, err := tx.OrganizationByID(ctx, id)
		if err != nil {
			return billing.Party{}, o, err
		}
		pt := billing.Party{ID: o.ID, Name: o.Name, Email: o.Email, Country: o.Country, VATID: o.VATID}
		parties[id] = pt
		return pt, o, nil
	}
	now := tx.Now()
	for _, k := range order {
		customer, org, err := party(k.customer)
		if err != nil {
			return err
		}
		issuer, ok := parties[k.issuer]
		if !ok {
			if issuer, _, err = party(k.issuer); err != nil {
				return err
			}
		}
		rate, note := b.opts.Tax.Rate(issuer, customer)
		inv := billing.Invoice{Issuer: issuer, Customer: customer, Period: b.opts.Period.String(), Currency: k.currency, RunID: b.run.ID,
			CreatedAt: now, UpdatedAt: now}
		if org.ParentID != nil {
			inv.ResellerID = *org.ParentID
		}
		inv = billing.Assemble(inv, groups[k], rate, note)
		if err := tx.InsertInvoice(ctx, &inv); err != nil {
			return err
		}
		if !b.opts.Draft {
			if err := issue(ctx, tx, &inv, *b.opts.Dunning); err != nil {
				return err
			}
		}
		b.run.Invoices++
		b.run.Lines += len(inv.Lines)
	}
	return nil
}

// issue gives a draft its number (gapless per issuer, series and year: the
// counter moves in the same transaction), its issue and due dates (a credit
// note is due at once), and posts its balanced ledger entries.
func issue(ctx context.Context, tx Tx, inv *billing.Invoice, policy billing.DunningPolicy) error {
	if inv.Status != billing.StatusDraft {
		return mercato.Errorf(mercato.ECONFLICT, "invoice %d is %s, not a draft", inv.ID, inv.Status)
	}
	now := tx.Now()
	seq, err := tx.NextInvoiceNumber(ctx, inv.Issuer.ID, inv.Kind, now.Year())
	if err != nil {
		return err
	}
	inv.Number = billing.Number(inv.Kind, now.Year(), seq)
	inv.Status = billing.StatusIssued
	inv.IssuedAt = &now
	due := now.AddDate(0, 0, policy.PaymentTermsDays)
	if inv.Kind == billing.KindCreditNote {
		due = now
	}
	inv.DueAt = &due
	inv.UpdatedAt = now
	entries := billing.Entries(*inv)
	if !billing.Balanced(entries) {
		return fmt.Errorf("invoice %d: ledger entries do not balance", inv.ID)
	}
	return tx.SaveIssued(ctx, *inv, entries)
}
