// Package lifecycle holds the use cases of a subscription's deployment
// status: the lifecycle actions (approve, deploy, suspend, terminate, …), a
// provider's report of a target status, payment and manual renewal. It
// decides who may do which action and which action applies (the state
// machine itself is internal/subscription's), and runs each change with its
// audit entry and outbox event in one transaction of a repository it
// defines here (Tx), which internal/store implements. It knows nothing of
// HTTP or SQL.
package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Tx is the repository a lifecycle change runs on, inside one transaction.
type Tx interface {
	charging.Tx
	// Now is the clock every timestamp of the transaction uses.
	Now() time.Time
	// SubscriptionForUpdate reads a subscription visible to p and locks it
	// for the rest of the transaction.
	SubscriptionForUpdate(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ProductByID(ctx context.Context, id int64) (catalog.Product, error)
	PlanByID(ctx context.Context, id int64) (catalog.Plan, error)
	// ChannelPrices reads the vendor's fee and the channel's price-list
	// entries for a plan above a reseller (given, or the customer's).
	ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error)
	// Rates: a customer's currency and the exchange-rate table.
	charging.Rates
	SaveSubscription(ctx context.Context, sub *subscription.Subscription) error
	InsertOrder(ctx context.Context, p mercato.Principal, o *subscription.Order) error
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
	RecordEvent(ctx context.Context, entity string, id int64, typ string, metadata map[string]string) error
}

// Reads are what the service reads outside a transaction: subscriptions
// as the store's visibility rules let the caller see them.
type Reads interface {
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ListSubscriptions(ctx context.Context, p mercato.Principal, f subscription.Filter, page mercato.Page) ([]subscription.Subscription, int64, error)
	// SubscriptionDetail returns a subscription with its product, plan,
	// buyer and provisioning data.
	SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (subscription.Detail, error)
	// SubscriptionPage lists one numbered page with the total count; when
	// expiringBefore is set, only live ones ending before it, soonest first.
	SubscriptionPage(ctx context.Context, p mercato.Principal, f subscription.Filter, expiringBefore time.Time, pg mercato.NumberedPage) ([]subscription.Subscription, int, error)
	ProductByID(ctx context.Context, id int64) (catalog.Product, error)
	// RevealedConfiguration reads a subscription's configuration with its
	// secret values opened (who may read it is the service's rule).
	RevealedConfiguration(ctx context.Context, subID int64) (map[string]any, error)
	Subscribers
	Acknowledgements
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs the lifecycle use cases.
type Service struct {
	reads Reads
	acks  Acknowledgements
	inTx  InTx
}

// New returns the lifecycle service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, acks: reads, inTx: inTx} }

// run runs fn in a transaction and names the subscription in its error.
func (s *Service) run(ctx context.Context, id int64, fn func(Tx) (subscription.Subscription, error)) (subscription.Subscription, error) {
	var sub subscription.Subscription
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		sub, err = fn(tx)
		return err
	})
	if err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	return sub, nil
}

// Step is a change to a subscription: it changes sub (and may write more
// through the transaction) and returns the event to record.
type Step func(sub *subscription.Subscription, prod catalog.Product) (event string, err error)

// Update loads a subscription visible to p in tx, checks that p may act on
// it in one of the capacities in who, applies fn, then saves it with its
// audit entry and event. The ordering service's CHANGE orders use it too.
func Update(ctx context.Context, tx Tx, p mercato.Principal, id int64, who Capacity, action string, fn Step) (subscription.Subscription, error) {
	sub, err := tx.SubscriptionForUpdate(ctx, p, id)
	if err != nil {
		return sub, err
	}
	return apply(ctx, tx, p, sub, who, action, fn)
}

