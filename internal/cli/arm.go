package cli

import (
	"context"
	"errors"
	"io"
)

// runARM is replaced by the ARM template engine's command (issue 5).
func runARM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("the ARM template engine is not built yet")
}
