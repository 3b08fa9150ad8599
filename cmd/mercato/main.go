// Command mercato is the marketplace: API server, control panel, workers,
// connectors and Microsoft emulators behind one binary with subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mercato-market/mercato/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