func apply(ctx context.Context, tx Tx, p mercato.Principal, sub subscription.Subscription, who Capacity, action string, fn Step) (subscription.Subscription, error) {
	prod, err := tx.ProductByID(ctx, sub.ProductID)
	if err != nil {
		return sub, err
	}
	if err := authorize(p, sub, prod, who); err != nil {
		return sub, err
	}
	before := sub
	event, err := fn(&sub, prod)
	if err != nil {
		return sub, err
	}
	// Delivered, its held charges open; ended, those it does not owe are void.
	if err := charging.Transition(ctx, tx, sub.ID, before.Status, sub.Status); err != nil {
		return sub, err
	}
	if err := tx.SaveSubscription(ctx, &sub); err != nil {
		return sub, err
	}
	if err := tx.Audit(ctx, p, "subscription."+action, "subscription", sub.ID, subscription.Diff(before, sub)); err != nil {
		return sub, err
	}
	events := []string{event}
	if before.Status != sub.Status {
		// A move of status sends what the state machine says it sends.
		events = subscription.Events(before.Status, sub.Status)
	}
	for _, ev := range events {
		if err := tx.RecordEvent(ctx, subscription.EntitySubscription, sub.ID, ev, statusChange(before, sub)); err != nil {
			return sub, err
		}
	}
	return sub, nil
}

// statusChange is the metadata of an event that changes a subscription's
// deployment status: the status it moved to and the one it left, so that
// whoever reads the outbox (internal/notify, a vendor's webhook) knows
// what happened without reading the subscription again, which may have
// moved on since. A change that leaves the status as it was carries none.
func statusChange(before, after subscription.Subscription) map[string]string {
	if before.Status == after.Status {
		return nil
	}
	m := map[string]string{"deployment_status": string(after.Status), "previous_status": string(before.Status)}
	if after.RejectionReason != before.RejectionReason {
		m[MetaRejectionReason] = after.RejectionReason
	}
	return m
}

// MetaRejectionReason is the metadata of a rejection's event that holds
// the operator's reason (internal/notify tells the customer).
const MetaRejectionReason = "rejection_reason"

// move is the Step of a state-machine action.
func move(a subscription.Action) Step {
	return func(sub *subscription.Subscription, _ catalog.Product) (string, error) {
		to, err := subscription.Next(sub.Status, a)
		if err != nil {
			return "", err
		}
		sub.Status = to
		return subscription.EventModified, nil // apply sends the move's events
	}
}

// Act applies a lifecycle action to a subscription. A rejection takes a
// reason: it is Reject's.
func (s *Service) Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error) {
	who, ok := allowed[a]
	if !ok {
		return subscription.Subscription{}, mercato.Errorf(mercato.EINVALID, "unknown action %q", a)
	}
	if a == subscription.ActionReject {
		return s.Reject(ctx, p, id, "")
	}
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, who, string(a), step(ctx, tx, a))
	})
}

// Reject refuses an order that needs the operator's approval
// (REQUIRES_APPROVAL to UNDEPLOYED, nothing provisioned), with the
// operator's reason: required, at most subscription.MaxRejectionReason
// characters (surrounding spaces trimmed), kept on the subscription and
// carried by the event, so that the customer reads it on its page and in
// the e-mail that tells it. The platform only.
func (s *Service) Reject(ctx context.Context, p mercato.Principal, id int64, reason string) (subscription.Subscription, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return subscription.Subscription{}, mercato.Invalid("invalid rejection", mercato.FieldError{Path: "reason", Message: "required: tell the customer why its order is rejected"})
	case utf8.RuneCountInString(reason) > subscription.MaxRejectionReason:
		return subscription.Subscription{}, mercato.Invalid("invalid rejection", mercato.FieldError{Path: "reason", Message: fmt.Sprintf("at most %d characters", subscription.MaxRejectionReason)})
	}
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, allowed[subscription.ActionReject], string(subscription.ActionReject), func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
			ev, err := move(subscription.ActionReject)(sub, prod)
			sub.RejectionReason = reason
			return ev, err
		})
	})
}

// step is the Step of action a: the state machine's move, but for a
// termination, which a commitment may hold (terminate).
func step(ctx context.Context, tx Tx, a subscription.Action) Step {
	if a == subscription.ActionTerminate {
		return terminate(ctx, tx)
	}
	return move(a)
}

