package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// Subscription is a customer's running purchase of a plan.
type Subscription struct {
	ID               int64          `json:"id"`
	CustomerID       int64          `json:"customer_id"`
	ResellerID       *int64         `json:"reseller_id" nullable:"true"`
	ProductID        int64          `json:"product_id"`
	PlanID           int64          `json:"plan_id"`
	Type             string         `json:"type" enum:"NORMAL,TRIAL,SANDBOX"`
	DeploymentStatus string         `json:"deployment_status" enum:"WAITING_PAYMENT,PAYMENT_EXPIRED,REQUIRES_APPROVAL,PENDING,POST_CONFIGURATION,DEPLOYED,FAILED,STOPPED,UNDEPLOY_SENT,UNDEPLOYED"`
	Paid             bool           `json:"paid" doc:"cleared for provisioning: paid, or bought on account"`
	AutoRenew        bool           `json:"auto_renew"`
	Quantity         int64          `json:"quantity"`
	Configuration    map[string]any `json:"configuration"`
	Currency         string         `json:"currency"`
	StartDate        time.Time      `json:"start_date"`
	EndDate          time.Time      `json:"end_date"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	// Renewal is the renewal call-to-action of a live subscription (on
	// GET of one subscription; lists leave it out, see /renewal).
	Renewal *Renewal `json:"renewal,omitempty"`
	// ScheduledChange is the downgrade waiting for the end of the period
	// charged (on GET of one subscription and the answers of a change).
	ScheduledChange *ScheduledChange `json:"scheduled_change,omitempty"`
	// TerminateAt is when a termination asked for outside a commitment's
	// cancellation window takes effect.
	NextPrice *NextPrice `json:"next_price,omitempty"` // a price the renewal changes (on GET of one subscription)
	// TermsAcceptance is the publisher's terms the buyer accepted with
	// the order (on GET of one subscription of a product that has them).
	TermsAcceptance *TermsAcceptance `json:"terms_acceptance,omitempty"`
	TerminateAt     *time.Time       `json:"terminate_at,omitempty" doc:"a committed subscription terminated outside its cancellation window ends then (the end of its term) instead of renewing; DELETE …/scheduled-termination cancels it"`
	RejectionReason string           `json:"rejection_reason,omitempty" doc:"why the operator rejected the order that needed its approval (POST …/reject)"`
}

// TermsAcceptance is the record of a buyer accepting a product's publisher
// terms at checkout.
type TermsAcceptance struct {
	OrderID         int64     `json:"order_id"`
	UserID          int64     `json:"user_id" doc:"the user who accepted; 0 for an organization's API token"`
	OrganizationID  int64     `json:"organization_id" doc:"the organization the user acted for"`
	AcceptedAt      time.Time `json:"accepted_at"`
	Version         string    `json:"version" doc:"identifies the links and summary accepted"`
	LicenseLink     string    `json:"license_link,omitempty"`
	PrivacyLink     string    `json:"privacy_link,omitempty"`
	MarketplaceLink string    `json:"marketplace_link,omitempty"`
	Summary         string    `json:"summary,omitempty"`
}

func termsAcceptanceOf(a catalog.TermsAcceptance) *TermsAcceptance {
	return &TermsAcceptance{OrderID: a.OrderID, UserID: a.UserID, OrganizationID: a.OrganizationID, AcceptedAt: a.AcceptedAt, Version: a.Version,
		LicenseLink: a.Terms.LicenseLink, PrivacyLink: a.Terms.PrivacyLink, MarketplaceLink: a.Terms.MarketplaceLink, Summary: a.Terms.Summary}
}

// ScheduledChange is a downgrade (fewer seats, a cheaper plan) sold and not
// yet in effect.
type ScheduledChange struct {
	PlanID      int64     `json:"plan_id" doc:"The plan from then"`
	Quantity    int64     `json:"quantity" doc:"The seats from then"`
	EffectiveAt time.Time `json:"effective_at" doc:"When it takes effect: the end of the period already charged"`
}

// withScheduled adds the downgrade scheduled on sub to its body.
func (s *Server) withScheduled(ctx context.Context, sub subscription.Subscription) (*Output[Subscription], error) {
	body := subscriptionOf(sub)
	sc, err := s.services.Orders.ScheduledChange(ctx, principal(ctx), sub.ID)
	if err != nil {
		return nil, err
	}
	if sc != nil {
		body.ScheduledChange = &ScheduledChange{PlanID: sc.PlanID, Quantity: sc.Quantity, EffectiveAt: sc.From}
	}
	return out(body), nil
}

// NextPrice is a price waiting for a subscription's renewal: the plan's
// price (or a markup) changed since it was sold; it pays the old one
// until the renewal.
type NextPrice struct {
	PeriodPrice        string    `json:"period_price" doc:"one billing period from effective_at"`
	CurrentPeriodPrice string    `json:"current_period_price" doc:"one billing period until then"`
	Currency           string    `json:"currency"`
	EffectiveAt        time.Time `json:"effective_at" doc:"the renewal that applies it (the end of the current term)"`
}

func subscriptionOf(s subscription.Subscription) Subscription {
	return Subscription{ID: s.ID, CustomerID: s.CustomerID, ResellerID: s.ResellerID, ProductID: s.ProductID, PlanID: s.PlanID, Type: string(s.Type),
		DeploymentStatus: string(s.Status), Paid: s.Paid, AutoRenew: s.AutoRenew, Quantity: s.Quantity, Configuration: s.Configuration,
		Currency: s.Currency, StartDate: s.StartDate, EndDate: s.EndDate, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, TerminateAt: s.TerminateAt,
		RejectionReason: s.RejectionReason}
}

// SubscriptionUpdate is the body of PATCH /api/v1/subscriptions/{id}: a
// provider reports a deployment status, a customer changes seats, plan or
// renewal.
type SubscriptionUpdate struct {
	DeploymentStatus string `json:"deployment_status,omitempty" enum:"REQUIRES_APPROVAL,PENDING,POST_CONFIGURATION,DEPLOYED,FAILED,STOPPED,UNDEPLOY_SENT,UNDEPLOYED,PAYMENT_EXPIRED"`
	Quantity         *int64 `json:"quantity,omitempty" minimum:"1" maximum:"1000000000"` // the schema shows subscription.MaxQuantity, which the services enforce
	PlanID           *int64 `json:"plan_id,omitempty" minimum:"1"`
	AutoRenew        *bool  `json:"auto_renew,omitempty"`
	AtRenewal        bool   `json:"at_renewal,omitempty" doc:"Schedule the seat or plan change for the end of the current term (the renewal) instead of now: nothing is charged or refunded, shown as scheduled_change until then. How a committed subscription past its cancellation window takes fewer seats or a cheaper plan."`
}

// subscriptionActions are the lifecycle steps offered as
// POST /api/v1/subscriptions/{id}/{action}.
var subscriptionActions = []struct {
	path, summary, description string
	do                         func(l Lifecycle, ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
}{
	{"pay", "Record payment: clears an order for provisioning, converts a trial",
		"Records that the subscription is paid: an order waiting for payment becomes PENDING and paid (cleared for provisioning), a trial becomes NORMAL. The platform and the customer's reseller or distributor record payments. Writes a Subscription MODIFIED event.",
		Lifecycle.Pay},
	{"convert", "Convert a trial to paid now",
		"Turns a live trial into a paid (NORMAL) subscription now: it is charged from the end of its trial, at the customer's channel price of this moment, as a payment recorded on a trial charges it; its status and paid flag stay as they are. The customer (admin or manager), its reseller or distributor and the platform convert. 409 when it is not a trial or has ended. Writes a Subscription MODIFIED event.",
		Lifecycle.Convert},
	{"approve", "Approve an order awaiting approval (platform)",
		"Clears an order of a product that requires approval: REQUIRES_APPROVAL becomes PENDING. Platform only. Writes a Subscription MODIFIED event.",
		act(subscription.ActionApprove)},
	{"suspend", "Suspend a deployed subscription",
		"Suspends a DEPLOYED subscription (STOPPED), e.g. for non-payment; its provider is notified and stops the service. The platform, the product's vendor and the customer's reseller or distributor suspend. Writes a Subscription MODIFIED event.",
		act(subscription.ActionSuspend)},
	{"resume", "Resume a suspended subscription",
		"Restarts a STOPPED subscription (DEPLOYED again). The platform, the product's vendor and the customer's reseller or distributor resume. Writes a Subscription MODIFIED event.",
		act(subscription.ActionResume)},
	{"terminate", "End a subscription: the provider deprovisions it",
		"Ends a subscription: one with nothing provisioned yet becomes UNDEPLOYED at once, any other UNDEPLOY_SENT until its provider deprovisions and reports UNDEPLOYED. A subscription held by a commitment (its plan's commitment is longer than its period) ends at once only within the cancellation window of its term, with the rest of the current period refunded (a negative charge); outside it the termination is scheduled for the end of the term (terminate_at; a second request is 409, DELETE …/scheduled-termination cancels it). The customer, its reseller or distributor and the platform terminate. Writes a Subscription MODIFIED event.",
		act(subscription.ActionTerminate)},
	{"retry", "Provision a failed subscription again",
		"Moves a FAILED subscription back to PENDING, so that its provider provisions it again. The platform and the product's vendor retry. Writes a Subscription MODIFIED event.",
		act(subscription.ActionRetry)},
	{"renew", "Extend a live subscription by its term (platform)",
		"Extends a live subscription's end date by its plan's term now, as a billing run does when the term ends. Platform only. Writes a Subscription MODIFIED event.",
		Lifecycle.Renew},
}

func act(a subscription.Action) func(Lifecycle, context.Context, mercato.Principal, int64) (subscription.Subscription, error) {
	return func(l Lifecycle, ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
		return l.Act(ctx, p, id, a)
	}
}

func (s *Server) registerSubscriptions() {
	tags := []string{"Subscriptions"}
	register(s, huma.Operation{OperationID: "list-subscriptions", Description: "Lists the subscriptions the caller can see, one page at a time: a customer its own, a reseller or distributor its customers', a vendor those of its products, the platform all. Filters by customer, product and deployment status. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/subscriptions", Summary: "List subscriptions you can see", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			CustomerID int64  `query:"customer_id" minimum:"0"`
			ProductID  int64  `query:"product_id" minimum:"0"`
			Status     string `query:"deployment_status" enum:"WAITING_PAYMENT,PAYMENT_EXPIRED,REQUIRES_APPROVAL,PENDING,POST_CONFIGURATION,DEPLOYED,FAILED,STOPPED,UNDEPLOY_SENT,UNDEPLOYED"`
		}) (*ListOutput[Subscription], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]subscription.Subscription, int64, error) {
				return s.services.Lifecycle.ListSubscriptions(ctx, principal(ctx), subscription.Filter{CustomerID: in.CustomerID, ProductID: in.ProductID, Status: subscription.Status(in.Status)}, p)
			}, subscriptionOf)
		})
	register(s, huma.Operation{OperationID: "get-subscription", Description: "Returns one subscription with, while it is live, its renewal call-to-action. Secret configuration values (parameters marked secret: passwords, ARM securestring) are shown only to its provider (the product's vendor; the platform for products its connectors provision), as ******** to everyone else and in every list. Visible to its customer, the customer's channel, the product's vendor and the platform. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/subscriptions/{id}", Summary: "Get a subscription", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Subscription], error) {
			sub, err := s.services.Lifecycle.Subscription(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			// Secret values: opened for the provider, masked for the others.
			if sub.Configuration, err = s.services.Lifecycle.Configuration(ctx, principal(ctx), in.ID); err != nil {
				return nil, err
			}
			res, err := s.withScheduled(ctx, sub)
			if err != nil {
				return nil, err
			}
			ta, err := s.services.Orders.TermsAcceptance(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			if ta != nil {
				res.Body.TermsAcceptance = termsAcceptanceOf(*ta)
			}
			if !sub.Status.Final() && sub.Status != subscription.UndeploySent {
				o, err := s.services.Billing.RenewalOffer(ctx, principal(ctx), in.ID)
				if err != nil {
					return nil, err
				}
				r := renewalOf(o)
				res.Body.Renewal = &r
				if o.PriceChanges && o.Action == billing.RenewalRenew {
					res.Body.NextPrice = &NextPrice{PeriodPrice: r.PeriodPrice, CurrentPeriodPrice: r.CurrentPeriodPrice, Currency: r.Currency, EffectiveAt: r.Date}
				}
			}
			return res, nil
		})
	register(s, huma.Operation{OperationID: "update-subscription", Description: "Either reports a deployment status (the provider: the product's vendor, a connector acting as it, or the platform), moved through the state machine (409 when no action leads there), or changes seats, plan or auto-renewal (the customer, its channel or the platform; an upgrade is a prorated CHANGE order; a downgrade takes effect at the end of the period charged, shown as scheduled_change until then; with at_renewal the change waits for the end of the term; a committed subscription past its cancellation window takes fewer seats or a cheaper plan only so). Never both at once. Writes a Subscription MODIFIED event.", Method: http.MethodPatch, Path: "/api/v1/subscriptions/{id}", Summary: "Report a deployment status, or change seats, plan or renewal", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body SubscriptionUpdate
		}) (*Output[Subscription], error) {
			b := in.Body
			p := principal(ctx)
			status := b.DeploymentStatus != ""
			change := b.Quantity != nil || b.PlanID != nil || b.AutoRenew != nil || b.AtRenewal
			switch {
			case status && change:
				return nil, mercato.Invalid("invalid change", mercato.FieldError{Path: "deployment_status", Message: "report a status on its own, not with other changes"})
			case status:
				sub, err := s.services.Lifecycle.SetStatus(ctx, p, in.ID, subscription.Status(b.DeploymentStatus))
				if err != nil {
					return nil, err
				}
				return out(subscriptionOf(sub)), nil
			case change:
				sub, err := s.services.Orders.Change(ctx, p, in.ID, subscription.Change{Quantity: b.Quantity, PlanID: b.PlanID, AutoRenew: b.AutoRenew, AtRenewal: b.AtRenewal})
				if err != nil {
					return nil, err
				}
				return s.withScheduled(ctx, sub)
			}
			return nil, mercato.Invalid("invalid change", mercato.FieldError{Path: "", Message: "nothing to change"})
		})
	register(s, huma.Operation{OperationID: "cancel-scheduled-change", Description: "Cancels the downgrade scheduled on a subscription before it takes effect: its plan and seats go on as they are, and so do their charges. Whoever may change the subscription may. 404 when none is scheduled, 409 once it took effect. Writes a Subscription MODIFIED event.", Method: http.MethodDelete, Path: "/api/v1/subscriptions/{id}/scheduled-change", Summary: "Cancel a scheduled downgrade", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *IDInput) (*Output[Subscription], error) {
			sub, err := s.services.Orders.CancelScheduledChange(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(subscriptionOf(sub)), nil
		})
	register(s, huma.Operation{OperationID: "cancel-scheduled-termination", Description: "Cancels the termination scheduled for the end of a committed term (terminate_at): the subscription goes on, renewing as its auto_renew says. Whoever may terminate it may. 404 when none is scheduled, 409 once it has ended. Writes a Subscription MODIFIED event.", Method: http.MethodDelete, Path: "/api/v1/subscriptions/{id}/scheduled-termination", Summary: "Cancel a scheduled termination", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *IDInput) (*Output[Subscription], error) {
			sub, err := s.services.Lifecycle.CancelTermination(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(subscriptionOf(sub)), nil
		})
	register(s, huma.Operation{OperationID: "reject-subscription", Method: http.MethodPost, Path: "/api/v1/subscriptions/{id}/reject", Summary: "Refuse an order awaiting approval (platform)",
		Description: "Refuses an order of a product that requires approval, with the reason the customer reads (on the subscription as rejection_reason, and in the e-mail that tells it): REQUIRES_APPROVAL becomes UNDEPLOYED and nothing is provisioned. A reason is required, at most 500 characters (surrounding spaces trimmed). Platform only. Writes a Subscription DELETED event (it ends with nothing provisioned) carrying the reason (metadata rejection_reason).",
		Tags:        tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			IDInput
			Body struct {
				Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"why the order is rejected, shown to the customer"`
			}
		}) (*Output[Subscription], error) {
			sub, err := s.services.Lifecycle.Reject(ctx, principal(ctx), in.ID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return out(subscriptionOf(sub)), nil
		})
	for _, a := range subscriptionActions {
		do := a.do
		register(s, huma.Operation{OperationID: a.path + "-subscription", Method: http.MethodPost, Path: "/api/v1/subscriptions/{id}/" + a.path, Summary: a.summary, Description: a.description, Tags: tags, DefaultStatus: http.StatusOK},
			func(ctx context.Context, in *IDInput) (*Output[Subscription], error) {
				sub, err := do(s.services.Lifecycle, ctx, principal(ctx), in.ID)
				if err != nil {
					return nil, err
				}
				return out(subscriptionOf(sub)), nil
			})
	}
}

