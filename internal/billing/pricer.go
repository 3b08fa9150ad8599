package billing

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/pricing"
)

// Pricer prices charges at a version, remembering decoded versions and
// quotes: a billing run charges many subscriptions sold at the same
// version.
type Pricer struct {
	mu       sync.Mutex
	quotes   map[string]priced
	versions map[string]Version
}

// NewPricer returns a pricer with empty caches.
func NewPricer() *Pricer {
	return &Pricer{quotes: map[string]priced{}, versions: map[string]Version{}}
}

// Version decodes a stored version.
func (p *Pricer) Version(raw string) (Version, error) {
	p.mu.Lock()
	v, ok := p.versions[raw]
	p.mu.Unlock()
	if ok {
		return v, nil
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, fmt.Errorf("decode price version: %w", err)
	}
	v.raw = raw
	p.mu.Lock()
	p.versions[raw] = v
	p.mu.Unlock()
	return v, nil
}

// Quote prices one period of v through its channel, with the setup fee
// when setup is true, in the customer's currency: what an order shows.
func (p *Pricer) Quote(v Version, setup bool) (pricing.Quote, error) {
	q, err := p.quote(v, pricing.QuoteRequest{Quantity: max(v.Quantity, 1), IncludeSetup: setup})
	return q.billed, err
}

// Original prices one period of v as Quote does, in the plan's currency,
// before any conversion.
func (p *Pricer) Original(v Version, setup bool) (pricing.Quote, error) {
	q, err := p.quote(v, pricing.QuoteRequest{Quantity: max(v.Quantity, 1), IncludeSetup: setup})
	return q.original, err
}

// priced is a quote in the plan's currency and in the customer's (the
// same quote when they are the same currency).
type priced struct{ original, billed pricing.Quote }

func (p *Pricer) quote(v Version, req pricing.QuoteRequest) (priced, error) {
	cacheable := len(req.Usage) == 0
	var key string
	if cacheable {
		key = fmt.Sprintf("%s|%t", v.key(), req.IncludeSetup)
		p.mu.Lock()
		q, ok := p.quotes[key]
		p.mu.Unlock()
		if ok {
			return q, nil
		}
	}
	req.Channel, req.VendorID, req.PlatformFeePercent = v.Channel.Markups, v.Channel.VendorID, v.Channel.FeePercent
	orig, err := v.Pricing.Quote(req)
	if err != nil {
		return priced{}, err
	}
	q := priced{original: orig, billed: orig}
	if v.Rate != nil {
		if v.Rate.Base != orig.Currency {
			return priced{}, fmt.Errorf("a rate from %s does not convert a price in %s", v.Rate.Base, orig.Currency)
		}
		q.billed = v.Rate.Convert(orig)
	}
	if cacheable {
		p.mu.Lock()
		p.quotes[key] = q
		p.mu.Unlock()
	}
	return q, nil
}

// Conversion is the record of a charge of v that cost amount in the plan's
// currency; nil when v is not converted.
func (v Version) Conversion(amount decimal.Decimal) *Conversion {
	if v.Rate == nil {
		return nil
	}
	return &Conversion{From: v.Rate.Base, Amount: amount, Rate: v.Rate.Rate, RateDate: v.Rate.ValidFrom}
}

// label is how a period of v is named on its lines.
func label(v Version, w Window) string {
	return fmt.Sprintf("%s (%s – %s)", v.PlanName, w.From.Format("2006-01-02"), w.To.Format("2006-01-02"))
}

// Period prices the period w of subscription sub at v, in advance: the
// recurring charge and, for its first period, the setup fee as a charge of
// its own. Every charge carries its split.
func (p *Pricer) Period(sub int64, v Version, w Window, first bool) ([]Charge, error) {
	raw, err := v.JSON()
	if err != nil {
		return nil, err
	}
	pb, err := p.quote(v, pricing.QuoteRequest{Quantity: max(v.Quantity, 1)})
	if err != nil {
		return nil, fmt.Errorf("subscription %d period %s: %w", sub, w.From.Format(time.RFC3339), err)
	}
	base := pb.billed
	c := Charge{SubscriptionID: sub, Kind: pricing.KindRecurring, PeriodStart: w.From, PeriodEnd: w.To, DueAt: w.From,
		Currency: v.Currency(), Shares: base.Shares, Version: raw, UsagePending: len(v.Pricing.Metrics) > 0,
		Converted: v.Conversion(pb.original.Total)}
	for _, l := range base.Lines {
		l.Description = label(v, w) + ": " + l.Description
		c.Lines = append(c.Lines, l)
	}
	out := []Charge{c}
	if first && v.Pricing.SetupFee != nil && v.Pricing.SetupFee.Sign() > 0 {
		pw, err := p.quote(v, pricing.QuoteRequest{Quantity: max(v.Quantity, 1), IncludeSetup: true})
		if err != nil {
			return nil, fmt.Errorf("subscription %d setup: %w", sub, err)
		}
		with := pw.billed
		out = append(out, Charge{SubscriptionID: sub, Kind: pricing.KindSetup, PeriodStart: w.From, PeriodEnd: w.To, DueAt: w.From,
			Currency: v.Currency(), Lines: extraLines(with.Lines, v.PlanName+": "), Shares: diffShares(with.Shares, base.Shares), Version: raw,
			Converted: v.Conversion(pw.original.Total.Sub(pb.original.Total))})
	}
	return out, nil
}

