package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/store"
)

// runBench runs the project's benchmarks in-process with internal/bench's
// own runner (timed as go test -bench times them, without linking the
// testing package into the binary) and prints one table: absolute figures
// and ratios to each benchmark's own same-run baseline. Why a benchmark did
// not run goes to stderr; with -v, every log line of the benchmarks too.
func runBench(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	var (
		engines  = fs.String("engines", "sqlite,postgres", "engines to measure: sqlite, postgres or both (env MERCATO_ENGINES)")
		only     = fs.String("run", "", "only benchmarks whose name matches this regular expression (env MERCATO_RUN)")
		verbose  = fs.Bool("v", false, "print the benchmarks' log lines to stderr (env MERCATO_V)")
		listRows = fs.String("list-rows", "1000,100000", "table sizes (rows, comma-separated) the lists benchmark reads at, e.g. 1000000; each is seeded afresh (env MERCATO_LIST_ROWS)")
		billing  = fs.String("billing-sizes", "10000,100000", "numbers of subscriptions the billing run is measured at, e.g. 10000,100000,1000000 (env MERCATO_BILLING_SIZES)")
		postgres = fs.String("postgres", "", "PostgreSQL server for the postgres runs (a fresh schema is made and dropped); default MERCATO_TEST_POSTGRES or the local test database (env MERCATO_POSTGRES)")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var list []store.Engine
	for _, e := range strings.Split(*engines, ",") {
		switch store.Engine(strings.TrimSpace(e)) {
		case store.SQLite:
			list = append(list, store.SQLite)
		case store.Postgres:
			list = append(list, store.Postgres)
		default:
			return usageError{fmt.Errorf("unknown engine %q", e)}
		}
	}
	var rows []int
	for _, part := range strings.Split(*listRows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 100 || n > 10_000_000 {
			return usageError{fmt.Errorf("--list-rows %q: want row counts from 100 to 10000000, comma-separated", part)}
		}
		rows = append(rows, n)
	}
	var match *regexp.Regexp
	if *only != "" {
		var err error
		if match, err = regexp.Compile(*only); err != nil {
			return usageError{err}
		}
	}
	var billingSizes []int
	for _, f := range strings.Split(*billing, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 10 {
			return usageError{fmt.Errorf("-billing-sizes: %q is not a number of subscriptions (10 or more)", f)}
		}
		billingSizes = append(billingSizes, n)
	}
	if *postgres != "" {
		os.Setenv("MERCATO_TEST_POSTGRES", *postgres)
	}
	var logw io.Writer
	if *verbose {
		logw = stderr
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	// LOAD is the 1-minute load average before → after each benchmark: the
	// machines are shared, so a figure is read with it and against its
	// same-run baseline (the ratios among the figures).
	fmt.Fprintln(tw, "BENCHMARK\tENGINE\tN\tLOAD\tFIGURES")
	for _, b := range bench.All(list, rows, billingSizes...) {
		if match != nil && !match.MatchString(b.Name) {
			continue
		}
		bt, err := bench.ParseBenchtime(b.Benchtime)
		if err != nil {
			return err
		}
		if logw != nil {
			fmt.Fprintf(logw, "%s (%s):\n", b.Name, b.Engine)
		}
		before := loadAverage()
		r := bench.Run(b.Run, bt, logw)
		load := before + "→" + loadAverage()
		if r.N == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t%s\tdid not run (a database missing? the reason is on stderr)\n", b.Name, b.Engine, load)
			tw.Flush()
			fmt.Fprintf(stderr, "%s (%s) did not run: %s\n", b.Name, b.Engine, r.Reason)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", b.Name, b.Engine, r.N, load, figures(r))
		tw.Flush()
	}
	return tw.Flush()
}

// figures formats a result's reported metrics, units sorted.
func figures(r bench.Result) string {
	units := make([]string, 0, len(r.Extra))
	for u := range r.Extra {
		units = append(units, u)
	}
	sort.Strings(units)
	var parts []string
	for _, u := range units {
		parts = append(parts, fmt.Sprintf("%.4g %s", r.Extra[u], u))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d ns/op", r.NsPerOp()))
	}
	return strings.Join(parts, ", ")
}

// loadAverage is the 1-minute load average as the table prints it ("?"
// where the system does not tell it).
func loadAverage() string {
	v, err := bench.LoadAverage()
	if err != nil {
		return "?"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
