package billingrun

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// biller holds what a run keeps across its chunks.
type biller struct {
	opts     Options
	run      *billing.Run
	pricer   *billing.Pricer
	platform mercato.Organization
	selfBill map[int64]bool
	sp       mercato.Principal // the platform's system principal
}

// issuer is who invoices a charge: the subscription's reseller when the
// reseller bills its customers itself, otherwise the platform.
func (b *biller) issuer(c billing.Charge) int64 {
	if c.ResellerID != 0 && b.selfBill[c.ResellerID] {
		return c.ResellerID
	}
	return b.platform.ID
}

// chunk bills the customers in (lo, hi] in one transaction: it charges the
// periods of terms begun by the run's instant and the usage of periods
// ended by then, and invoices every open charge due before the month's end
// that is not invoiced yet, one invoice per customer, issuer and currency.
func (b *biller) chunk(ctx context.Context, tx Tx, lo, hi int64) error {
	fresh, err := b.periods(ctx, tx, lo, hi)
	if err != nil {
		return err
	}
	if err := b.usage(ctx, tx, lo, hi); err != nil {
		return err
	}
	end := b.opts.Period.End()
	charges, err := tx.ChargesToInvoice(ctx, lo, hi, end)
	if err != nil {
		return err
	}
	// The periods just charged are not written yet: those invoiced now are
	// written once, with their invoice, rather than written and then
	// marked (on PostgreSQL an update writes the whole row again). They
	// join the open charges in the order the store reads them: customer,
	// subscription, due date, then as written.
	if err := tx.NameCharges(ctx, lo, hi, fresh); err != nil {
		return err
	}
	stored := len(charges)
	for i, c := range fresh {
		if c.InvoiceID == 0 && c.State == billing.ChargeOpen && c.DueAt.Before(end) {
			c.ID = -int64(i) - 1 // fresh[i], not written yet
			charges = append(charges, c)
		}
	}
	if len(charges) > stored {
		sort.SliceStable(charges, func(i, j int) bool {
			a, b := charges[i], charges[j]
			if a.CustomerID != b.CustomerID {
				return a.CustomerID < b.CustomerID
			}
			if a.SubscriptionID != b.SubscriptionID {
				return a.SubscriptionID < b.SubscriptionID
			}
			if !a.DueAt.Equal(b.DueAt) {
				return a.DueAt.Before(b.DueAt)
			}
			return a.ID > 0 && b.ID < 0 // written before not yet written
		})
	}
	if err := b.invoice(ctx, tx, charges, fresh); err != nil {
		return err
	}
	return tx.InsertCharges(ctx, fresh)
}