// Usage prices the usage of period w of subscription sub at v, in arrears:
// a charge per metric with usage (used maps a metric to the period's
// aggregated quantity), due at the period's end.
func (p *Pricer) Usage(sub int64, v Version, w Window, used map[string]decimal.Decimal) ([]Charge, error) {
	raw, err := v.JSON()
	if err != nil {
		return nil, err
	}
	var out []Charge
	for _, m := range v.Pricing.Metrics {
		u, ok := used[m.Name]
		if !ok || u.Sign() <= 0 {
			continue
		}
		pb, err := p.quote(v, pricing.QuoteRequest{Quantity: max(v.Quantity, 1)})
		if err != nil {
			return nil, fmt.Errorf("subscription %d usage: %w", sub, err)
		}
		pw, err := p.quote(v, pricing.QuoteRequest{Quantity: max(v.Quantity, 1), Usage: map[string]decimal.Decimal{m.Name: u}})
		if err != nil {
			return nil, fmt.Errorf("subscription %d usage of %s: %w", sub, m.Name, err)
		}
		base, with := pb.billed, pw.billed
		out = append(out, Charge{SubscriptionID: sub, Kind: pricing.KindUsage, Ref: m.Name, PeriodStart: w.From, PeriodEnd: w.To, DueAt: w.To,
			Currency: v.Currency(), Lines: extraLines(with.Lines, label(v, w)+": "), Shares: diffShares(with.Shares, base.Shares), Version: raw,
			Converted: v.Conversion(pw.original.Total.Sub(pb.original.Total))})
	}
	return out, nil
}

// Changes prices a change of subscription sub made at instant at by
// order to the version to, from what it had (quote before) to what it has
// now (quote after), both priced at that moment: the difference of one period, prorated by the hours
// from at to the end of each window already charged (the current period,
// and any later one charged in advance), at the customer's price. Every
// level of the chain is prorated, then split as a quote is
// ([sharesFromLevels]). A change that does not cost the customer more (a
// downgrade) charges nothing.
func Changes(sub, order int64, to Version, before, after pricing.Quote, windows []Window, at time.Time) ([]Charge, error) {
	if after.Total.Sub(before.Total).Sign() <= 0 {
		return nil, nil
	}
	oldL, newL := levels(before.Shares), levels(after.Shares)
	if len(oldL) != len(newL) {
		return nil, fmt.Errorf("subscription %d change %d: the channel changed", sub, order)
	}
	raw, err := to.JSON()
	if err != nil {
		return nil, err
	}
	currency := to.Currency()
	var out []Charge
	for _, w := range windows {
		prorated := make([]decimal.Decimal, len(newL))
		for i := range newL {
			prorated[i] = pricing.Prorate(newL[i].Sub(oldL[i]), currency, w.From, w.To, at)
		}
		amount := prorated[len(prorated)-1]
		from := at
		if w.From.After(at) {
			from = w.From
		}
		hours := int64(w.To.Sub(from) / time.Hour)
		total := int64(w.To.Sub(w.From) / time.Hour)
		line := pricing.Line{
			Description: fmt.Sprintf("%s: change to %d, prorated %d/%d hours (%s – %s)", to.PlanName, to.Quantity, max(min(hours, total), 0), total,
				from.Format("2006-01-02 15:04"), w.To.Format("2006-01-02 15:04")),
			Kind: KindChange, Quantity: decimal.NewFromInt(1), UnitAmount: amount, Amount: amount,
		}
		out = append(out, Charge{SubscriptionID: sub, OrderID: order, Kind: KindChange, Ref: strconv.FormatInt(order, 10), PeriodStart: from, PeriodEnd: w.To,
			DueAt: from, Currency: currency, Lines: []pricing.Line{line}, Shares: sharesFromLevels(after.Shares, prorated, to.Channel.FeePercent, currency),
			Version: raw})
	}
	return out, nil
}

