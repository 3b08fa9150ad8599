package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// runBackup copies a SQLite database while the marketplace runs.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	var db dbFlags
	db.register(fs)
	out := fs.String("out", "", "the file to write the copy to; it must not exist (env MERCATO_OUT)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{errors.New("--out is required")}
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
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "backed up to %s\n", *out)
	return err
}