// invoice invoices charges (fresh[i] among them as ID -i-1, given its
// invoice's id), one invoice per customer, issuer and currency.
func (b *biller) invoice(ctx context.Context, tx Tx, charges, fresh []billing.Charge) (err error) {
	type invKey struct {
		customer, issuer int64
		currency         string
	}
	groups := map[invKey][]billing.Charge{}
	var order []invKey
	subs := map[int64]bool{}
	for _, c := range charges {
		k := invKey{c.CustomerID, b.issuer(c), c.Currency}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
		subs[c.SubscriptionID] = true
	}
	b.run.Subscriptions += len(subs)
	// A refund that would make a subscription's bill negative (or be all
	// of it) is a credit note against the invoice that billed its period,
	// never a negative invoice; a draft run leaves it for a run that
	// issues.
	var refunds []billing.Charge
	kept := order[:0]
	for _, k := range order {
		var cr []billing.Charge
		groups[k], cr = withoutRefunds(groups[k])
		if !b.opts.Draft {
			refunds = append(refunds, cr...)
		}
		if len(groups[k]) > 0 {
			kept = append(kept, k)
		}
	}
	order = kept
	defer func() {
		if err == nil {
			err = b.creditRefunds(ctx, tx, refunds, fresh)
		}
	}()
	if len(order) == 0 {
		return nil
	}
	seller, err := tx.OperatorSettings(ctx)
	if err != nil {
		return err
	}
	// Every organization the chunk's invoices name, read at once.
	orgIDs := make([]int64, 0, len(order)+1)
	seen := map[int64]bool{}
	for _, k := range order {
		for _, id := range []int64{k.customer, k.issuer} {
			if !seen[id] {
				seen[id] = true
				orgIDs = append(orgIDs, id)
			}
		}
	}
	orgs, err := tx.OrganizationsByID(ctx, orgIDs)
	if err != nil {
		return err
	}
	party := func(id int64) billing.Party {
		o := orgs[id]
		if o.Kind == mercato.KindPlatform {
			return seller.Issuer(o)
		}
		return billing.PartyOf(o)
	}
	now := tx.Now()
	// The rates valid on the invoice date: the operator's (tax_rates),
	// unless the run was given its own policy.
	tax := b.opts.Tax
	if tax == nil {
		rates, err := tx.TaxRates(ctx)
		if err != nil {
			return err
		}
		t := billing.RatesOn(rates, now)
		tax = &t
	}
	invs := make([]billing.Invoice, 0, len(order))
	charged := make([][]int64, 0, len(order))
	for _, k := range order {
		customer, issuer := party(k.customer), party(k.issuer)
		rate, note := tax.Rate(issuer, customer)
		inv := billing.Invoice{Issuer: issuer, Customer: customer, Period: b.opts.Period.String(), Currency: k.currency, RunID: b.run.ID,
			CreatedAt: now, UpdatedAt: now}
		if p := orgs[k.customer].ParentID; p != nil {
			inv.ResellerID = *p
		}
		invs = append(invs, billing.Assemble(inv, groups[k], rate, note))
		ids := make([]int64, 0, len(groups[k]))
		for _, c := range groups[k] {
			if c.ID > 0 {
				ids = append(ids, c.ID)
			}
		}
		charged = append(charged, ids)
	}
	var entries [][]billing.Entry
	if !b.opts.Draft {
		if entries, err = issueAll(ctx, tx, invs, *b.opts.Dunning); err != nil {
			return err
		}
	}
	if err := tx.InsertRunInvoices(ctx, invs, charged, entries); err != nil {
		return err
	}
	for i, k := range order {
		for _, c := range groups[k] {
			if c.ID < 0 {
				fresh[-c.ID-1].InvoiceID = invs[i].ID
			}
		}
		b.run.Invoices++
		b.run.Lines += len(invs[i].Lines)
	}
	return nil
}

// periods charges, at the version each subscription was sold at, the
// periods of terms that have begun by the run's instant: the run is what
// charges the second and later periods of a term longer than its period.
// It returns the charges it has not written yet (see chunk).
func (b *biller) periods(ctx context.Context, tx Tx, lo, hi int64) ([]billing.Charge, error) {
	due, err := tx.SchedulesDue(ctx, lo, hi, b.opts.AsOf)
	if err != nil {
		return nil, err
	}
	var (
		charges  []billing.Charge
		advanced []billing.Schedule
		applied  []billing.Schedule // their scheduled downgrade began
	)
	for _, d := range due {
		sc := d.Schedule
		v, err := b.pricer.Version(sc.Version)
		if err == nil && v.IsZero() {
			// A schedule from before the charge ledger records no version:
			// its next period records the version of this moment.
			sells, rerr := b.sellingNow(ctx, tx, d)
			if rerr != nil {
				return nil, rerr
			}
			if v, err = billing.NewVersion(sells.plan.ID, sells.plan.Name, d.Subscription.Quantity, sells.plan.Pricing, sells.vendor, sells.channel); err == nil {
				v, err = charging.InCurrency(ctx, tx, v, d.Subscription.CustomerID, b.opts.AsOf)
			}
			if err == nil {
				sc.Version, err = v.JSON()
			}
		}
		var cs []billing.Charge
		if err == nil {
			cs, err = charging.Through(b.pricer, d.Subscription, &sc, b.opts.AsOf, 0)
		}
		if err != nil {
			// What cannot be priced is left, unchanged, for the next run.
			skip(ctx, b.run, b.opts, d.Subscription.ID, "period", err)
			continue
		}
		if sc != d.Schedule {
			advanced = append(advanced, sc)
			charges = append(charges, cs...)
		}
		if d.Schedule.Scheduled != "" && sc.Scheduled == "" {
			applied = append(applied, d.Schedule)
		}
	}
	if err := tx.SaveChargeSchedules(ctx, advanced); err != nil {
		return nil, err
	}
	// Periods that ended by the run's instant are written now, for usage
	// to find them; the others wait for the invoices (chunk).
	var now, later []billing.Charge
	for _, c := range charges {
		if c.UsagePending && !c.PeriodEnd.After(b.opts.AsOf) {
			now = append(now, c)
		} else {
			later = append(later, c)
		}
	}
	if err := tx.InsertCharges(ctx, now); err != nil {
		return nil, err
	}
	return later, b.applyScheduled(ctx, tx, applied)
}

