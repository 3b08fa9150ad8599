package catalog

import (
	"fmt"
	"slices"

	"github.com/mercato-market/mercato/internal/mercato"
)

// MaxCurated bounds the products and the plans of one curation, each.
const MaxCurated = 1000

// Curation is a distributor's choice of what one of its resellers may
// sell (issue 18): everything the distributor sells (All, the default, so
// a reseller nobody curated is unaffected), or only the products of
// ProductIDs (every plan of them, later ones too) and the plans of PlanIDs.
// It restricts new sales only: a subscription sold before a plan left the
// list keeps running and renews.
type Curation struct {
	ResellerID int64
	All        bool
	ProductIDs []int64
	PlanIDs    []int64
}

// Validate checks a curation's shape: a reseller, positive ids without
// repeats, at most MaxCurated of each, and no list with All. Whether the
// ids are products and plans the distributor sells is the service's.
func (c Curation) Validate() error {
	var fe mercato.FieldErrors
	if c.ResellerID <= 0 {
		fe.Add("reseller_id", "must be a reseller")
	}
	if c.All && (len(c.ProductIDs) > 0 || len(c.PlanIDs) > 0) {
		fe.Add("all", "must be false when products or plans are listed")
	}
	ids := func(field string, list []int64) {
		if len(list) > MaxCurated {
			fe.Add(field, "must list at most %d", MaxCurated)
			return
		}
		seen := make(map[int64]bool, len(list))
		for i, id := range list {
			switch {
			case id <= 0:
				fe.Add(fmt.Sprintf("%s[%d]", field, i), "must be positive")
			case seen[id]:
				fe.Add(fmt.Sprintf("%s[%d]", field, i), "is listed twice")
			}
			seen[id] = true
		}
	}
	ids("product_ids", c.ProductIDs)
	ids("plan_ids", c.PlanIDs)
	return fe.Err("invalid catalog")
}

// Sells reports whether the curation lets its reseller sell a plan: all
// of them, the plan's whole product, or the plan itself.
func (c Curation) Sells(plan Plan) bool {
	return c.All || slices.Contains(c.ProductIDs, plan.ProductID) || slices.Contains(c.PlanIDs, plan.ID)
}

// NotSold is the refusal of a new sale of a plan outside the reseller's
// curation, naming plan_id.
func NotSold(planID int64) error {
	return mercato.Invalid("not for sale through this reseller", mercato.FieldError{Path: "plan_id", Message: "is not in the reseller's catalog", Value: planID})
}
