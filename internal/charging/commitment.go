package charging

import (
	"context"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Commitment is where a subscription stands in a committed term (a plan
// with a commitment longer than its billing period: annual commitment,
// monthly billing, Microsoft's new commerce).
type Commitment struct {
	Committed   bool      // its plan, as sold, binds it for the term
	TermStart   time.Time // the start of the term holding the instant asked about
	TermEnd     time.Time // its end, when it renews
	WindowEnd   time.Time // the end of that term's cancellation window (TermStart when there is none)
	InWindow    bool      // the instant is within the cancellation window
	version     billing.Version
	hasSchedule bool
}

// CommitmentAt says where sub stands in its commitment at instant at,
// from the version it was sold at (its schedule's; the plan's pricing p
// for a schedule from before the charge ledger). Only a paid (NORMAL)
// subscription that is running or stopped is held by a commitment: one
// not yet delivered, a trial or a sandbox ends as any other.
func CommitmentAt(ctx context.Context, tx Tx, pr *billing.Pricer, sub subscription.Subscription, p pricing.Pricing, at time.Time) (Commitment, error) {
	if sub.Type != subscription.TypeNormal || (sub.Status != subscription.Deployed && sub.Status != subscription.Stopped) {
		return Commitment{}, nil
	}
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return Commitment{}, err
	}
	v, err := pr.Version(sc.Version)
	if err != nil {
		return Commitment{}, err
	}
	if !v.IsZero() {
		p = v.Pricing
	}
	window, committed := p.Committed()
	if !committed || sc.Anchor.IsZero() {
		return Commitment{}, nil
	}
	_, term, err := p.Periods()
	if err != nil {
		return Commitment{}, fmt.Errorf("subscription %d term: %w", sub.ID, err)
	}
	tw := billing.WindowAt(billing.TermAnchor(sc.Anchor, sub.EndDate), term, at)
	end := tw.From.AddDate(0, 0, window)
	return Commitment{Committed: true, TermStart: tw.From, TermEnd: tw.To, WindowEnd: end, InWindow: at.Before(end), version: v, hasSchedule: !v.IsZero()}, nil
}

// Refund gives back, when a commitment is terminated within its
// cancellation window at instant at, the rest of the period holding at:
// the periods begun by then are charged first (as the billing run would),
// then the hours left of the current one are refunded as a negative
// charge at the version it was sold at (billing.Pricer.Refund), split
// among the parties as its price was. The periods after it, charged in
// advance, are voided by the termination itself (Transition).
func Refund(ctx context.Context, tx Tx, pr *billing.Pricer, sub subscription.Subscription, c Commitment, at time.Time) error {
	if !c.Committed || !c.hasSchedule {
		return nil
	}
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return err
	}
	begun, err := Through(pr, Of(sub), &sc, at, 0)
	if err != nil {
		return err
	}
	v, err := pr.Version(sc.Version)
	if err != nil {
		return err
	}
	period, _, err := v.Pricing.Periods()
	if err != nil {
		return err
	}
	var refund []billing.Charge
	if w := billing.WindowAt(sc.Anchor, period, at); !w.To.After(sc.ChargedUntil) {
		if refund, err = pr.Refund(sub.ID, v, w, at); err != nil {
			return err
		}
		state := billing.InitialState(string(sub.Status), !sc.DeliveredAt.IsZero())
		for i := range refund {
			refund[i].CustomerID, refund[i].State = sub.CustomerID, state
		}
	}
	return write(ctx, tx, sc, append(begun, refund...))
}
