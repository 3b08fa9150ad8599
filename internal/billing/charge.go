package billing

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/pricing"
)

// Subscription is what renewals and the renewal offer need to know of a
// subscription.
type Subscription struct {
	ID         int64
	CustomerID int64
	Type       string // NORMAL, TRIAL, SANDBOX
	Status     string
	AutoRenew  bool
	Quantity   int64
	End        time.Time
	Anchor     time.Time // where its periods and terms are counted from; zero: Start
	Pricing    pricing.Pricing
	// Terminating: a termination is scheduled for the end of its term,
	// which then ends it instead of renewing it.
	Terminating bool
}

// Channel is how a subscription's price reaches its customer.
type Channel struct {
	VendorID   int64                   `json:"vendor_id"`
	FeePercent decimal.Decimal         `json:"fee_percent"`
	Markups    []pricing.ChannelMarkup `json:"markups,omitempty"` // distributor first, then reseller
}

// key identifies the channel in a quote cache.
func (c Channel) key() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.VendorID, 10))
	b.WriteByte('/')
	b.WriteString(c.FeePercent.String())
	for _, m := range c.Markups {
		fmt.Fprintf(&b, "/%s:%d:%s:%s", m.Role, m.OrganizationID, m.Markup.Kind, m.Markup.Value)
	}
	return b.String()
}

// Version is what a subscription was sold at: the plan and its pricing as
// they were, the quantity, and the channel the price passed through. Every
// charge records the version it was priced at, and a subscription's
// schedule the version its next periods are charged at, so that nothing
// sold is priced again from the catalog or the price lists of a later day.
type Version struct {
	PlanID   int64           `json:"plan_id"`
	PlanName string          `json:"plan_name"`
	Quantity int64           `json:"quantity"`
	Pricing  pricing.Pricing `json:"pricing"`
	Channel  Channel         `json:"channel"`
	// Rate converts the plan's prices to the customer's currency (nil:
	// the customer is billed in the plan's currency): the operator's rate
	// valid on the day of the sale, kept with what was sold so that every
	// period of the term is charged at it.
	Rate *pricing.ExchangeRate `json:"rate,omitempty"`
	// PlanCurrency is the plan's own currency when Pricing is the plan's
	// explicit price in the customer's currency (pricing.CurrencyPrice),
	// charged as it is, without conversion; "": Pricing is the plan's own.
	PlanCurrency string `json:"plan_currency,omitempty"`

	raw string // the JSON it was read from, its key in a Pricer's caches
}

// NewVersion is the version of qty units of a plan sold now through a
// channel (the price lists above the customer, read at the moment of sale).
func NewVersion(planID int64, planName string, qty int64, p pricing.Pricing, vendorID int64, prices pricing.ChannelPrices) (Version, error) {
	markups, err := prices.Markups(0)
	if err != nil {
		return Version{}, err
	}
	return Version{PlanID: planID, PlanName: planName, Quantity: qty, Pricing: p,
		Channel: Channel{VendorID: vendorID, FeePercent: prices.FeePercent, Markups: markups}}, nil
}

// Currency is the currency v is charged in: the customer's.
func (v Version) Currency() string {
	if v.Rate != nil {
		return v.Rate.Quote
	}
	return v.Pricing.Currency
}

// In returns v sold to a customer billed in currency at rate (nil: the
// plan's currency is the customer's).
func (v Version) In(rate *pricing.ExchangeRate) Version {
	v.Rate, v.raw = rate, ""
	return v
}

// IsZero reports whether v records nothing: a schedule written before the
// charge ledger, whose next period records the version of that moment.
func (v Version) IsZero() bool { return v.PlanID == 0 }

// JSON encodes v as stored.
func (v Version) JSON() (string, error) {
	if v.raw != "" {
		return v.raw, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode price version: %w", err)
	}
	return string(b), nil
}

// key identifies v in a Pricer's quote cache.
func (v Version) key() string {
	if v.raw != "" {
		return v.raw
	}
	rate := ""
	if v.Rate != nil {
		rate = v.Rate.Base + v.Rate.Quote + v.Rate.Rate.String() + v.Rate.ValidFrom.Format(time.DateOnly)
	}
	return fmt.Sprintf("%d|%d|%s|%v|%s", v.PlanID, v.Quantity, v.Channel.key(), v.Pricing, rate)
}

// Window is a span of time [From, To).
type Window struct{ From, To time.Time }

// WindowAt returns the period of p counted from anchor that holds instant
// at (before the anchor too). Periods are counted from the anchor
// ([pricing.Period.AddN]), so that one started on the 31st stays on month
// ends.
func WindowAt(anchor time.Time, p pricing.Period, at time.Time) Window {
	k := firstIndex(p, anchor, at)
	for p.AddN(anchor, k).After(at) {
		k--
	}
	for ; ; k++ {
		if to := p.AddN(anchor, k+1); at.Before(to) {
			return Window{p.AddN(anchor, k), to}
		}
	}
}