// terminate is the Step of a termination. A subscription held by a
// commitment (a plan whose commitment is longer than its period, see
// charging.CommitmentAt) ends at once only within the cancellation
// window of its term, with the rest of the current period refunded;
// outside it the termination is scheduled for the end of the term
// (TerminateAt), when the billing run ends it instead of renewing it,
// and the subscription goes on until then (a second request is 409). Any
// other subscription ends at once, as the state machine says.
func terminate(ctx context.Context, tx Tx) Step {
	return func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
		plan, err := tx.PlanByID(ctx, sub.PlanID)
		if err != nil {
			return "", err
		}
		now := tx.Now()
		pr := billing.NewPricer()
		c, err := charging.CommitmentAt(ctx, tx, pr, *sub, plan.Pricing, now)
		if err != nil {
			return "", err
		}
		switch {
		case !c.Committed:
		case c.InWindow:
			if err := charging.Refund(ctx, tx, pr, *sub, c, now); err != nil {
				return "", err
			}
		case sub.TerminateAt != nil:
			return "", mercato.Errorf(mercato.ECONFLICT, "subscription %d is committed until %s: its termination is already scheduled then",
				sub.ID, sub.TerminateAt.Format(time.DateOnly))
		default:
			end := sub.EndDate
			sub.TerminateAt = &end
			return subscription.EventModified, nil
		}
		return move(subscription.ActionTerminate)(sub, prod)
	}
}

// CancelTermination cancels the termination scheduled for the end of a
// committed term: the subscription renews (or not) as before. Whoever may
// terminate it may; 404 when none is scheduled.
func (s *Service) CancelTermination(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, allowed[subscription.ActionTerminate], "cancel_termination", func(sub *subscription.Subscription, _ catalog.Product) (string, error) {
			if sub.TerminateAt == nil {
				return "", mercato.Errorf(mercato.ENOTFOUND, "subscription %d has no termination scheduled", sub.ID)
			}
			if !subscription.Changeable(sub.Status) {
				return "", mercato.Errorf(mercato.ECONFLICT, "subscription %d has ended (%s)", sub.ID, sub.Status)
			}
			sub.TerminateAt = nil
			return subscription.EventModified, nil
		})
	})
}

// SetStatus moves a subscription to a status, as a provider reports it
// (Cloudesire's PATCH {"deploymentStatus": …}), through the action the
// state machine has for that move; a move it has none for is a conflict.
func (s *Service) SetStatus(ctx context.Context, p mercato.Principal, id int64, to subscription.Status) (subscription.Subscription, error) {
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		sub, err := tx.SubscriptionForUpdate(ctx, p, id)
		if err != nil {
			return sub, err
		}
		if sub.Status == to {
			// A report of the status it already has (a retried PATCH, a
			// vendor confirming UNDEPLOYED it was told of) changes nothing
			// and succeeds: no save, no audit entry, no event.
			prod, err := tx.ProductByID(ctx, sub.ProductID)
			if err != nil {
				return sub, err
			}
			return sub, authorize(p, sub, prod, MayReport)
		}
		a, err := subscription.ActionTo(sub.Status, to)
		if err != nil {
			return sub, err
		}
		if a == subscription.ActionReject {
			// A rejection takes the reason the customer reads: a report
			// of the status cannot give one.
			return sub, mercato.Errorf(mercato.ECONFLICT, "subscription %d: moving %s to %s rejects the order, which takes a reason: reject it (POST /api/v1/subscriptions/%d/reject)",
				sub.ID, sub.Status, to, sub.ID)
		}
		return apply(ctx, tx, p, sub, allowed[a], string(a), step(ctx, tx, a))
	})
}

