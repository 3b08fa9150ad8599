package cloudesire

import (
	"context"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Accounts is the accounts service the handlers read users and companies
// through (internal/accounts).
type Accounts interface {
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	SubscriberUser(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	UserPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.User, int, error)
	OrganizationPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.Organization, int, error)
	// CheckPassword and CreateToken are /api/login's: a user's password
	// checked, then an API token issued for it.
	CheckPassword(ctx context.Context, email, password string) (mercato.Principal, error)
	CreateToken(ctx context.Context, p mercato.Principal, userID int64, name string) (mercato.Token, string, error)
}
