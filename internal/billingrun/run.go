package billingrun

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Options configure a billing run.
type Options struct {
	Period billing.Month
	// AsOf is the instant renewals and dunning are decided at; zero: now.
	AsOf time.Time
	// Customers is how many customers one transaction bills (default 500).
	Customers int
	Tax       *billing.TaxPolicy     // default: the operator's rates valid on the invoice date
	Dunning   *billing.DunningPolicy // default the service's (WithDunning), else billing.DefaultDunning()
	// Draft leaves the new invoices as drafts, without numbers.
	Draft bool
	// AfterChunk, when set, is called after each committed transaction
	// with the number of subscriptions billed so far; an error stops the
	// run there (tests inject crashes with it).
	AfterChunk func(billed int) error
	Log        *slog.Logger
}

// RunBilling closes a month (only the platform may): it renews or ends the
// subscriptions whose term is over, charges the periods of terms that have
// begun and the usage of periods that have ended by AsOf, invoices every
// open charge due before the month's end into one invoice per customer,
// issuer and currency, issues them with gapless numbers, posts the channel
// split to the ledger, and then runs dunning. It works customer by
// customer in transactions of opts.Customers; every charge has a unique key
// and is invoiced once, so a run that is repeated, or resumed after a
// crash, bills only what is missing.
func (s *Service) RunBilling(ctx context.Context, p mercato.Principal, opts Options) (billing.Run, error) {
	if !p.IsPlatform() || !p.CanWrite() {
		return billing.Run{}, mercato.Errorf(mercato.EFORBIDDEN, "only the platform runs billing")
	}
	if opts.Period.Year == 0 {
		return billing.Run{}, mercato.Invalid("invalid billing run", mercato.FieldError{Path: "period", Message: "is required"})
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = s.reads.Clock()
	}
	opts.AsOf = opts.AsOf.UTC().Truncate(time.Microsecond)
	if opts.Customers <= 0 {
		opts.Customers = 500
	}
	if opts.Dunning == nil {
		d := s.dunning
		opts.Dunning = &d
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	started := s.reads.Clock()
	run := billing.Run{Period: opts.Period.String(), AsOf: opts.AsOf, Status: "running", StartedAt: started, LeaseUntil: started.Add(RunLease)}
	abandoned, err := s.reads.StartBillingRun(ctx, &run)
	if err != nil {
		return run, err
	}
	for _, id := range abandoned {
		opts.Log.WarnContext(ctx, "billing run abandoned: its process stopped; this run takes over", "abandoned", id, "run", run.ID)
	}
	err = s.runBilling(ctx, &run, opts)
	run.Status = "finished"
	if err != nil {
		run.Status, run.Error = "failed", err.Error()
	}
	now := s.reads.Clock()
	run.FinishedAt = &now
	if ferr := s.reads.FinishBillingRun(context.WithoutCancel(ctx), run); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return run, fmt.Errorf("billing run %d for %s: %w", run.ID, run.Period, err)
	}
	opts.Log.InfoContext(ctx, "billing run finished", "run", run.ID, "period", run.Period, "subscriptions", run.Subscriptions,
		"invoices", run.Invoices, "lines", run.Lines, "renewed", run.Renewed, "ended", run.Ended)
	return run, nil
}

// ListBillingRuns lists the latest billing runs, newest first (the
// platform only).
func (s *Service) ListBillingRuns(ctx context.Context, p mercato.Principal, limit int) ([]billing.Run, error) {
	if !p.IsPlatform() {
		return nil, mercato.Errorf(mercato.EFORBIDDEN, "only the platform sees billing runs")
	}
	return s.reads.BillingRuns(ctx, limit)
}

// RunLease is how long a running billing run holds its lease without
// renewing it (it renews after every chunk of customers): a run whose
// lease ran out is taken for dead, and the next run takes over.
const RunLease = 10 * time.Minute

func (s *Service) runBilling(ctx context.Context, run *billing.Run, opts Options) error {
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return err
	}
	pr := billing.NewPricer()
	if err := s.renewAll(ctx, sp, pr, run, opts); err != nil {
		return err
	}
	if err := s.noticeAll(ctx, sp, run, opts); err != nil {
		return err
	}
	b := &biller{opts: opts, run: run, pricer: pr, sp: sp}
	if b.platform, err = s.reads.OrganizationByID(ctx, sp.OrgID); err != nil {
		return err
	}
	if b.selfBill, err = s.reads.SelfBillingResellers(ctx); err != nil {
		return err
	}
	after := int64(0)
	for {
		ids, err := s.reads.CustomersToBill(ctx, after, opts.Customers)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		lo, hi := after, ids[len(ids)-1]
		if err := s.inTx(ctx, func(tx Tx) error { return b.chunk(ctx, tx, lo, hi) }); err != nil {
			return err
		}
		after = hi
		if err := s.reads.RenewBillingRun(ctx, run.ID, s.reads.Clock().Add(RunLease)); err != nil {
			return err
		}
		if opts.AfterChunk != nil {
			if err := opts.AfterChunk(run.Subscriptions); err != nil {
				return err
			}
		}
	}
	_, err = s.runDunning(ctx, sp, opts.AsOf, *opts.Dunning)
	return err
}