// Pay records that a subscription is paid: an order waiting for payment is
// cleared for provisioning, and a trial becomes a normal subscription,
// charged from the end of its trial at the channel price of this moment.
func (s *Service) Pay(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, MayPay, "pay", func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
			if sub.Paid {
				return "", mercato.Errorf(mercato.ECONFLICT, "subscription %d is already paid", sub.ID)
			}
			if sub.Status.Final() || sub.Status == subscription.UndeploySent {
				return "", mercato.Errorf(mercato.ECONFLICT, "cannot pay a subscription in status %s", sub.Status)
			}
			sub.Paid = true
			if sub.Type == subscription.TypeTrial {
				if err := convert(ctx, tx, sub, prod); err != nil {
					return "", err
				}
			}
			if sub.Status == subscription.WaitingPayment {
				sub.Status = subscription.Cleared(prod.RequiresApproval)
			}
			return subscription.EventModified, nil
		})
	})
}

// convert makes a trial a normal subscription, charged from the end of
// its trial at the channel price of this moment (charging.Convert).
func convert(ctx context.Context, tx Tx, sub *subscription.Subscription, prod catalog.Product) error {
	sub.Type = subscription.TypeNormal
	v, err := soldNow(ctx, tx, sub, prod)
	if err != nil {
		return err
	}
	return charging.Convert(ctx, tx, billing.NewPricer(), sub, v)
}

// Convert turns a trial into a paid subscription now, at the customer's
// own request (or its channel's, or the platform's): it is charged as a
// trial converted by a payment is (from the end of its trial, at the
// channel price of this moment), and keeps its status and paid flag. Only
// a live trial converts (409 otherwise).
func (s *Service) Convert(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, MayConvert, "convert", func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
			if sub.Type != subscription.TypeTrial {
				return "", mercato.Errorf(mercato.ECONFLICT, "subscription %d is not a trial (%s)", sub.ID, sub.Type)
			}
			if sub.Status.Final() || sub.Status == subscription.UndeploySent {
				return "", mercato.Errorf(mercato.ECONFLICT, "cannot convert a subscription in status %s", sub.Status)
			}
			if err := convert(ctx, tx, sub, prod); err != nil {
				return "", err
			}
			return subscription.EventModified, nil
		})
	})
}

// soldNow is the version a subscription's plan and quantity sell at now,
// through its customer's channel, in its customer's currency (which the
// subscription takes).
func soldNow(ctx context.Context, tx Tx, sub *subscription.Subscription, prod catalog.Product) (billing.Version, error) {
	plan, err := tx.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return billing.Version{}, err
	}
	prices, err := tx.ChannelPrices(ctx, plan.ID, prod.VendorID, 0, sub.CustomerID)
	if err != nil {
		return billing.Version{}, err
	}
	v, err := billing.NewVersion(plan.ID, plan.Name, sub.Quantity, plan.Pricing, prod.VendorID, prices)
	if err != nil {
		return v, mercato.Prefixed(err, "")
	}
	// In the customer's currency, at the rate of this moment.
	if v, err = charging.InCurrency(ctx, tx, v, sub.CustomerID, tx.Now()); err != nil {
		return v, err
	}
	sub.Currency = v.Currency()
	return v, nil
}

