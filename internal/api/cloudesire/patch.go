package cloudesire

import (
	"context"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// subscriptionPatch is what PATCH subscription/{id} reads of Cloudesire's
// SubscriptionPatchDTO: a deployment status, or an action with its
// argument.
type subscriptionPatch struct {
	DeploymentStatus *string `json:"deploymentStatus"`
	Action           *string `json:"action"`
	ProductVersion   *Ref    `json:"productVersion"`
	Name             *string `json:"name"`
}

// act runs a PATCH's action. SYNDICATED_UPGRADE moves a syndicated (SaaS)
// subscription to another plan of its product (productVersion), as a
// CHANGE order priced through the channel (ordering.Change: the customer,
// its seller or the platform; prorated); the vendor hears of it as a
// MODIFIED event with the new productVersion. SET_NAME gives the
// subscription a descriptive name (at most 255 characters; the customer,
// its seller, the provider or the platform), shown as its name instead of
// the product's and the plan's; a new name is a MODIFIED event.
func (h *Handler) act(ctx context.Context, p mercato.Principal, id int64, body subscriptionPatch) error {
	switch strings.ToUpper(*body.Action) {
	case "SYNDICATED_UPGRADE":
		if body.ProductVersion == nil {
			return mercato.Invalid("invalid upgrade", mercato.FieldError{Path: "productVersion", Message: "is required: {\"url\": \"productVersion/{id}\"}"})
		}
		plan, err := strconv.ParseInt(strings.TrimPrefix(body.ProductVersion.URL, "productVersion/"), 10, 64)
		if err != nil || plan < 1 {
			return mercato.Invalid("invalid upgrade", mercato.FieldError{Path: "productVersion", Message: "must be a reference productVersion/{id}"})
		}
		sub, err := h.Lifecycle.Subscription(ctx, p, id)
		if err != nil {
			return err
		}
		prod, err := h.Catalog.Product(ctx, p, sub.ProductID)
		if err != nil {
			return err
		}
		if prod.Type != catalog.TypeSaaS {
			return mercato.Invalid("invalid upgrade", mercato.FieldError{Path: "action", Message: "SYNDICATED_UPGRADE is for syndicated products only"})
		}
		_, err = h.Orders.Change(ctx, p, id, subscription.Change{PlanID: &plan})
		return err
	case "RENEW":
		sub, err := h.Lifecycle.Subscription(ctx, p, id)
		if err != nil {
			return err
		}
		if sub.Type == subscription.TypeTrial {
			_, err = h.Lifecycle.RenewTrial(ctx, p, id)
		} else {
			_, err = h.Lifecycle.Renew(ctx, p, id)
		}
		return err
	case "SET_NAME":
		if body.Name == nil {
			return mercato.Invalid("invalid name", mercato.FieldError{Path: "name", Message: "is required with SET_NAME"})
		}
		_, err := h.Lifecycle.SetName(ctx, p, id, strings.TrimSpace(*body.Name))
		return err
	default:
		return mercato.Invalid("invalid action", mercato.FieldError{Path: "action", Message: "only SYNDICATED_UPGRADE, SET_NAME and RENEW are supported"})
	}
}
