package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-analyze/charts"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/usage"
)

// chart is a chart drawn on the server as SVG, shown as an image (a data
// URL: the library styles its shapes inline, which the page's
// Content-Security-Policy would refuse in the page itself), with the same
// figures as a table for screen readers and whoever does not see it.
type chart struct {
	Title    string
	Image    template.URL
	Category string     // the table's heading of the categories ("Month" when empty)
	Columns  []string   // the series' names
	Rows     []chartRow // one per category (month, day)
}

type chartRow struct {
	Label string
	Cells []string
}

// series is one line or set of bars: Values to draw (floats, for drawing
// only), Cells the same figures as the table reads them (money formatted
// from its decimals).
type series struct {
	Name   string
	Values []float64
	Cells  []string
}

// chartKind is how a chart draws its series.
type chartKind int

const (
	barChart chartKind = iota
	lineChart
)

// drawChart draws series over the labels. whole says the figures are
// counts (the axis shows no decimals).
func drawChart(kind chartKind, title string, labels []string, ss []series, whole bool) (chart, error) {
	c := chart{Title: title}
	names := make([]string, len(ss))
	values := make([][]float64, len(ss))
	for i, s := range ss {
		names[i], values[i] = s.Name, s.Values
	}
	c.Columns = names
	for i, l := range labels {
		row := chartRow{Label: l}
		for _, s := range ss {
			row.Cells = append(row.Cells, s.Cells[i])
		}
		c.Rows = append(c.Rows, row)
	}
	format := func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
	if whole {
		format = func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }
	}
	zero := 0.0
	axis := []charts.ValueAxisOption{{Min: &zero, ValueFormatter: format}}
	if whole {
		axis[0].Unit = 1
	}
	// Every month labelled, slanted so that none runs into the next.
	category := charts.CategoryAxisOption{Labels: labels, LabelCount: len(labels), LabelRotation: charts.DegreesToRadians(-40)}
	p := charts.NewPainter(charts.PainterOptions{Width: 640, Height: 280, OutputFormat: charts.ChartOutputSVG})
	var err error
	switch kind {
	case lineChart:
		opt := charts.NewLineChartOptionWithData(values)
		opt.XAxis, opt.YAxis, opt.Legend = category, axis, charts.LegendOption{SeriesNames: names}
		err = p.LineChart(opt)
	default:
		opt := charts.NewBarChartOptionWithData(values)
		opt.CategoryAxis, opt.ValueAxis, opt.Legend = category, axis, charts.LegendOption{SeriesNames: names}
		err = p.BarChart(opt)
	}
	if err != nil {
		return c, fmt.Errorf("draw chart %q: %w", title, err)
	}
	svg, err := p.Bytes()
	if err != nil {
		return c, fmt.Errorf("draw chart %q: %w", title, err)
	}
	c.Image = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	return c, nil
}

// usageDays and usageMonths are how far back a subscription's usage
// charts look: by day, by month.
const (
	usageDays   = 30
	usageMonths = 12
)

// usageCharts draws a metered subscription's usage, one bar chart per
// metric of its plan, day by day over the last usageDays days or (with
// ?usage=month) month by month over the last usageMonths months, each
// bucket folded with the metric's aggregation (usage.Service.Series).
func (s *Server) usageCharts(r *http.Request, p mercato.Principal, subID int64) ([]chart, usage.Step, error) {
	now := s.services.Clock().UTC()
	req := usage.SeriesRequest{Step: usage.ByDay, To: time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)}
	req.From = req.To.AddDate(0, 0, -usageDays)
	if r.FormValue("usage") == string(usage.ByMonth) {
		req.Step, req.To = usage.ByMonth, time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		req.From = req.To.AddDate(0, -usageMonths, 0)
	}
	sr, err := s.services.Usage.Series(r.Context(), p, subID, req)
	if err != nil {
		return nil, req.Step, err
	}
	w := wordsFor(s.langOf(r))
	labels := make([]string, len(sr.Starts))
	for i, t := range sr.Starts {
		labels[i] = w.T(monthNames[t.Month()-1]) + " " + strconv.Itoa(t.Year())
		if req.Step == usage.ByDay {
			labels[i] = strconv.Itoa(t.Day()) + " " + w.T(monthNames[t.Month()-1])
		}
	}
	category := w.T("Month")
	if req.Step == usage.ByDay {
		category = w.T("Day")
	}
	out := make([]chart, 0, len(sr.Metrics))
	for _, m := range sr.Metrics {
		ss := series{Name: m.Unit}
		if ss.Name == "" {
			ss.Name = m.Metric
		}
		for _, q := range m.Quantities {
			ss.Values = append(ss.Values, q.InexactFloat64())
			ss.Cells = append(ss.Cells, q.String())
		}
		title := w.T("Usage of %v by day", m.Metric)
		if req.Step == usage.ByMonth {
			title = w.T("Usage of %v by month", m.Metric)
		}
		c, err := drawChart(barChart, title, labels, []series{ss}, false)
		if err != nil {
			return nil, req.Step, err
		}
		c.Category = category
		out = append(out, c)
	}
	return out, req.Step, nil
}
