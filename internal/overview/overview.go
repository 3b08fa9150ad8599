// Package overview is the operator's view of the business: monthly
// recurring revenue, revenue by month, new and cancelled subscriptions,
// failed provisionings and failed payments over the last twelve months,
// computed from what was recorded (charges, invoices, subscriptions and
// their events, payment events). Money stays decimal here; whoever draws
// it converts.
package overview

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Months is how many months a report covers, the current one last.
const Months = 12

// Reads is what the report is computed from (the store satisfies it).
type Reads interface {
	// BusinessFacts returns what was recorded in [from, to).
	BusinessFacts(ctx context.Context, from, to time.Time) (Facts, error)
	Clock() time.Time
}

// Facts are the records a report is made of.
type Facts struct {
	// Invoices are the platform's issued invoices and credit notes (not
	// void), with their net amount (a credit note's is negative).
	Invoices []Invoice
	// Charges are the recurring charges delivered (open) whose period overlaps
	// the range.
	Charges []Charge
	// Created are when the subscriptions (not sandboxes) were created.
	Created []time.Time
	// Moves are the subscriptions' changes of deployment status.
	Moves []Move
	// FailedPayments are when a collection of an invoice failed.
	FailedPayments []time.Time
}

// Invoice is an issued invoice or credit note.
type Invoice struct {
	IssuedAt time.Time
	Currency string
	Net      decimal.Decimal
}

// Charge is a recurring charge for a period.
type Charge struct {
	Start, End time.Time
	Currency   string
	Amount     decimal.Decimal
}

// Move is a change of a subscription's deployment status.
type Move struct {
	At       time.Time
	From, To string
}

// Money is an amount per month in one currency.
type Money struct {
	Currency string
	Amounts  []decimal.Decimal // one per month of the report
}

// Report is the business month by month, oldest first.
type Report struct {
	Months    []time.Time // the first instant of each month (UTC)
	Now       time.Time
	MRR       []Money // monthly recurring revenue at the end of each month (now, for the current one)
	Revenue   []Money // net invoiced (less credit notes) in each month
	New       []int   // subscriptions created
	Cancelled []int   // subscriptions terminated, rejected or lapsed unpaid
	// FailedProvisionings counts moves to FAILED; FailedPayments failed
	// collections.
	FailedProvisionings, FailedPayments []int
}

// Service computes reports.
type Service struct{ reads Reads }

// New is the service over reads.
func New(reads Reads) *Service { return &Service{reads: reads} }

// Report is the last twelve months of the business, up to the reads'
// clock: the platform only.
func (s *Service) Report(ctx context.Context, p mercato.Principal) (Report, error) {
	if p.OrgKind != mercato.KindPlatform {
		return Report{}, mercato.Errorf(mercato.EFORBIDDEN, "only the platform reads the business overview")
	}
	now := s.reads.Clock().UTC()
	months := monthsUpTo(now)
	end := months[len(months)-1].AddDate(0, 1, 0)
	f, err := s.reads.BusinessFacts(ctx, months[0], end)
	if err != nil {
		return Report{}, err
	}
	return compute(f, months, now), nil
}

// monthsUpTo is the first instants of the Months months ending with now's.
func monthsUpTo(now time.Time) []time.Time {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := make([]time.Time, Months)
	for i := range out {
		out[i] = first.AddDate(0, i-(Months-1), 0)
	}
	return out
}

// monthOf is the index of t's month in months, or -1.
func monthOf(months []time.Time, t time.Time) int {
	t = t.UTC()
	for i := len(months) - 1; i >= 0; i-- {
		if !t.Before(months[i]) {
			if t.Before(months[i].AddDate(0, 1, 0)) {
				return i
			}
			return -1
		}
	}
	return -1
}

func compute(f Facts, months []time.Time, now time.Time) Report {
	n := len(months)
	r := Report{Months: months, Now: now, New: make([]int, n), Cancelled: make([]int, n),
		FailedProvisionings: make([]int, n), FailedPayments: make([]int, n)}
	revenue := map[string][]decimal.Decimal{}
	for _, inv := range f.Invoices {
		if i := monthOf(months, inv.IssuedAt); i >= 0 {
			add(revenue, inv.Currency, n, i, inv.Net)
		}
	}
	mrr := map[string][]decimal.Decimal{}
	for i, m := range months {
		at := m.AddDate(0, 1, 0).Add(-time.Microsecond) // the month's last instant
		if i == n-1 {
			at = now
		}
		for _, c := range f.Charges {
			if !at.Before(c.Start) && at.Before(c.End) {
				add(mrr, c.Currency, n, i, Monthly(c))
			}
		}
	}
	count := func(into []int, t time.Time) {
		if i := monthOf(months, t); i >= 0 {
			into[i]++
		}
	}
	for _, t := range f.Created {
		count(r.New, t)
	}
	for _, mv := range f.Moves {
		switch {
		case mv.To == "FAILED":
			count(r.FailedProvisionings, mv.At)
		case mv.To == "UNDEPLOY_SENT", mv.To == "PAYMENT_EXPIRED", mv.To == "UNDEPLOYED" && mv.From != "UNDEPLOY_SENT":
			count(r.Cancelled, mv.At)
		}
	}
	for _, t := range f.FailedPayments {
		count(r.FailedPayments, t)
	}
	r.MRR, r.Revenue = byCurrency(mrr), byCurrency(revenue)
	return r
}

func add(into map[string][]decimal.Decimal, currency string, n, i int, d decimal.Decimal) {
	if into[currency] == nil {
		into[currency] = make([]decimal.Decimal, n)
	}
	into[currency][i] = into[currency][i].Add(d)
}

// byCurrency lists the amounts in the order of their currencies' codes,
// rounded to cents.
func byCurrency(m map[string][]decimal.Decimal) []Money {
	out := make([]Money, 0, len(m))
	for c, a := range m {
		for i := range a {
			a[i] = a[i].Round(2)
		}
		out = append(out, Money{Currency: c, Amounts: a})
	}
	slices.SortFunc(out, func(a, b Money) int { return cmp.Compare(a.Currency, b.Currency) })
	return out
}
