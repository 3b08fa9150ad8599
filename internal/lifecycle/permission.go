package lifecycle

import (
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Capacity is a set of the capacities in which a caller acts on a
// subscription it can see (visibility itself is the store's query scope: a
// subscription outside it is not found, never forbidden).
type Capacity int

// Capacities.
const (
	Platform Capacity = 1 << iota // the operator
	Provider                      // the product's vendor (or a connector acting as it)
	Seller                        // the customer's reseller or distributor
	Customer                      // the customer itself
)

// allowed is who may do each action of the state machine.
var allowed = map[subscription.Action]Capacity{
	subscription.ActionApprove:         Platform,
	subscription.ActionReject:          Platform,
	subscription.ActionExpirePayment:   Platform,
	subscription.ActionConfigure:       Platform | Provider,
	subscription.ActionDeploy:          Platform | Provider,
	subscription.ActionFail:            Platform | Provider,
	subscription.ActionRetry:           Platform | Provider,
	subscription.ActionConfirmUndeploy: Platform | Provider,
	subscription.ActionSuspend:         Platform | Provider | Seller,
	subscription.ActionResume:          Platform | Provider | Seller,
	subscription.ActionTerminate:       Platform | Seller | Customer,
}

// MayReport is who may report a status a subscription already has (an
// idempotent success): whoever reports statuses, the provider or the
// platform.
const MayReport = Platform | Provider

// Who may take the steps outside the state machine.
const (
	MayPay    = Platform | Seller
	MayChange = Platform | Seller | Customer // seats, plan, renewal setting
	MayRenew  = Platform
	MayName   = MayChange | Provider // a descriptive name (SET_NAME)
	// MayConvert is who turns a trial into a paid subscription: the
	// customer itself as well as whoever records payments.
	MayConvert = Platform | Seller | Customer
)

// CapacityOf says in which capacities p acts on a subscription of prod.
func CapacityOf(p mercato.Principal, sub subscription.Subscription, prod catalog.Product) Capacity {
	var c Capacity
	switch {
	case p.IsPlatform():
		c |= Platform
	case p.OrgKind == mercato.KindReseller || p.OrgKind == mercato.KindDistributor:
		c |= Seller
	}
	if prod.VendorID == p.OrgID {
		c |= Provider
	}
	if sub.CustomerID == p.OrgID {
		c |= Customer
	}
	return c
}

// authorize refuses p unless it acts in one of the capacities in who and
// its role may write.
func authorize(p mercato.Principal, sub subscription.Subscription, prod catalog.Product, who Capacity) error {
	if CapacityOf(p, sub, prod)&who == 0 || !p.CanWrite() {
		return mercato.Errorf(mercato.EFORBIDDEN, "you may not do this to subscription %d", sub.ID)
	}
	return nil
}

// RevealsSecrets says whether p reads the secret configuration values of a
// subscription of prod: its provider only, the product's vendor, or the
// platform for the products its connectors provision.
func RevealsSecrets(p mercato.Principal, prod catalog.Product) bool {
	return p.OrgID == prod.VendorID || (p.IsPlatform() && prod.Type.ByConnector())
}

// May says whether p may take a step that capacities who may take on a
// subscription of prod: it acts in one of them and its role writes. The
// control panel offers a form only when it does, by the rule the service
// enforces.
func May(p mercato.Principal, sub subscription.Subscription, prod catalog.Product, who Capacity) bool {
	return authorize(p, sub, prod, who) == nil
}

// MayAct says whether p may take action a of the state machine on a
// subscription of prod (whether the action leads anywhere from its status
// is the state machine's, subscription.Next).
func MayAct(p mercato.Principal, sub subscription.Subscription, prod catalog.Product, a subscription.Action) bool {
	who, ok := allowed[a]
	return ok && May(p, sub, prod, who)
}
