package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// subcommands is a command with subcommands of its own ("mercato connector
// microsoft", "mercato emulate entra"); each subcommand lives in its own
// file, and commands() in cli.go lists them.
type subcommands map[string]command

func (sc subcommands) run(group string) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		names := make([]string, 0, len(sc))
		for n := range sc {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(args) == 0 {
			return usageError{fmt.Errorf("usage: mercato %s <%s> [flags]", group, strings.Join(names, "|"))}
		}
		cmd, ok := sc[args[0]]
		if !ok {
			return usageError{fmt.Errorf("unknown %s %q: want one of %s", group, args[0], strings.Join(names, ", "))}
		}
		return cmd.run(ctx, args[1:], stdout, stderr)
	}
}
