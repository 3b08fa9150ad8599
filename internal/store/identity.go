package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Identities at identity providers (OpenID Connect): each an issuer and the
// subject it names a person by, linked to one user (migration 00040). The
// accounts service decides when one is linked (SignInWithIdentity).

// IdentityPrincipal returns the principal of the user the identity
// (issuer, subject) is linked to, and false when it is linked to none or
// its user no longer holds its address (never signed in).
func (s *Store) IdentityPrincipal(ctx context.Context, issuer, subject string) (mercato.Principal, bool, error) {
	var p mercato.Principal
	err := s.rd().QueryRowContext(ctx, `SELECT u.id, u.organization_id, o.kind, u.role
		FROM user_identities ui JOIN users u ON u.id = ui.user_id JOIN organizations o ON o.id = u.organization_id
		WHERE ui.issuer = $1 AND ui.subject = $2 AND u.pending_email IS NULL`, issuer, subject).
		Scan(&p.UserID, &p.OrgID, &p.OrgKind, &p.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return mercato.Principal{}, false, nil
	}
	if err != nil {
		return mercato.Principal{}, false, fmt.Errorf("identity principal: %w", err)
	}
	return p, true, nil
}

// LinkIdentity links the identity (issuer, subject) to a user; an identity
// already linked (to this user or another) is a conflict.
func (tx *Tx) LinkIdentity(ctx context.Context, userID int64, issuer, subject string) error {
	_, err := tx.t.ExecContext(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)`,
		issuer, subject, userID, tx.s.now())
	if isUniqueViolation(err) {
		return mercato.Errorf(mercato.ECONFLICT, "this identity is already linked to a user")
	}
	if err != nil {
		return fmt.Errorf("link identity of user %d: %w", userID, err)
	}
	return nil
}
