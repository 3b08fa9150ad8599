package billing

import (
	"fmt"
	"time"
)

// Month is a calendar month in UTC, the unit a billing run closes.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth parses "2026-03".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return Month{}, fmt.Errorf("billing period %q is not a month such as 2026-03", s)
	}
	return Month{t.Year(), t.Month()}, nil
}

// MonthOf returns the month t falls in (in UTC).
func MonthOf(t time.Time) Month {
	t = t.UTC()
	return Month{t.Year(), t.Month()}
}

// String returns "2026-03".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Start is the first instant of the month.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }

// End is the first instant of the next month.
func (m Month) End() time.Time { return m.Start().AddDate(0, 1, 0) }

// Next returns the following month.
func (m Month) Next() Month { return MonthOf(m.End()) }

// Prev returns the previous month.
func (m Month) Prev() Month { return MonthOf(m.Start().AddDate(0, 0, -1)) }