// Renew extends a live subscription by its plan's term (counted from its
// anchor), with a RENEWAL order at the customer's channel price (no setup
// fee), charged as the term's periods begin (see charging.Renew).
func (s *Service) Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, MayRenew, "renew", func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
			if sub.Status != subscription.Deployed && sub.Status != subscription.Stopped {
				return "", mercato.Errorf(mercato.ECONFLICT, "cannot renew a subscription in status %s", sub.Status)
			}
			sc, err := tx.ChargeSchedule(ctx, sub.ID)
			if err != nil {
				return "", err
			}
			pr := billing.NewPricer()
			// A downgrade scheduled within the term renewed is what the
			// renewal sells: the subscription takes it now, a renewal ahead
			// of the term's end being the sale of what follows it.
			if _, err := charging.Apply(pr, sub, sc, sub.EndDate); err != nil {
				return "", err
			}
			v, err := soldNow(ctx, tx, sub, prod)
			if err != nil {
				return "", err
			}
			_, term, err := v.Pricing.Periods()
			if err != nil {
				return "", err
			}
			oldEnd := sub.EndDate
			sub.EndDate = billing.TermEnd(billing.TermAnchor(sc.Anchor, oldEnd), term, oldEnd)
			q, err := pr.Quote(v, false)
			if err != nil {
				return "", mercato.Prefixed(err, "")
			}
			// With the coupon's discount when it lasts for the new term's
			// first period.
			if q, err = charging.RenewalQuote(sc, v, q, oldEnd); err != nil {
				return "", err
			}
			order := subscription.Order{
				Type: subscription.OrderRenewal, CustomerID: sub.CustomerID, PlanID: v.PlanID, SubscriptionID: sub.ID,
				Quantity: sub.Quantity, Configuration: sub.Configuration, Currency: q.Currency, Total: q.Total, Lines: q.Lines, CreatedAt: tx.Now(),
			}
			if err := tx.InsertOrder(ctx, p, &order); err != nil {
				return "", err
			}
			if err := charging.Renew(ctx, tx, pr, *sub, oldEnd, v, order.ID, tx.Now()); err != nil {
				return "", err
			}
			return subscription.EventModified, nil
		})
	})
}

// SetName gives a subscription a descriptive name ("" clears it), as
// Cloudesire's SET_NAME does: a MODIFIED event tells the provider; the same
// name again changes nothing and records no event.
func (s *Service) SetName(ctx context.Context, p mercato.Principal, id int64, name string) (subscription.Subscription, error) {
	if err := subscription.ValidateName(name); err != nil {
		return subscription.Subscription{}, err
	}
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		sub, err := tx.SubscriptionForUpdate(ctx, p, id)
		if err != nil {
			return sub, err
		}
		if sub.Name == name {
			prod, err := tx.ProductByID(ctx, sub.ProductID)
			if err != nil {
				return sub, err
			}
			return sub, authorize(p, sub, prod, MayName)
		}
		return apply(ctx, tx, p, sub, MayName, "name", func(sub *subscription.Subscription, _ catalog.Product) (string, error) {
			sub.Name = name
			return subscription.EventModified, nil
		})
	})
}

// Configuration returns the configuration of a subscription visible to p:
// its secret values opened for its provider (the product's vendor; the
// platform for the products its connectors provision), which needs them to
// provision, and shown as subscription.Masked to everyone else.
func (s *Service) Configuration(ctx context.Context, p mercato.Principal, id int64) (map[string]any, error) {
	sub, err := s.reads.Subscription(ctx, p, id)
	if err != nil {
		return nil, err
	}
	prod, err := s.reads.ProductByID(ctx, sub.ProductID)
	if err != nil {
		return nil, err
	}
	if !RevealsSecrets(p, prod) {
		return sub.Configuration, nil
	}
	return s.reads.RevealedConfiguration(ctx, id)
}

// RenewTrial turns a delivered trial into a paid subscription at the
// request of its provider, as Cloudesire's PATCH {"action": "renew"} does
// for a trial ("renewing it" for its first paid term): the customer's
// channel, the platform and the product's vendor may; it must be DEPLOYED.
// It charges as Convert does.
func (s *Service) RenewTrial(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.run(ctx, id, func(tx Tx) (subscription.Subscription, error) {
		return Update(ctx, tx, p, id, MayConvert|Provider, "convert", func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
			if sub.Type != subscription.TypeTrial {
				return "", mercato.Errorf(mercato.ECONFLICT, "subscription %d is not a trial (%s)", sub.ID, sub.Type)
			}
			if sub.Status != subscription.Deployed {
				return "", mercato.Errorf(mercato.ECONFLICT, "only a DEPLOYED trial is renewed to paid, not a %s one", sub.Status)
			}
			if err := convert(ctx, tx, sub, prod); err != nil {
				return "", err
			}
			return subscription.EventModified, nil
		})
	})
}
