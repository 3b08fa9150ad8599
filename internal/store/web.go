package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Control-panel sign-in: passwords (bcrypt hashes in users.password_hash),
// sessions and password-reset links. Session and reset secrets are 256
// random bits handed to the browser; the database keeps only their SHA-256,
// as with API tokens, so a copy of the database signs nobody in. The
// writes are on Tx (tx_accounts.go); internal/accounts holds the rules.

// UserByEmail returns the user that holds an address regardless of
// visibility, for sign-in and password resets (never a user kept without
// its address: its email is no address); callers must not show it to
// anyone else.
func (s *Store) UserByEmail(ctx context.Context, email string) (mercato.User, error) {
	u, err := scanUser(s.rd().QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE lower(u.email) = lower($1)", strings.TrimSpace(email)))
	if err != nil {
		return u, notFoundIfNoRows(err, "user", email)
	}
	return u, nil
}

// PasswordHash returns the principal of the user with this email (or user
// name) that holds its address, and its password hash, "" when it has none. An unknown email is no error but a
// zero principal and no hash, which the caller answers exactly as a wrong
// password.
func (s *Store) PasswordHash(ctx context.Context, email string) (mercato.Principal, string, error) {
	var (
		p    mercato.Principal
		hash string
	)
	err := s.rd().QueryRowContext(ctx, `SELECT u.id, u.organization_id, o.kind, u.role, u.password_hash
		FROM users u JOIN organizations o ON o.id = u.organization_id WHERE (lower(u.email) = lower($1) OR lower(u.username) = lower($1)) AND u.pending_email IS NULL`, strings.TrimSpace(email)).
		Scan(&p.UserID, &p.OrgID, &p.OrgKind, &p.Role, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return mercato.Principal{}, "", nil
	}
	if err != nil {
		return mercato.Principal{}, "", fmt.Errorf("password hash: %w", err)
	}
	return p, hash, nil
}

// Session returns the principal and user of a live session; an unknown or
// expired session is EUNAUTHORIZED.
func (s *Store) Session(ctx context.Context, secret string) (mercato.Principal, mercato.User, error) {
	var (
		p mercato.Principal
		u mercato.User
	)
	if secret == "" {
		return p, u, mercato.Errorf(mercato.EUNAUTHORIZED, "no session")
	}
	err := s.rd().QueryRowContext(ctx, `SELECT u.id, u.organization_id, u.email, u.name, u.role, u.language, u.created_at, u.updated_at, o.kind
		FROM web_sessions ws JOIN users u ON u.id = ws.user_id JOIN organizations o ON o.id = u.organization_id
		WHERE ws.hash = $1 AND ws.expires_at > $2`, hashToken(secret), micros(s.now())).
		Scan(&u.ID, &u.OrganizationID, &u.Email, &u.Name, &u.Role, &u.Language, &u.CreatedAt, &u.UpdatedAt, &p.OrgKind)
	if errors.Is(err, sql.ErrNoRows) {
		return p, u, mercato.Errorf(mercato.EUNAUTHORIZED, "session expired")
	}
	if err != nil {
		return p, u, fmt.Errorf("session: %w", err)
	}
	p.UserID, p.OrgID, p.Role = u.ID, u.OrganizationID, u.Role
	return p, u, nil
}

// PasswordResetUsable reports whether a reset link is unused and has not
// expired.
func (s *Store) PasswordResetUsable(ctx context.Context, secret string) (bool, error) {
	var usable bool
	if err := s.rd().QueryRowContext(ctx, `SELECT COUNT(*) > 0 FROM password_resets WHERE hash = $1 AND used_at IS NULL AND expires_at > $2`,
		hashToken(secret), micros(s.now())).Scan(&usable); err != nil {
		return false, fmt.Errorf("password reset: %w", err)
	}
	return usable, nil
}
