package cloudesire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Billing items are Cloudesire's extra resources. A Mercato plan has two
// kinds: the unit its quantity counts (seats), bought with the
// subscription and numbered planID × 10000, and its pay-per-use metrics,
// numbered by name (refid.go). A flat plan has no unit item.

// BillingItem is the quantity bought of a billing item
// (SubscriptionBillingItemDTO).
type BillingItem struct {
	BillingItem *Ref   `json:"billingItem"`
	Identifier  string `json:"identifier"`
	Unit        string `json:"unit"`
	Value       Number `json:"value"`
	Bought      bool   `json:"bought"`
	Tag         string `json:"tag"`
	Unlimited   bool   `json:"unlimited" doc:"the quantity is in the plan's last, unbounded range"`
}

// BillingItemValue is one price range of a billing item
// (BillingItemValueDTO): from start (inclusive) to end (exclusive, absent
// when unbounded), at price per unit, or per step units.
type BillingItemValue struct {
	Item  *Ref   `json:"item"`
	Start int64  `json:"start"`
	End   *int64 `json:"end,omitempty"`
	Price Number `json:"price"`
	Step  *int64 `json:"step,omitempty"`
}

// BillingItemResource is a billing item (BillingItemDTO).
type BillingItemResource struct {
	ID          int64  `json:"id"`
	Self        string `json:"self"`
	Name        string `json:"name"`
	Identifier  string `json:"identifier"`
	Unit        string `json:"unit"`
	Description string `json:"description"`
	Type        string `json:"type" enum:"VOLUME,STAIRSTEP,TIERED"`
	ValueType   string `json:"valueType" enum:"PRE_PAID,PAY_AS_YOU_GO"`
	Required    bool   `json:"required" doc:"bought with every subscription of the plan (its unit)"`
}

// item is one billing item of a plan with how it is priced.
type item struct {
	id      int64
	name    string
	unit    string
	metered bool // a pay-per-use metric, billed on usage
	model   pricing.Model
	unitAmt *decimal.Decimal
	amount  *decimal.Decimal
	pack    int64
	tiers   []pricing.Tier
	max     int64 // largest quantity, 0: none
}

// itemsOf lists a plan's billing items: its unit, then its metrics.
func itemsOf(pl catalog.Plan) []item {
	var out []item
	pr := pl.Pricing
	if pr.Model != pricing.ModelFlat && pr.Model != "" {
		unit := pr.Unit
		if unit == "" {
			unit = "unit"
		}
		out = append(out, item{id: pl.ID * slotsPerOwner, name: unit, unit: unit, model: pr.Model, unitAmt: pr.UnitAmount,
			amount: pr.Amount, pack: pr.PackageSize, tiers: pr.Tiers, max: pr.MaxQuantity})
	}
	names := make([]string, 0, len(pr.Metrics))
	for _, m := range pr.Metrics {
		names = append(names, m.Name)
	}
	ids := namedIDs(pl.ID, names)
	for _, m := range pr.Metrics {
		out = append(out, item{id: ids[m.Name], name: m.Name, unit: m.Unit, metered: true, model: m.Model, unitAmt: m.UnitAmount,
			amount: m.Amount, pack: m.PackageSize, tiers: m.Tiers})
	}
	return out
}

// ranges are the price ranges of a billing item. Quantities start at 1
// for the unit bought, at 0 for usage.
func (it item) ranges() []BillingItemValue {
	r := ref("billingItem", it.id)
	first := int64(1)
	if it.metered {
		first = 0
	}
	price := func(d *decimal.Decimal) Number {
		if d == nil {
			return num(decimal.Zero)
		}
		return num(*d)
	}
	var end *int64
	if it.max > 0 {
		e := it.max + 1
		end = &e
	}
	switch it.model {
	case pricing.ModelPerUnit:
		return []BillingItemValue{{Item: r, Start: first, End: end, Price: price(it.unitAmt)}}
	case pricing.ModelPackage, pricing.ModelFlat:
		step := max(it.pack, 1)
		return []BillingItemValue{{Item: r, Start: first, End: end, Price: price(it.amount), Step: &step}}
	}
	out := []BillingItemValue{}
	start := first
	for _, t := range it.tiers {
		v := BillingItemValue{Item: r, Start: start, Price: price(t.UnitAmount)}
		if t.UpTo != nil {
			e := *t.UpTo + 1
			v.End, start = &e, e
		}
		out = append(out, v)
	}
	return out
}

// priceRanges are the price ranges of every billing item of a plan.
func priceRanges(pl catalog.Plan) []BillingItemValue {
	out := []BillingItemValue{}
	for _, it := range itemsOf(pl) {
		out = append(out, it.ranges()...)
	}
	return out
}

// boughtItems is the quantity of the plan's unit a subscription bought.
func boughtItems(d subscription.Detail) []BillingItem {
	out := []BillingItem{}
	for _, it := range itemsOf(d.Plan) {
		if it.metered {
			continue
		}
		unlimited := true
		for _, r := range it.ranges() {
			if r.End != nil && d.Quantity >= r.Start && d.Quantity < *r.End {
				unlimited = false
			}
		}
		out = append(out, BillingItem{BillingItem: ref("billingItem", it.id), Identifier: it.name, Unit: it.unit,
			Value: num(decimal.NewFromInt(d.Quantity)), Bought: true, Tag: it.unit, Unlimited: unlimited})
	}
	return out
}

// itemTypes are the Cloudesire pricing models of Mercato's.
var itemTypes = map[pricing.Model]string{
	pricing.ModelPerUnit: "VOLUME", pricing.ModelVolume: "VOLUME", pricing.ModelGraduated: "TIERED",
	pricing.ModelPackage: "STAIRSTEP", pricing.ModelFlat: "STAIRSTEP",
}

func (h *Handler) billingItem(ctx context.Context, p mercato.Principal, _ *http.Request, id int64) (any, error) {
	planID, _ := splitID(id)
	notFound := mercato.Errorf(mercato.ENOTFOUND, "billing item %d not found", id)
	pl, _, err := h.Catalog.Plan(ctx, p, planID)
	if err != nil {
		return nil, notFoundAs(err, notFound)
	}
	for _, it := range itemsOf(pl) {
		if it.id != id {
			continue
		}
		out := BillingItemResource{ID: id, Self: "billingItem/" + strconv.FormatInt(id, 10), Name: it.name, Identifier: it.name,
			Unit: it.unit, Type: itemTypes[it.model], ValueType: "PRE_PAID", Required: true,
			Description: "The " + it.unit + " bought with " + pl.Name}
		if it.metered {
			out.ValueType, out.Required, out.Description = "PAY_AS_YOU_GO", false, "Usage of "+it.name+" ("+it.unit+"), billed at the end of each period"
		}
		return out, nil
	}
	return nil, notFound
}
