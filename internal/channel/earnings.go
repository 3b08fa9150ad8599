package channel

import (
	"context"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// EarningsRequest names a party and a period: OrganizationID 0 means the
// caller's own organization (for the platform: the platform's fees).
type EarningsRequest struct {
	OrganizationID int64
	Period         string // 2026-03
}

// Validate checks the period is a month (YYYY-MM).
func (r EarningsRequest) Validate() error {
	if _, err := billing.ParseMonth(r.Period); err != nil {
		return mercato.Invalid("invalid earnings request", mercato.FieldError{Path: "period", Message: err.Error(), Value: r.Period})
	}
	return nil
}

// Earnings returns a party's earnings statement for a period, one
// statement per currency: every earnings entry of the invoices and credit
// notes issued for the period. Every party reads its own, a distributor
// its resellers' too (issue 18); the platform reads anyone's. Another
// party's statement is not found, as if the party did not exist.
func (s *Service) Earnings(ctx context.Context, p mercato.Principal, r EarningsRequest) ([]billing.Statement, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	org := r.OrganizationID
	if org == 0 {
		org = p.OrgID
	}
	if org != p.OrgID && !p.IsPlatform() && !s.resellerOf(ctx, p, org) {
		return nil, mercato.NotFound("organization", org)
	}
	return s.reads.Earnings(ctx, org, r.Period)
}

// resellerOf reports whether org is a reseller of the distributor p.
func (s *Service) resellerOf(ctx context.Context, p mercato.Principal, org int64) bool {
	if p.OrgKind != mercato.KindDistributor {
		return false
	}
	o, err := s.reads.Organization(ctx, p, org)
	return err == nil && o.Kind == mercato.KindReseller && o.ParentID != nil && *o.ParentID == p.OrgID
}

// TrendMonths is how many months an earnings trend shows: a year, ending
// with the month asked for.
const TrendMonths = 12

// PeriodTotal is what a party earned in one period (YYYY-MM) in one
// currency: the credits less the debits of its earnings entries.
type PeriodTotal struct {
	Period   string
	Currency string
	Amount   decimal.Decimal
}

// Trend is a party's earnings by month: Months, oldest first, and one
// series per currency with an amount for each month (zero when nothing
// was earned).
type Trend struct {
	Months []billing.Month
	Series []TrendSeries
}

// TrendSeries is one currency's earnings, month by month.
type TrendSeries struct {
	Currency string
	Amounts  []decimal.Decimal
}

// EarningsTrend returns a party's earnings in each of the TrendMonths
// months ending with r.Period, the same entries its statements list (each
// month's total is its statement's), summed per currency. Who may read
// whose is Earnings' rule.
func (s *Service) EarningsTrend(ctx context.Context, p mercato.Principal, r EarningsRequest) (Trend, error) {
	if err := r.Validate(); err != nil {
		return Trend{}, err
	}
	org := r.OrganizationID
	if org == 0 {
		org = p.OrgID
	}
	if org != p.OrgID && !p.IsPlatform() && !s.resellerOf(ctx, p, org) {
		return Trend{}, mercato.NotFound("organization", org)
	}
	last, _ := billing.ParseMonth(r.Period)
	months := make([]billing.Month, TrendMonths)
	m := last
	for i := TrendMonths - 1; i >= 0; i-- {
		months[i], m = m, m.Prev()
	}
	totals, err := s.reads.EarningsTotals(ctx, org, months[0].String(), last.String())
	if err != nil {
		return Trend{}, err
	}
	t := Trend{Months: months}
	index := make(map[string]int, len(months))
	for i, m := range months {
		index[m.String()] = i
	}
	for _, pt := range totals {
		i, ok := index[pt.Period]
		if !ok {
			continue
		}
		k := slices.IndexFunc(t.Series, func(s TrendSeries) bool { return s.Currency == pt.Currency })
		if k < 0 {
			k = len(t.Series)
			amounts := make([]decimal.Decimal, len(months))
			for j := range amounts {
				amounts[j] = decimal.Zero
			}
			t.Series = append(t.Series, TrendSeries{Currency: pt.Currency, Amounts: amounts})
		}
		t.Series[k].Amounts[i] = t.Series[k].Amounts[i].Add(pt.Amount)
	}
	slices.SortFunc(t.Series, func(a, b TrendSeries) int { return strings.Compare(a.Currency, b.Currency) })
	return t, nil
}
