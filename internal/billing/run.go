package billing

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Run is the record of one billing run.
type Run struct {
	ID            int64
	Period        string
	AsOf          time.Time
	Status        string // running, finished, failed (also a run whose process died: the run that took over says so in Error)
	Subscriptions int    // subscriptions examined
	Invoices      int    // invoices created
	Lines         int    // lines created
	Renewed       int
	Ended         int
	Skipped       int    // subscriptions left for the next run (Skips says why)
	Skips         []Skip // written when the run finishes
	// Progress, recorded after every chunk: the customers the run bills
	// (counted once its renewals are done) and those billed so far.
	Customers     int
	CustomersDone int
	Error         string
	StartedAt     time.Time
	FinishedAt    *time.Time
	LeaseUntil    time.Time // while running: renewed after every chunk
}

// Done is the progress of a run as "n of m" customers: m is at least n
// (customers who bought during the run are billed by it too).
func (r Run) Done() (n, m int) { return r.CustomersDone, max(r.Customers, r.CustomersDone) }

// Running is why a billing run cannot start: another holds the lease
// (only one runs at a time).
type Running struct{ Run Run }

func (e *Running) Error() string {
	return fmt.Sprintf("billing run %d for %s is running (started %s); a new run can start once it has finished",
		e.Run.ID, e.Run.Period, e.Run.StartedAt.Format(time.RFC3339))
}

// Skip is a subscription a billing run could not charge, and why: one
// tenant's data never stops the others' invoices; the next run tries again.
type Skip struct {
	SubscriptionID int64
	Step           string // renewal, period, usage
	Reason         string
}

// UsageWindow is a window of one subscription whose usage is billed, with
// the aggregation of each metric of its plan (name → aggregation).
type UsageWindow struct {
	SubscriptionID int64
	Window         Window
	Aggregations   map[string]string
}

// Usage is the aggregated usage to bill: subscription → window start (unix
// seconds) → metric → quantity.
type Usage map[int64]map[int64]map[string]decimal.Decimal
