package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"strconv"

	"github.com/go-analyze/charts"
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
