package web

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// operation is a lifecycle step the operator takes from a subscription's
// page: approving or rejecting an order that needs approval, retrying or
// failing a provisioning that is stuck, suspending and resuming.
type operation struct {
	Action subscription.Action
	Label  string
	Danger bool
}

// operations are the operator's steps, in the order the page offers them.
var operations = []operation{
	{subscription.ActionApprove, msgid("Approve the order"), false},
	{subscription.ActionReject, msgid("Reject the order"), true},
	{subscription.ActionRetry, msgid("Retry provisioning"), false},
	{subscription.ActionFail, msgid("Mark provisioning failed"), true},
	{subscription.ActionSuspend, msgid("Suspend"), true},
	{subscription.ActionResume, msgid("Resume"), false},
}

// operationsFor are the steps the platform may take from a status (none
// for anyone else, or a role that only reads: the lifecycle service
// enforces the same).
func operationsFor(p mercato.Principal, st subscription.Status) []operation {
	if !p.IsPlatform() || !p.CanWrite() {
		return nil
	}
	var out []operation
	for _, op := range operations {
		if _, err := subscription.Next(st, op.Action); err == nil {
			out = append(out, op)
		}
	}
	return out
}

// operate takes the operator's step the form names, through the
// lifecycle service (which checks who may take it, and from which
// status).
func (s *Server) operate(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	a := subscription.Action(r.PostFormValue("action"))
	var label string
	for _, op := range operations {
		if op.Action == a {
			label = op.Label
		}
	}
	if label == "" {
		s.back(w, r, subPath(r), "⚠ "+s.say(r, "Choose one of the steps offered."))
		return
	}
	var sub subscription.Subscription
	if a == subscription.ActionReject {
		// A rejection takes the reason the customer reads: refused in
		// place, as typed, when it is missing or too long.
		sub, err = s.services.Lifecycle.Reject(r.Context(), v.P, id, r.PostFormValue("reason"))
		if mercato.ErrorCode(err) == mercato.EINVALID {
			s.showSubscriptionWith(w, r, v, false, http.StatusUnprocessableEntity, err)
			return
		}
	} else {
		sub, err = s.services.Lifecycle.Act(r.Context(), v.P, id, a)
	}
	s.after(w, r, v, err, subPath(r), s.say(r, "Done: %s. The subscription is now %s.", s.say(r, label), wordsFor(s.langOf(r)).statusLabel(sub.Status)))
}

// deliver marks a hand-fulfilled (service) product's subscription
// delivered: its vendor takes the state machine's deploy step, PENDING to
// DEPLOYED, through the lifecycle service (which checks who may, and from
// which status).
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	_, err = s.services.Lifecycle.Act(r.Context(), v.P, id, subscription.ActionDeploy)
	s.after(w, r, v, err, subPath(r), s.say(r, "Marked delivered: the customer sees it as ready."))
}
