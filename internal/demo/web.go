package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
)

// Password is every demo user's control-panel password. It is public: the
// demo is for trying Mercato, never for real data.
const Password = "mercato-demo"

// SetPasswords gives every demo user (and the platform admin) the demo
// password, so that the control panel can be tried at once.
func SetPasswords(ctx context.Context, st *store.Store) error {
	acc := accounts.New(st, store.TxFunc[accounts.Tx](st))
	emails := []string{store.PlatformAdminEmail}
	for _, p := range people {
		emails = append(emails, p.email)
	}
	for _, email := range emails {
		u, err := st.UserByEmail(ctx, email)
		if mercato.ErrorCode(err) == mercato.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if err := acc.SetPassword(ctx, u.ID, Password); err != nil {
			return fmt.Errorf("demo password for %s: %w", email, err)
		}
	}
	return nil
}

// PrintSignIn tells how to sign in to the demo's control panel.
func PrintSignIn(w io.Writer) {
	fmt.Fprintf(w, "Control panel: open / in a browser and sign in with any USER above (e.g. %s, %s) and the password %q.\n\n",
		people[3].email, people[0].email, Password)
}