// renewAll renews or ends every subscription whose term is over at AsOf,
// one transaction per subscription, each with its MODIFIED event.
func (s *Service) renewAll(ctx context.Context, sp mercato.Principal, pr *billing.Pricer, run *billing.Run, opts Options) error {
	ids, err := s.reads.SubscriptionsToRenew(ctx, opts.AsOf)
	if err != nil {
		return err
	}
	for _, id := range ids {
		var action string
		err := s.inTx(ctx, func(tx Tx) error {
			var err error
			action, err = renew(ctx, tx, pr, sp, id, opts.AsOf)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("renew subscription %d: %w", id, err)
			}
			// One subscription that cannot be renewed (a channel price that
			// no longer prices) does not stop the others': its term stays
			// over, and the next run tries again.
			skip(ctx, run, opts, id, "renewal", err)
			continue
		}
		switch action {
		case billing.RenewalRenew:
			run.Renewed++
		case billing.RenewalEnd:
			run.Ended++
		}
	}
	return nil
}

// skip records that a run left a subscription for the next one, and why.
func skip(ctx context.Context, run *billing.Run, opts Options, sub int64, step string, err error) {
	run.Skipped++
	run.Skips = append(run.Skips, billing.Skip{SubscriptionID: sub, Step: step, Reason: err.Error()})
	opts.Log.WarnContext(ctx, "billing run skipped a subscription; the next run tries again", "run", run.ID, "subscription", sub, "step", step, "err", err)
}

// renew applies the renewal decision to one subscription: a RENEWAL order
// at the channel price of the moment and the charges of its term's periods
// begun by asOf, with a new end date; or the end of the subscription
// (UNDEPLOY_SENT), voiding what it no longer owes.
func renew(ctx context.Context, tx Tx, pr *billing.Pricer, sp mercato.Principal, id int64, asOf time.Time) (string, error) {
	sub, err := tx.LockSubscription(ctx, sp, id)
	if err != nil {
		return "", err
	}
	before := sub.Status
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return "", err
	}
	// A downgrade due at the end of the term is what the next term sells.
	if _, err := charging.Apply(pr, &sub, sc, asOf); err != nil {
		return "", err
	}
	plan, err := tx.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return "", err
	}
	bs := charging.Of(sub)
	bs.Anchor, bs.Pricing = sc.Anchor, plan.Pricing
	action, newEnd, err := billing.RenewalDecision(bs, asOf)
	switch {
	case err != nil:
		return "", err
	case action == billing.RenewalRenew:
		prod, err := tx.ProductByID(ctx, sub.ProductID)
		if err != nil {
			return "", err
		}
		prices, err := tx.ChannelPrices(ctx, plan.ID, prod.VendorID, 0, sub.CustomerID)
		if err != nil {
			return "", err
		}
		v, err := billing.NewVersion(plan.ID, plan.Name, sub.Quantity, plan.Pricing, prod.VendorID, prices)
		if err != nil {
			return "", fmt.Errorf("renewal price: %w", err)
		}
		// The next term is sold in the customer's currency at the rate of
		// the renewal's day; without one the renewal waits (skipped with
		// the reason) for the operator to set it.
		if v, err = charging.InCurrency(ctx, tx, v, sub.CustomerID, asOf); err != nil {
			return "", fmt.Errorf("renewal price: %w", err)
		}
		sub.Currency = v.Currency()
		q, err := pr.Quote(v, false)
		if err != nil {
			return "", fmt.Errorf("renewal price: %w", err)
		}
		oldEnd := sub.EndDate
		sub.EndDate = newEnd
		order := subscription.Order{Type: subscription.OrderRenewal, CustomerID: sub.CustomerID, PlanID: plan.ID, SubscriptionID: sub.ID,
			Quantity: sub.Quantity, Configuration: sub.Configuration, Currency: q.Currency, Total: q.Total, Lines: q.Lines, CreatedAt: tx.Now()}
		if err := tx.InsertRenewalOrder(ctx, sp, &order); err != nil {
			return "", err
		}
		if err := charging.Renew(ctx, tx, pr, sub, oldEnd, v, order.ID, asOf); err != nil {
			return "", err
		}
	case action == billing.RenewalEnd:
		if sub.Status, err = subscription.Next(sub.Status, subscription.ActionTerminate); err != nil {
			return "", err
		}
	default:
		return action, nil
	}
	return action, modify(ctx, tx, &sub, before, action)
}

// modify saves a subscription billing changed, with its MODIFIED event and
// what its move from status before means for its charges (ended, those it
// no longer owes are void; delivered, its held charges open).
func modify(ctx context.Context, tx Tx, sub *subscription.Subscription, before subscription.Status, reason string) error {
	if err := charging.Transition(ctx, tx, sub.ID, before, sub.Status); err != nil {
		return err
	}
	return tx.ModifySubscription(ctx, sub, reason)
}

// ListPayments lists the payments recorded, newest first (received
// through the provider or marked paid, in full or in part, and refunds),
// each with its invoice and customer: the platform only.
func (s *Service) ListPayments(ctx context.Context, p mercato.Principal, f billing.PaymentFilter) ([]billing.ListedPayment, error) {
	if !p.IsPlatform() {
		return nil, mercato.Errorf(mercato.EFORBIDDEN, "only the platform lists payments")
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return s.reads.AllPayments(ctx, f)
}
