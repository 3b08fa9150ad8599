package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// runSecrets manages the keys that seal secrets at rest.
func runSecrets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usageError{errors.New("usage: mercato secrets rotate [--database-url …]: re-seal every secret with the first key of MERCATO_SECRET_KEY")}
	}
	fs := newFlagSet("secrets rotate", stderr)
	var db dbFlags
	db.register(fs)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	log, err := newLogger("text", "info")
	if err != nil {
		return err
	}
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.RotateSecrets(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%d secrets sealed again with the first key of MERCATO_SECRET_KEY; the others can now be removed from it\n", n)
	return err
}
