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
	Tax       *billing.TaxPolicy // default: the operator's rates valid on the invoice date
	// Dunning defaults to the service's (WithDunning), else
	// billing.DefaultDunning(); the operator's saved dunning settings
	// replace its suspension either way.
	Dunning *billing.DunningPolicy
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
// customer in transactions of opts.Customers, recording its progress and
// renewing its lease after each; every charge has a unique key and is
// invoiced once, so a run that is repeated, or resumed after a crash,
// bills only what is missing. Only one run holds the lease at a time:
// while another runs, it answers a conflict naming it (*billing.Running).
// It returns once the run has ended; StartBilling returns at once.
func (s *Service) RunBilling(ctx context.Context, p mercato.Principal, opts Options) (billing.Run, error) {
	opts, err := s.prepare(ctx, p, opts)
	if err != nil {
		return billing.Run{}, err
	}
	run, err := s.begin(ctx, opts)
	if err != nil {
		return run, err
	}
	return s.complete(ctx, run, opts)
}

// StartBilling records a billing run, as RunBilling does, and returns it
// at once, running: the run goes on in the background, in a goroutine of
// this process, which Background stops (the run is then recorded failed,
// and the next one bills what it left). Its progress is read with
// BillingRun.
func (s *Service) StartBilling(ctx context.Context, p mercato.Principal, opts Options) (billing.Run, error) {
	opts, err := s.prepare(ctx, p, opts)
	if err != nil {
		return billing.Run{}, err
	}
	s.mu.Lock()
	if s.jobCtx.Err() != nil {
		s.mu.Unlock()
		return billing.Run{}, mercato.Errorf(mercato.ECONFLICT, "the server is stopping; start the billing run again on another")
	}
	s.jobs.Add(1)
	s.mu.Unlock()
	run, err := s.begin(ctx, opts)
	if err != nil {
		s.jobs.Done()
		return run, err
	}
	go func() {
		defer s.jobs.Done()
		if _, err := s.complete(s.jobCtx, run, opts); err != nil {
			opts.Log.Error("billing run failed", "run", run.ID, "period", run.Period, "err", err)
		}
	}()
	return run, nil
}

// Background owns the runs StartBilling starts in this process: serve
// runs it with its other workers. When ctx ends it stops them (each is
// recorded failed: the server stopped) and returns once they have.
func (s *Service) Background(ctx context.Context) error {
	<-ctx.Done()
	s.mu.Lock()
	s.stopJobs()
	s.mu.Unlock()
	s.jobs.Wait()
	return nil
}

// BillingRun returns a run with its progress, and once it has ended what
// it skipped and why (the platform only).
func (s *Service) BillingRun(ctx context.Context, p mercato.Principal, id int64) (billing.Run, error) {
	if !p.IsPlatform() {
		return billing.Run{}, mercato.Errorf(mercato.EFORBIDDEN, "only the platform sees billing runs")
	}
	return s.reads.BillingRun(ctx, id)
}

// prepare checks who runs billing and fills in the options' defaults.
func (s *Service) prepare(ctx context.Context, p mercato.Principal, opts Options) (Options, error) {
	if !p.IsPlatform() || !p.CanWrite() {
		return opts, mercato.Errorf(mercato.EFORBIDDEN, "only the platform runs billing")
	}
	if opts.Period.Year == 0 {
		return opts, mercato.Invalid("invalid billing run", mercato.FieldError{Path: "period", Message: "is required"})
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = s.reads.Clock()
	}
	opts.AsOf = opts.AsOf.UTC().Truncate(time.Microsecond)
	if opts.Customers <= 0 {
		opts.Customers = s.customers
	}
	if opts.Dunning == nil {
		d := s.dunning
		opts.Dunning = &d
	}
	// The operator's saved settings win over the configuration's.
	if d, found, err := s.reads.DunningSettings(ctx); err != nil {
		return opts, err
	} else if found {
		policy := d.Apply(*opts.Dunning)
		opts.Dunning = &policy
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return opts, nil
}

// begin records the run, taking the lease.
func (s *Service) begin(ctx context.Context, opts Options) (billing.Run, error) {
	started := s.reads.Clock()
	run := billing.Run{Period: opts.Period.String(), AsOf: opts.AsOf, Status: "running", StartedAt: started, LeaseUntil: started.Add(RunLease)}
	abandoned, err := s.reads.StartBillingRun(ctx, &run)
	if err != nil {
		return run, err
	}
	for _, id := range abandoned {
		opts.Log.WarnContext(ctx, "billing run abandoned: its process stopped; this run takes over", "abandoned", id, "run", run.ID)
	}
	return run, nil
}

// complete does the run's work and records how it ended.
func (s *Service) complete(ctx context.Context, run billing.Run, opts Options) (billing.Run, error) {
	err := s.runBilling(ctx, &run, opts)
	run.Status = "finished"
	if err != nil {
		run.Status, run.Error = "failed", err.Error()
		if ctx.Err() != nil {
			run.Error = "the server stopped before the run finished (" + err.Error() + "); running the month again bills only what is missing"
		}
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
	if run.Customers, err = s.reads.CountCustomersToBill(ctx); err != nil {
		return err
	}
	if err := s.progress(ctx, run); err != nil {
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
		run.CustomersDone += len(ids)
		if err := s.progress(ctx, run); err != nil {
			return err
		}
		if s.afterChunk != nil {
			s.afterChunk(ctx, *run)
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

// progress records the run's counts so far and renews its lease.
func (s *Service) progress(ctx context.Context, run *billing.Run) error {
	run.LeaseUntil = s.reads.Clock().Add(RunLease)
	return s.reads.RenewBillingRun(ctx, *run)
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
		// The order shows the coupon's discount when it still lasts for
		// the term's first period.
		if q, err = charging.RenewalQuote(sc, v, q, sub.EndDate); err != nil {
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
