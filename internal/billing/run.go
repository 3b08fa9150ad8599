package billing

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Run is the record of one billing run.
type Run struct {
	ID            int64
	Period        string
	AsOf          time.Time
	Status        string // running, finished, failed
	Subscriptions int    // subscriptions examined
	Invoices      int    // invoices created
	Lines         int    // lines created
	Renewed       int
	Ended         int
	Error         string
	StartedAt     time.Time
	FinishedAt    *time.Time
}

// ChargeKey identifies what a charge bills (with part 0 of its lines): a
// charge whose key is already on an invoice line is not billed again.
type ChargeKey string

// KeyOf is the key of a charge of subscription sub.
func KeyOf(sub int64, kind, ref string, start time.Time) ChargeKey {
	return ChargeKey(strconv.FormatInt(sub, 10) + "|" + kind + "|" + ref + "|" + strconv.FormatInt(start.UTC().UnixMicro(), 10))
}

// Key is the charge's key.
func (c Charge) Key() ChargeKey { return KeyOf(c.SubscriptionID, c.Kind, c.Ref, c.PeriodStart) }

// UsageWindow is a window of one subscription whose usage is billed, with
// the aggregation of each metric of its plan (name → aggregation).
type UsageWindow struct {
	SubscriptionID int64
	Window         Window
	Aggregations   map[string]string
}

// UsageWindows lists the usage windows of a subscription's due.
func UsageWindows(s Subscription, due Due) []UsageWindow {
	if len(due.Usage) == 0 {
		return nil
	}
	agg := map[string]string{}
	for _, m := range s.Pricing.Normalize().Metrics {
		agg[m.Name] = m.Aggregation
	}
	out := make([]UsageWindow, 0, len(due.Usage))
	for _, w := range due.Usage {
		out = append(out, UsageWindow{SubscriptionID: s.ID, Window: w, Aggregations: agg})
	}
	return out
}

// Usage is the aggregated usage to bill: subscription → window start (unix
// seconds) → metric → quantity.
type Usage map[int64]map[int64]map[string]decimal.Decimal
