package pricing

import (
	"fmt"
	"slices"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/shopspring/decimal"
)

// QuoteRequest is what to price: a quantity of the plan for one period,
// optionally with usage, the setup fee and a sales channel.
type QuoteRequest struct {
	// Quantity is the number of units (seats); ignored by the flat model.
	Quantity int64 `json:"quantity,omitempty" doc:"Units (seats) bought; ignored by flat plans"`
	// Usage maps metric names to the period's aggregated usage. Metrics
	// without an entry are not charged; an unknown name is an error.
	Usage map[string]decimal.Decimal `json:"usage,omitempty" doc:"Aggregated usage per metric name, decimal strings"`
	// IncludeSetup adds the setup fee line, for the first period.
	IncludeSetup bool `json:"include_setup,omitempty" doc:"Add the one-off setup fee (first period)"`
	// Channel lists the markups in chain order: distributor, then reseller.
	Channel []ChannelMarkup `json:"channel,omitempty" doc:"Channel markups in chain order: distributor first, then reseller"`
	// VendorID identifies the vendor in the vendor's share.
	VendorID int64 `json:"vendor_id,omitempty" doc:"Organization that sells the plan"`
	// PlatformFeePercent is the operator's fee, in percent of the vendor's
	// price (20 means 20%), between 0 and 100.
	PlatformFeePercent decimal.Decimal `json:"platform_fee_percent,omitempty" doc:"Operator's fee in percent of the vendor-level total"`
}

// Quote is the price of one period as the end customer sees it, and how
// that money is split.
type Quote struct {
	Currency  string          `json:"currency" doc:"ISO 4217 currency code"`
	Period    string          `json:"period" doc:"Billing period the recurring lines cover, ISO 8601"`
	TrialDays int             `json:"trial_days" doc:"Free trial length in days"`
	Lines     []Line          `json:"lines" doc:"Priced lines after channel markups"`
	Total     decimal.Decimal `json:"total" doc:"Sum of the lines"`
	Shares    []Share         `json:"shares" doc:"How the total is split; the amounts add up to the total exactly"`
	Coupon    string          `json:"coupon,omitempty" doc:"The coupon code applied; its discount is a line of kind discount"`
}

// Quote prices one period of p for req: the recurring lines, the setup fee
// when req.IncludeSetup, a line per metric in req.Usage (in the plan's
// metric order), then the channel markups. See the package documentation
// for the rounding rules and [Share] for the split.
func (p Pricing) Quote(req QuoteRequest) (Quote, error) {
	if err := p.Validate(); err != nil {
		return Quote{}, err
	}
	var fe mercato.FieldErrors
	if err := p.checkQuantity(req.Quantity); err != nil {
		fe = append(fe, mercato.Fields(err)...)
	}
	names := make([]string, 0, len(req.Usage))
	for name := range req.Usage {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic error order
	for _, name := range names {
		path := "usage." + name
		if _, ok := p.metric(name); !ok {
			fe.Add(path, "the plan has no metric with this name")
		} else if msg := checkUsage(req.Usage[name]); msg != "" {
			fe.Add(path, "%s", msg)
		}
	}
	if msg := checkDecimal(req.PlatformFeePercent, maxAmountDecimals, 3); msg != "" {
		fe.Add("platform_fee_percent", "%s", msg)
	} else if req.PlatformFeePercent.GreaterThan(hundred) {
		fe.Add("platform_fee_percent", "must be at most 100")
	}
	validateChannel(&fe, req.Channel, p.Model)
	if len(fe) > 0 {
		return Quote{}, fe.Err("invalid quote request")
	}

	minor := minorOf(p.Currency)
	lines := p.recurring(req.Quantity, minor)
	if req.IncludeSetup && p.SetupFee != nil && !p.SetupFee.IsZero() {
		fee := *p.SetupFee
		lines = append(lines, draft{kind: KindSetup, label: "Setup fee", qty: decimal.NewFromInt(1), unit: fee, amount: round(fee, minor)})
	}
	for _, m := range p.Metrics {
		if usage, ok := req.Usage[m.Name]; ok {
			lines = append(lines, m.price(usage, minor)...)
		}
	}

	vendorTotal := sum(lines)
	vendorShare := vendorTotal.Mul(decimal.NewFromInt(1).Sub(req.PlatformFeePercent.Shift(-2))).RoundBank(minor)
	shares := []Share{
		{Role: RoleVendor, OrganizationID: req.VendorID, Amount: vendorShare},
		{Role: RolePlatform, Amount: vendorTotal.Sub(vendorShare)},
	}
	prevTotal := vendorTotal
	for i, c := range req.Channel {
		lines = c.Markup.apply(lines, p.Model, req.Quantity, p.Unit, minor)
		total := sum(lines)
		margin := total.Sub(prevTotal)
		if margin.Sign() < 0 {
			fe.Add(fmt.Sprintf("channel[%d].markup.value", i),
				"the %s price %s is below the previous level's %s", c.Role, total.StringFixed(minor), prevTotal.StringFixed(minor))
		}
		shares = append(shares, Share{Role: c.Role, OrganizationID: c.OrganizationID, Amount: margin})
		prevTotal = total
	}
	if len(fe) > 0 {
		return Quote{}, fe.Err("invalid quote request")
	}

	period := p.Period
	if period == "" {
		period = DefaultPeriod
	}
	return Quote{
		Currency:  p.Currency,
		Period:    period,
		TrialDays: p.TrialDays,
		Lines:     finish(lines, minor),
		Total:     prevTotal,
		Shares:    shares,
	}, nil
}

var hundred = decimal.NewFromInt(100)

func sum(ds []draft) decimal.Decimal {
	total := decimal.Zero
	for _, d := range ds {
		total = total.Add(d.amount)
	}
	return total
}