// applyScheduled gives the subscriptions whose scheduled downgrade began
// with the period just charged its plan and quantity, each with its
// MODIFIED event, so that the vendor hears of it.
func (b *biller) applyScheduled(ctx context.Context, tx Tx, scs []billing.Schedule) error {
	for _, sc := range scs {
		sub, err := tx.LockSubscription(ctx, b.sp, sc.SubscriptionID)
		if err != nil {
			return err
		}
		if _, err := charging.Apply(b.pricer, &sub, sc, sc.ScheduledFrom); err != nil {
			return err
		}
		if err := modify(ctx, tx, &sub, sub.Status, "scheduled change"); err != nil {
			return err
		}
	}
	return nil
}

// selling is what a subscription's plan sells at now: the plan, its
// vendor and the channel's prices above its customer.
type selling struct {
	plan    catalog.Plan
	vendor  int64
	channel pricing.ChannelPrices
}

// sellingNow reads what a subscription's plan sells at now.
func (b *biller) sellingNow(ctx context.Context, tx Tx, d billing.Due) (selling, error) {
	plan, err := tx.PlanByID(ctx, d.PlanID)
	if err != nil {
		return selling{}, err
	}
	prod, err := tx.ProductByID(ctx, d.ProductID)
	if err != nil {
		return selling{}, err
	}
	prices, err := tx.ChannelPrices(ctx, plan.ID, prod.VendorID, 0, d.Subscription.CustomerID)
	return selling{plan: plan, vendor: prod.VendorID, channel: prices}, err
}

// usage charges, in arrears, the usage of every period charged that ended
// by the run's instant, at the version its period was sold at, from the
// usage records stored now; a period's usage is charged once.
func (b *biller) usage(ctx context.Context, tx Tx, lo, hi int64) error {
	periods, err := tx.UsageDue(ctx, lo, hi, b.opts.AsOf)
	if err != nil || len(periods) == 0 {
		return err
	}
	windows := make([]billing.UsageWindow, 0, len(periods))
	versions := make([]billing.Version, 0, len(periods))
	kept := make([]billing.Charge, 0, len(periods))
	to := periods[0].PeriodEnd
	for _, p := range periods {
		v, err := b.pricer.Version(p.Version)
		if err != nil {
			skip(ctx, b.run, b.opts, p.SubscriptionID, "usage", err)
			continue
		}
		agg := map[string]string{}
		for _, m := range v.Pricing.Normalize().Metrics {
			agg[m.Name] = m.Aggregation
		}
		windows = append(windows, billing.UsageWindow{SubscriptionID: p.SubscriptionID, Window: billing.Window{From: p.PeriodStart, To: p.PeriodEnd}, Aggregations: agg})
		versions = append(versions, v)
		kept = append(kept, p)
		if p.PeriodEnd.After(to) {
			to = p.PeriodEnd
		}
	}
	used, err := tx.UsageToBill(ctx, lo, hi, to, windows)
	if err != nil {
		return err
	}
	var charges []billing.Charge
	ids := make([]int64, 0, len(kept))
	for i, w := range windows {
		p := kept[i]
		cs, err := b.pricer.Usage(w.SubscriptionID, versions[i], w.Window, used[w.SubscriptionID][w.Window.From.Unix()])
		if err != nil {
			// Usage no metric can price (reported before the bounds, or
			// summed beyond them) is left for the next run.
			skip(ctx, b.run, b.opts, w.SubscriptionID, "usage", err)
			continue
		}
		for j := range cs {
			cs[j].CustomerID, cs[j].State = p.CustomerID, p.State
		}
		charges = append(charges, cs...)
		ids = append(ids, p.ID)
	}
	if len(charges) > 0 {
		if err := tx.InsertCharges(ctx, charges); err != nil {
			return err
		}
	}
	return tx.CloseUsage(ctx, ids)
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
	by, err := issuing(ctx, tx, inv.Issuer.ID, policy)
	if err != nil {
		return err
	}
	entries, err := stamp(inv, by, seq, now)
	if err != nil {
		return err
	}
	return tx.SaveIssued(ctx, *inv, entries)
}

