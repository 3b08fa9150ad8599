package pricing

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// DefaultPeriod is the billing period of a plan that does not name one.
const DefaultPeriod = "P1M"

// maxPeriodCount bounds n in PnX so that date arithmetic cannot overflow.
const maxPeriodCount = 1000

// Period is an ISO 8601 duration of a single component: PnD, PnW, PnM or
// PnY (P1M, P3M, P1Y, P2W). Months and years are calendar units, so a
// period is not a fixed number of hours; use [Period.AddTo] to find where
// it ends. The zero Period is invalid.
type Period struct {
	n    int
	unit byte // 'D', 'W', 'M' or 'Y'
}

// ParsePeriod parses an ISO 8601 duration with one component, such as
// "P1M", "P3M", "P1Y", "P14D" or "P2W". n must be between 1 and 1000.
// Combined forms ("P1Y2M") and times ("PT1H") are not billing periods and
// are rejected.
func ParsePeriod(s string) (Period, error) {
	if len(s) < 3 || s[0] != 'P' {
		return Period{}, fmt.Errorf("period %q is not an ISO 8601 duration such as P1M, P1Y or P14D", s)
	}
	unit := s[len(s)-1]
	switch unit {
	case 'D', 'W', 'M', 'Y':
	default:
		return Period{}, fmt.Errorf("period %q must end in D, W, M or Y", s)
	}
	digits := s[1 : len(s)-1]
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return Period{}, fmt.Errorf("period %q must be P followed by a whole number and one of D, W, M, Y", s)
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > maxPeriodCount {
		return Period{}, fmt.Errorf("period %q must count between 1 and %d units", s, maxPeriodCount)
	}
	return Period{n: n, unit: unit}, nil
}

// String returns the ISO 8601 form, such as "P1M"; "" for the zero Period.
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	return "P" + strconv.Itoa(p.n) + string(p.unit)
}

// IsZero reports whether p is the zero (invalid) Period.
func (p Period) IsZero() bool { return p.n == 0 }

// Months returns the length in months of a month- or year-based period
// (P1Y is 12), and 0 for a day- or week-based one.
func (p Period) Months() int {
	switch p.unit {
	case 'M':
		return p.n
	case 'Y':
		return 12 * p.n
	}
	return 0
}

// Days returns the length in days of a day- or week-based period (P2W is
// 14), and 0 for a month- or year-based one, whose length in days depends
// on the calendar.
func (p Period) Days() int {
	switch p.unit {
	case 'D':
		return p.n
	case 'W':
		return 7 * p.n
	}
	return 0
}

// AddTo returns t plus one period. Months are added with end-of-month
// clamping: Jan 31 + P1M is Feb 28 (Feb 29 in a leap year), not Mar 3 as
// [time.Time.AddDate] would give. The clock time and location are kept.
//
// Adding the period repeatedly drifts (Jan 31, Feb 28, Mar 28); to find the
// k-th renewal of a subscription, use [Period.AddN] from the anchor date.
func (p Period) AddTo(t time.Time) time.Time { return p.AddN(t, 1) }

// AddN returns t plus k periods, clamped to the end of the month once, so
// that AddN(Jan 31, 2) with P1M is Mar 31. k may be negative.
func (p Period) AddN(t time.Time, k int) time.Time {
	if days := p.Days(); days > 0 {
		return t.AddDate(0, 0, days*k)
	}
	return addMonths(t, p.Months()*k)
}

// addMonths adds months to t, clamping the day to the target month's last.
func addMonths(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	hh, mm, ss := t.Clock()
	return time.Date(first.Year(), first.Month(), min(d, last), hh, mm, ss, t.Nanosecond(), t.Location())
}

// errMixedUnits is returned by fitsTerm when one period counts months and
// the other days: they cannot be compared without a calendar.
var errMixedUnits = errors.New("term and period must both count months/years or both days/weeks")

// fitsTerm checks that term is a whole multiple of period, at least one.
func fitsTerm(period, term Period) error {
	pm, tm := period.Months(), term.Months()
	pd, td := period.Days(), term.Days()
	switch {
	case pm > 0 && tm > 0:
		if tm < pm || tm%pm != 0 {
			return fmt.Errorf("term %s must be a whole multiple of the period %s", term, period)
		}
	case pd > 0 && td > 0:
		if td < pd || td%pd != 0 {
			return fmt.Errorf("term %s must be a whole multiple of the period %s", term, period)
		}
	default:
		return errMixedUnits
	}
	return nil
}