// PeriodIndex returns the index, counted from 0 at anchor, of the period
// of p that holds instant at (0 before the anchor): a subscription's
// periods are charged in this order, and a coupon discounts the first it
// lasts for.
func PeriodIndex(anchor time.Time, p pricing.Period, at time.Time) int {
	k := firstIndex(p, anchor, at)
	for k > 0 && p.AddN(anchor, k).After(at) {
		k--
	}
	for !at.Before(p.AddN(anchor, k+1)) {
		k++
	}
	return k
}

// firstIndex estimates from below the index k of the first period of
// anchor that may end after t, so that scanning starts near t.
func firstIndex(p pricing.Period, anchor, t time.Time) int {
	if !t.After(anchor) {
		return 0
	}
	var k int
	if m := p.Months(); m > 0 {
		months := (t.Year()-anchor.Year())*12 + int(t.Month()) - int(anchor.Month())
		k = months/m - 1
	} else if d := p.Days(); d > 0 {
		k = int(t.Sub(anchor).Hours()/24)/d - 1
	}
	return max(k, 0)
}

// TermEnd returns the first end of a term counted from anchor that is
// after t: where a subscription's commitment that holds t ends.
func TermEnd(anchor time.Time, term pricing.Period, t time.Time) time.Time {
	return WindowAt(anchor, term, t).To
}

// Charge states. A charge is written open, or held when its subscription
// has not been delivered yet (it opens on delivery); the charges of a
// subscription that ends undelivered, and those of periods it does not
// reach, are void. An open charge is invoiced once (InvoiceID).
const (
	ChargeHeld = "held"
	ChargeOpen = "open"
	ChargeVoid = "void"
)

// InitialState is the state of a new charge of a subscription in status
// status: open once its service was delivered, or while it waits for its
// payment (the invoice is how it is paid); otherwise held until delivery,
// so that nobody is invoiced for a service that never reached them.
func InitialState(status string, delivered bool) string {
	if delivered || status == "WAITING_PAYMENT" {
		return ChargeOpen
	}
	return ChargeHeld
}

// Charge is one priced event of a subscription: one or more lines (a
// graduated plan prices each tier on its own line) and the split of their
// total. It is written once, at the price of the moment it was sold, and
// never priced again: a billing run only invoices it.
type Charge struct {
	ID             int64
	SubscriptionID int64
	CustomerID     int64
	ResellerID     int64 // the subscription's reseller, read with the charge to choose the issuer
	OrderID        int64 // the order that sold it; 0: a period of a term, or usage
	Kind           string
	Ref            string
	PeriodStart    time.Time
	PeriodEnd      time.Time
	DueAt          time.Time // when it may be invoiced: the start of its period (in advance), its end (usage)
	Currency       string    // the customer's
	Lines          []pricing.Line
	Shares         []pricing.Share
	Version        string // the JSON of the Version it was priced at
	State          string
	UsagePending   bool // a recurring charge whose period's usage is still to be charged
	InvoiceID      int64
	Product        string // the product's name, read with the charge
	Plan           string // the plan's name now; PlanName prefers the version's
	// Converted records the conversion of a charge priced in another
	// currency than the customer's (nil: none): what it cost in the
	// plan's currency and the rate it was converted at.
	Converted *Conversion
}

// PlanName is the name of the plan the charge was sold at: its version's,
// else the plan's name now.
func (c Charge) PlanName() string {
	var v struct {
		PlanName string `json:"plan_name"`
	}
	if c.Version != "" && json.Unmarshal([]byte(c.Version), &v) == nil && v.PlanName != "" {
		return v.PlanName
	}
	return c.Plan
}

// Conversion is how a charge's amount was converted: Amount in From (the
// plan's currency, through the channel) at Rate, the operator's rate of
// RateDate.
type Conversion struct {
	From     string
	Amount   decimal.Decimal
	Rate     decimal.Decimal
	RateDate time.Time
}

// Total is the sum of the charge's lines.
func (c Charge) Total() decimal.Decimal { return pricing.Total(c.Lines) }

// Schedule is how a subscription is charged: the version its next periods
// are charged at, where its periods are counted from, how far they are
// charged, and when its service was first delivered.
type Schedule struct {
	SubscriptionID int64
	Anchor         time.Time // the start of its first paid period; zero: not sold yet (a trial, a sandbox)
	ChargedUntil   time.Time // the end of the last period charged; zero: none yet
	DeliveredAt    time.Time // zero: never delivered
	Version        string    // JSON of a Version; "{}" for a schedule written before the charge ledger
	// Scheduled is the JSON of the Version a downgrade sold and that the
	// periods from ScheduledFrom (the end of those charged when it was
	// sold) are charged at; "": none.
	Scheduled     string
	ScheduledFrom time.Time
	// Coupon is the JSON of the coupon terms (internal/coupon.Terms) the
	// subscription was sold with ("": none); CouponPeriods counts the
	// periods they discounted.
	Coupon        string
	CouponPeriods int
	// Custom is the JSON of the recurring custom lines its provider bills
	// with every period from the next one charged ([CustomLinesJSON]); "":
	// none. Only the provider's declaration changes it (never a save of the
	// schedule).
	Custom string
}

// Due is a subscription with periods to charge, as a billing run reads it.
type Due struct {
	Subscription Subscription
	Schedule     Schedule
	PlanID       int64 // its plan and product now, for a schedule that records no version
	ProductID    int64
}
