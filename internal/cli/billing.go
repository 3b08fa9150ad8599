package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/store"
)

// runBilling is `mercato billing run --period 2026-03`: an operator closes
// a month by hand (the scheduled job in serve does the same every hour).
func runBilling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return usageError{fmt.Errorf("usage: mercato billing run --period YYYY-MM [--as-of RFC3339] [--draft]")}
	}
	fs := newFlagSet("billing run", stderr)
	var db dbFlags
	db.register(fs)
	period := fs.String("period", "", "the month to close, YYYY-MM (default: the current month)")
	asOf := fs.String("as-of", "", "decide renewals and dunning at this RFC 3339 time (default: now)")
	draft := fs.Bool("draft", false, "leave the new invoices as drafts")
	dunning := billing.DefaultDunning()
	config.RegisterDunning(fs, &dunning)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	m := billing.MonthOf(time.Now())
	if *period != "" {
		var err error
		if m, err = billing.ParseMonth(*period); err != nil {
			return usageError{err}
		}
	}
	if err := dunning.Validate(); err != nil {
		return usageError{fmt.Errorf("dunning (--dunning-*, MERCATO_DUNNING_*): %w", err)}
	}
	opts := billingrun.Options{Period: m, Draft: *draft, Dunning: &dunning}
	if *asOf != "" {
		t, err := time.Parse(time.RFC3339, *asOf)
		if err != nil {
			return usageError{fmt.Errorf("--as-of: %w", err)}
		}
		opts.AsOf = t
	}
	log, err := newLogger("text", "info")
	if err != nil {
		return err
	}
	opts.Log = log
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.Bootstrap(ctx, "")
	if err != nil {
		return err
	}
	start := time.Now()
	run, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).RunBilling(ctx, p, opts)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "billing run %d for %s: %d subscriptions, %d invoices, %d lines, %d renewed, %d ended, %d skipped in %s\n",
		run.ID, run.Period, run.Subscriptions, run.Invoices, run.Lines, run.Renewed, run.Ended, run.Skipped, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return err
	}
	for _, sk := range run.Skips {
		if _, err := fmt.Fprintf(stdout, "  skipped subscription %d (%s): %s\n", sk.SubscriptionID, sk.Step, sk.Reason); err != nil {
			return err
		}
	}
	return nil
}
