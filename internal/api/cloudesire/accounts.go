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
}