// levels returns the total at each level of a quote's chain: the vendor's
// list price (vendor + platform), then each channel party's price.
func levels(shares []pricing.Share) []decimal.Decimal {
	var out []decimal.Decimal
	total := decimal.Zero
	for i, s := range shares {
		total = total.Add(s.Amount)
		if i == 0 {
			continue // vendor: the platform's share completes the level
		}
		out = append(out, total)
	}
	return out
}

// sharesFromLevels splits prorated level totals as a quote splits its
// levels: the vendor gets the vendor level × (1 − fee/100) rounded, the
// platform the rest of it, each channel party its level less the previous.
func sharesFromLevels(like []pricing.Share, lv []decimal.Decimal, fee decimal.Decimal, currency string) []pricing.Share {
	out := make([]pricing.Share, len(like))
	copy(out, like)
	vendor := pricing.Round(lv[0].Mul(decimal.NewFromInt(1).Sub(fee.Shift(-2))), currency)
	out[0].Amount = vendor
	out[1].Amount = lv[0].Sub(vendor)
	for i := 2; i < len(out); i++ {
		out[i].Amount = lv[i-1].Sub(lv[i-2])
	}
	return out
}

// diffShares returns a − b party by party (the same chain in both).
func diffShares(a, b []pricing.Share) []pricing.Share {
	out := make([]pricing.Share, len(a))
	for i := range a {
		out[i] = a[i]
		if i < len(b) {
			out[i].Amount = a[i].Amount.Sub(b[i].Amount)
		}
	}
	return out
}

// extraLines returns the lines of a quote that are not recurring (setup,
// usage: a quote lists the recurring lines first), prefixed.
func extraLines(with []pricing.Line, prefix string) []pricing.Line {
	var out []pricing.Line
	for _, l := range with {
		if l.Kind == pricing.KindRecurring {
			continue
		}
		l.Description = prefix + l.Description
		out = append(out, l)
	}
	return out
}

// Refund prices the refund of period w of subscription sub, sold at v, for
// the hours from at to its end: every level of the chain prorated and
// negated, split as a quote is, so that each party gives back its share.
// It is what terminating a commitment within its cancellation window
// gives back of the period charged; nothing when no hour is left.
func (p *Pricer) Refund(sub int64, v Version, w Window, at time.Time) ([]Charge, error) {
	q, err := p.Quote(v, false)
	if err != nil {
		return nil, fmt.Errorf("subscription %d refund: %w", sub, err)
	}
	raw, err := v.JSON()
	if err != nil {
		return nil, err
	}
	currency := v.Currency() // the customer's
	lv := levels(q.Shares)
	back := make([]decimal.Decimal, len(lv))
	for i := range lv {
		back[i] = pricing.Prorate(lv[i], currency, w.From, w.To, at).Neg()
	}
	amount := back[len(back)-1]
	if amount.IsZero() {
		return nil, nil
	}
	hours := max(int64(w.To.Sub(at)/time.Hour), 0)
	total := int64(w.To.Sub(w.From) / time.Hour)
	line := pricing.Line{
		Description: fmt.Sprintf("%s: refund of %d/%d hours (%s – %s), terminated within the cancellation window", v.PlanName, min(hours, total), total,
			at.Format("2006-01-02 15:04"), w.To.Format("2006-01-02 15:04")),
		Kind: KindRefund, Quantity: decimal.NewFromInt(1), UnitAmount: amount, Amount: amount,
	}
	// Sold in another currency than the plan's, it records what it gives
	// back in the plan's, as the period's charge did.
	var conv *Conversion
	if v.Rate != nil {
		o, err := p.Original(v, false)
		if err != nil {
			return nil, fmt.Errorf("subscription %d refund: %w", sub, err)
		}
		ol := levels(o.Shares)
		conv = v.Conversion(pricing.Prorate(ol[len(ol)-1], v.Pricing.Currency, w.From, w.To, at).Neg())
	}
	return []Charge{{SubscriptionID: sub, Kind: KindRefund, Ref: "termination", PeriodStart: at, PeriodEnd: w.To, DueAt: at,
		Currency: currency, Lines: []pricing.Line{line}, Shares: sharesFromLevels(q.Shares, back, v.Channel.FeePercent, currency), Version: raw,
		Converted: conv}}, nil
}