// issueAll issues a billing run's drafts (not yet written) as issue does
// one, reserving each issuer's numbers at once, in the order of invs, and
// returns their ledger entries.
func issueAll(ctx context.Context, tx Tx, invs []billing.Invoice, policy billing.DunningPolicy) ([][]billing.Entry, error) {
	now := tx.Now()
	count := map[int64]int{}
	for _, inv := range invs {
		if inv.Status != billing.StatusDraft || inv.Kind != billing.KindInvoice {
			return nil, fmt.Errorf("issue: a %s %s is not a draft invoice", inv.Status, inv.Kind)
		}
		count[inv.Issuer.ID]++
	}
	next := map[int64]int64{}
	issuers := map[int64]issuedBy{}
	for _, inv := range invs { // in invs' order, so that the first issuer reserves first as before
		id := inv.Issuer.ID
		if _, ok := next[id]; ok {
			continue
		}
		first, err := tx.NextInvoiceNumbers(ctx, id, billing.KindInvoice, now.Year(), count[id])
		if err != nil {
			return nil, err
		}
		next[id] = first
		if issuers[id], err = issuing(ctx, tx, id, policy); err != nil {
			return nil, err
		}
	}
	entries := make([][]billing.Entry, len(invs))
	for i := range invs {
		id := invs[i].Issuer.ID
		var err error
		if entries[i], err = stamp(&invs[i], issuers[id], next[id], now); err != nil {
			return nil, err
		}
		next[id]++
	}
	return entries, nil
}

// issuedBy is an issuer as an invoice keeps it at issue time, with the
// payment terms it grants.
type issuedBy struct {
	party     billing.Party
	termsDays int
}

// issuing reads the issuer of an invoice issued now: the operator's legal
// identity, payment instructions and terms for the platform's.
func issuing(ctx context.Context, tx Tx, issuerID int64, policy billing.DunningPolicy) (issuedBy, error) {
	org, err := tx.OrganizationByID(ctx, issuerID)
	if err != nil {
		return issuedBy{}, err
	}
	by := issuedBy{party: billing.PartyOf(org), termsDays: policy.PaymentTermsDays}
	if org.Kind == mercato.KindPlatform {
		seller, err := tx.OperatorSettings(ctx)
		if err != nil {
			return by, err
		}
		by.party = seller.Issuer(org)
		if seller.PaymentTermsDays > 0 {
			by.termsDays = seller.PaymentTermsDays
		}
	}
	return by, nil
}

// stamp issues inv as number seq of its series now, by its issuer, and
// returns its balanced ledger entries.
func stamp(inv *billing.Invoice, by issuedBy, seq int64, now time.Time) ([]billing.Entry, error) {
	inv.Number = billing.Number(inv.Kind, now.Year(), seq)
	inv.Issuer = by.party
	inv.Status = billing.StatusIssued
	inv.IssuedAt = &now
	due := now.AddDate(0, 0, by.termsDays)
	if inv.Kind == billing.KindCreditNote {
		due = now
	}
	inv.DueAt = &due
	inv.UpdatedAt = now
	entries := billing.Entries(*inv)
	if !billing.Balanced(entries) {
		return nil, fmt.Errorf("invoice %d: ledger entries do not balance", inv.ID)
	}
	return entries, nil
}
