// Package subscription holds orders, subscriptions and their lifecycle: the
// deployment status state machine whose names Cloudesire vendors code
// against, and the lifecycle events that every change writes to the outbox.
package subscription

import (
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Status is a subscription's deployment status (deploymentStatus on the
// Cloudesire-compatible wire).
type Status string

// Deployment statuses.
const (
	WaitingPayment    Status = "WAITING_PAYMENT"    // ordered, not yet cleared for provisioning
	PaymentExpired    Status = "PAYMENT_EXPIRED"    // never paid; ends it
	RequiresApproval  Status = "REQUIRES_APPROVAL"  // an operator must approve first
	Pending           Status = "PENDING"            // the provider must provision
	PostConfiguration Status = "POST_CONFIGURATION" // provisioned, the provider finishes setup
	Deployed          Status = "DEPLOYED"           // live
	Failed            Status = "FAILED"             // provisioning failed
	Stopped           Status = "STOPPED"            // suspended
	UndeploySent      Status = "UNDEPLOY_SENT"      // terminated: the provider must deprovision
	Undeployed        Status = "UNDEPLOYED"         // gone; final
)

// Statuses lists every status.
var Statuses = []Status{WaitingPayment, PaymentExpired, RequiresApproval, Pending, PostConfiguration, Deployed, Failed, Stopped, UndeploySent, Undeployed}

// Final reports whether nothing can happen to a subscription in status s.
func (s Status) Final() bool { return s == Undeployed || s == PaymentExpired }

// Action is a lifecycle step asked of a subscription.
type Action string

// Actions.
const (
	ActionApprove         Action = "approve"          // operator clears REQUIRES_APPROVAL
	ActionReject          Action = "reject"           // operator refuses an order awaiting approval
	ActionConfigure       Action = "configure"        // provider: provisioned, finishing setup
	ActionDeploy          Action = "deploy"           // provider: live
	ActionFail            Action = "fail"             // provider: could not provision
	ActionRetry           Action = "retry"            // provision again after a failure
	ActionSuspend         Action = "suspend"          // stop the service (non-payment, request)
	ActionResume          Action = "resume"           // restart a suspended service
	ActionTerminate       Action = "terminate"        // end it: the provider deprovisions
	ActionConfirmUndeploy Action = "confirm_undeploy" // provider: deprovisioned
	ActionExpirePayment   Action = "expire_payment"   // an unpaid order lapses
)

// transitions is the state machine: for each action, the statuses it may
// start from and the status it leads to. Paying is not here: it sets the
// paid flag and, from WAITING_PAYMENT, behaves as Clear.
var transitions = map[Action]map[Status]Status{
	ActionApprove:   {RequiresApproval: Pending},
	ActionReject:    {RequiresApproval: Undeployed},
	ActionConfigure: {Pending: PostConfiguration},
	ActionDeploy:    {Pending: Deployed, PostConfiguration: Deployed},
	ActionFail:      {Pending: Failed, PostConfiguration: Failed},
	ActionRetry:     {Failed: Pending},
	ActionSuspend:   {Deployed: Stopped},
	ActionResume:    {Stopped: Deployed},
	ActionTerminate: {
		// Nothing was provisioned yet: it ends at once.
		WaitingPayment: Undeployed, RequiresApproval: Undeployed,
		// The provider holds something: it must deprovision and confirm.
		Pending: UndeploySent, PostConfiguration: UndeploySent, Deployed: UndeploySent,
		Stopped: UndeploySent, Failed: UndeploySent,
	},
	ActionConfirmUndeploy: {UndeploySent: Undeployed},
	ActionExpirePayment:   {WaitingPayment: PaymentExpired},
}

// Actions lists every action of the state machine, in a stable order.
var Actions = []Action{ActionApprove, ActionReject, ActionConfigure, ActionDeploy, ActionFail, ActionRetry, ActionSuspend, ActionResume, ActionTerminate, ActionConfirmUndeploy, ActionExpirePayment}

// Next returns the status that action a leads to from status from, or an
// ECONFLICT error when the transition is illegal.
func Next(from Status, a Action) (Status, error) {
	tos, ok := transitions[a]
	if !ok {
		return "", mercato.Errorf(mercato.EINVALID, "unknown action %q", a)
	}
	to, ok := tos[from]
	if !ok {
		return "", mercato.Errorf(mercato.ECONFLICT, "cannot %s a subscription in status %s", a, from)
	}
	return to, nil
}

// ActionTo finds the action that takes a subscription from one status to
// another, for providers that report a target status (Cloudesire's
// PATCH {"deploymentStatus": …}).
func ActionTo(from, to Status) (Action, error) {
	for _, a := range Actions {
		if next, ok := transitions[a][from]; ok && next == to {
			return a, nil
		}
	}
	if from == to {
		return "", mercato.Errorf(mercato.ECONFLICT, "subscription is already %s", to)
	}
	return "", mercato.Errorf(mercato.ECONFLICT, "cannot move a subscription from %s to %s", from, to)
}

// Cleared returns the status a subscription enters once it may be
// provisioned: REQUIRES_APPROVAL when an operator approves the product's
// orders, PENDING otherwise.
func Cleared(requiresApproval bool) Status {
	if requiresApproval {
		return RequiresApproval
	}
	return Pending
}

// Changeable reports whether seats, plan or renewal settings may change in
// status s.
func Changeable(s Status) bool {
	switch s {
	case UndeploySent, Undeployed, PaymentExpired:
		return false
	}
	return true
}

// ParseStatus checks a status name.
func ParseStatus(s string) (Status, error) {
	for _, v := range Statuses {
		if string(v) == s {
			return v, nil
		}
	}
	return "", mercato.Invalid("unknown deployment status", mercato.FieldError{Path: "deployment_status", Message: fmt.Sprintf("unknown status %q", s)})
}

// Events are the lifecycle events a move from one status to another sends,
// in order. Termination serves both styles of Cloudesire vendor: those
// that deprovision on MODIFIED with UNDEPLOY_SENT and report UNDEPLOYED,
// and those that deprovision only when they receive DELETED (Cloudesire's
// own templates): a subscription entering UNDEPLOY_SENT sends MODIFIED and
// then DELETED at once, and the first of the provider's UNDEPLOYED report
// or its endpoint's 2xx answer to DELETED ends it (lifecycle's
// ConfirmAcknowledged), with no further event, so DELETED stays the last
// event a subscription sends. A subscription that ends with nothing
// provisioned sends DELETED alone.
func Events(from, to Status) []string {
	switch {
	case to == UndeploySent:
		return []string{EventModified, EventDeleted}
	case to == Undeployed && from == UndeploySent:
		return nil // DELETED went out when termination began
	case to == Undeployed:
		return []string{EventDeleted}
	}
	return []string{EventModified}
}