// Event is one lifecycle event of the outbox.
type Event struct {
	ID         int64             `json:"id"`
	Entity     string            `json:"entity" enum:"Subscription,Invoice,User,ProductVersion"`
	EntityID   int64             `json:"entity_id"`
	Type       string            `json:"type" enum:"CREATED,MODIFIED,DELETED"`
	OccurredAt time.Time         `json:"occurred_at"`
	Metadata   map[string]string `json:"metadata"`
}

func eventOf(e subscription.Event) Event {
	return Event{ID: e.ID, Entity: e.Entity, EntityID: e.EntityID, Type: e.Type, OccurredAt: e.OccurredAt, Metadata: e.Metadata}
}

func (s *Server) registerEvents() {
	register(s, huma.Operation{OperationID: "list-events", Description: "Lists lifecycle events from the transactional outbox in the order they happened, one page at a time: the platform sees every event, others the Subscription events of the subscriptions they can see. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/events", Summary: "List lifecycle events in the order they happened", Tags: []string{"Events"}},
		func(ctx context.Context, in *struct {
			ListInput
			Entity   string `query:"entity" enum:"Subscription,Invoice,User,ProductVersion"`
			EntityID int64  `query:"entity_id" minimum:"0"`
		}) (*ListOutput[Event], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]subscription.Event, int64, error) {
				return s.services.Webhooks.ListEvents(ctx, principal(ctx), webhooks.EventFilter{Entity: in.Entity, EntityID: in.EntityID}, p)
			}, eventOf)
		})
}
