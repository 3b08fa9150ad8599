// Package cli implements mercato's subcommands, one file per command.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/mercato-market/mercato/internal/config"
)

// command is one subcommand: a one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the one table of mercato's subcommands (and of the
// subcommands of connector and emulate).
func commands() map[string]command {
	connectors := subcommands{
		"microsoft": {"run the Microsoft CSP connector (Partner Center)", runConnectorMicrosoft},
		"azure":     {"deploy ARM templates and Azure Marketplace VMs through Azure Resource Manager", runConnectorAzure},
	}
	emulators := subcommands{
		"entra":         {"emulate the Entra ID token service (client credentials, refresh tokens, JWKS)", runEmulateEntra},
		"partnercenter": {"emulate Partner Center (customers, catalog, orders, carts, subscriptions, Azure usage)", runEmulatePartnerCenter},
		"arm":           {"emulate Azure Resource Manager over HTTPS (resource groups, deployments, marketplace terms)", runEmulateARM},
	}
	return map[string]command{
		"serve":       {"run the marketplace API, control panel and workers", runServe},
		"migrate":     {"apply the embedded schema migrations and exit", runMigrate},
		"version":     {"print the version", runVersion},
		"arm":         {"evaluate ARM templates (arm eval, arm form)", runARM},
		"vendor-demo": {"run the sample syndicated SaaS vendor", runVendorDemo},
		"bench":       {"run the benchmarks against their same-run baselines and print a table", runBench},
		"backup":      {"copy a SQLite database while it is in use (backup --out FILE)", runBackup},
		"secrets":     {"re-seal secrets at rest after a key rotation (secrets rotate)", runSecrets},
		"connector":   {"run a provisioning connector (microsoft, azure)", connectors.run("connector")},
		"billing":     {"close a billing month: billing run --period YYYY-MM", runBilling},
		"emulate":     {"run a Microsoft emulator (entra, partnercenter, arm)", emulators.run("emulate")},
		"openapi":     {"write the OpenAPI document of the API (openapi --api v1|cloudesire)", runOpenAPI},
	}
}

// Run executes the command line args (without the program name) and returns
// the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mercato: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "mercato %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "mercato %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: mercato <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
}

// usageError marks an error in the command line itself (exit code 2).
type usageError struct{ error }

// newFlagSet returns a flag set whose flags fall back to MERCATO_* environment
// variables: a flag --database-url reads MERCATO_DATABASE_URL when not given.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mercato "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, then fills every flag not set on the command line
// from its MERCATO_* environment variable.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if err := config.FillFromEnv(fs, nil); err != nil {
		return usageError{err}
	}
	return nil
}
