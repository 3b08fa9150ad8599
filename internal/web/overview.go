package web

import (
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/overview"
)

// monthNames are the months' short names, as the charts label them.
var monthNames = [12]string{msgid("Jan"), msgid("Feb"), msgid("Mar"), msgid("Apr"), msgid("May"), msgid("Jun"),
	msgid("Jul"), msgid("Aug"), msgid("Sep"), msgid("Oct"), msgid("Nov"), msgid("Dec")}

// overviewCharts are the charts of the operator's overview, in the
// reader's language: MRR, revenue by month, new and cancelled
// subscriptions, failed provisionings and payments. currency names the
// money charts' one series when nothing was recorded yet.
func (s *Server) overviewCharts(r *http.Request, rep overview.Report, currency string) ([]chart, error) {
	w := wordsFor(s.langOf(r))
	labels := make([]string, len(rep.Months))
	for i, m := range rep.Months {
		labels[i] = w.T(monthNames[m.Month()-1]) + " " + strconv.Itoa(m.Year())
	}
	money := func(ms []overview.Money) []series {
		if len(ms) == 0 {
			ms = []overview.Money{{Currency: currency, Amounts: make([]decimal.Decimal, len(rep.Months))}}
		}
		out := make([]series, len(ms))
		for i, m := range ms {
			out[i].Name = m.Currency
			for _, a := range m.Amounts {
				out[i].Values = append(out[i].Values, a.InexactFloat64())
				out[i].Cells = append(out[i].Cells, w.money(a, m.Currency))
			}
		}
		return out
	}
	count := func(name string, ns []int) series {
		sr := series{Name: name}
		for _, n := range ns {
			sr.Values = append(sr.Values, float64(n))
			sr.Cells = append(sr.Cells, strconv.Itoa(n))
		}
		return sr
	}
	specs := []struct {
		kind  chartKind
		title string
		ss    []series
		whole bool
	}{
		{lineChart, w.T("Monthly recurring revenue"), money(rep.MRR), false},
		{barChart, w.T("Revenue by month (net of tax, less credit notes)"), money(rep.Revenue), false},
		{barChart, w.T("New and cancelled subscriptions"), []series{count(w.T("New"), rep.New), count(w.T("Cancelled"), rep.Cancelled)}, true},
		{barChart, w.T("Failed provisionings and payments"), []series{count(w.T("Failed provisionings"), rep.FailedProvisionings), count(w.T("Failed payments"), rep.FailedPayments)}, true},
	}
	out := make([]chart, 0, len(specs))
	for _, sp := range specs {
		c, err := drawChart(sp.kind, sp.title, labels, sp.ss, sp.whole)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
