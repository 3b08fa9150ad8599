package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Control-panel sign-in: passwords (bcrypt hashes in users.password_hash),
// sessions and password-reset links. Session and reset secrets are 256
// random bits handed to the browser; the database keeps only their SHA-256,
// as with API tokens, so a copy of the database signs nobody in.

// Password rules.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 72 // bcrypt reads at most 72 bytes
	passwordCost      = 11
)

// dummyHash is compared against when the email is unknown, so that a
// sign-in takes as long whether or not the account exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("mercato-no-such-user"), passwordCost)

// ValidatePassword checks a new password against the rules.
func ValidatePassword(pw string) error {
	var fe mercato.FieldErrors
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		fe.Add("password", "must be at least %d characters", MinPasswordLength)
	case len(pw) > MaxPasswordLength:
		fe.Add("password", "must be at most %d bytes", MaxPasswordLength)
	case strings.ContainsRune(pw, 0):
		fe.Add("password", "must not contain NUL characters")
	}
	return fe.Err("invalid password")
}

// SetPassword sets a user's password, for the demo data and administration
// tools (no principal: the caller is trusted). Users change theirs through a
// reset link (ResetPassword).
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	res, err := s.rd().ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, string(hash), s.now(), userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return mercato.NotFound("user", userID)
	}
	return nil
}

// UserByEmail returns a user by email regardless of visibility, for
// sign-in and password resets; callers must not show it to anyone else.
func (s *Store) UserByEmail(ctx context.Context, email string) (mercato.User, error) {
	u, err := scanUser(s.rd().QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE lower(u.email) = lower($1)", strings.TrimSpace(email)))
	if err != nil {
		return u, notFoundIfNoRows(err, "user", email)
	}
	return u, nil
}

// CheckPassword signs a user in by email and password and returns the
// user's principal. Any mismatch (unknown email, no password set, wrong
// password) is the same EUNAUTHORIZED error, and takes as long.
func (s *Store) CheckPassword(ctx context.Context, email, password string) (mercato.Principal, error) {
	var (
		p    mercato.Principal
		hash string
	)
	err := s.rd().QueryRowContext(ctx, `SELECT u.id, u.organization_id, o.kind, u.role, u.password_hash
		FROM users u JOIN organizations o ON o.id = u.organization_id WHERE lower(u.email) = lower($1)`, strings.TrimSpace(email)).
		Scan(&p.UserID, &p.OrgID, &p.OrgKind, &p.Role, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("check password: %w", err)
	}
	bad := mercato.Errorf(mercato.EUNAUTHORIZED, "wrong email or password")
	if hash == "" || len(password) > MaxPasswordLength {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return mercato.Principal{}, bad
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return mercato.Principal{}, bad
	}
	return p, nil
}

// newSecret returns 256 random bits as text.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// CreateSession starts a control-panel session for a user and returns its
// secret (for the cookie).
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	secret := newSecret()
	now := s.now()
	if _, err := s.rd().ExecContext(ctx, `INSERT INTO web_sessions (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hashToken(secret), userID, now, micros(now.Add(ttl))); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	// Sweep the user's expired sessions here rather than in a worker.
	if _, err := s.rd().ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND expires_at < $2`, userID, micros(now)); err != nil {
		return "", fmt.Errorf("sweep sessions: %w", err)
	}
	return secret, nil
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
	err := s.rd().QueryRowContext(ctx, `SELECT u.id, u.organization_id, u.email, u.name, u.role, u.created_at, u.updated_at, o.kind
		FROM web_sessions ws JOIN users u ON u.id = ws.user_id JOIN organizations o ON o.id = u.organization_id
		WHERE ws.hash = $1 AND ws.expires_at > $2`, hashToken(secret), micros(s.now())).
		Scan(&u.ID, &u.OrganizationID, &u.Email, &u.Name, &u.Role, &u.CreatedAt, &u.UpdatedAt, &p.OrgKind)
	if errors.Is(err, sql.ErrNoRows) {
		return p, u, mercato.Errorf(mercato.EUNAUTHORIZED, "session expired")
	}
	if err != nil {
		return p, u, fmt.Errorf("session: %w", err)
	}
	p.UserID, p.OrgID, p.Role = u.ID, u.OrganizationID, u.Role
	return p, u, nil
}

// DeleteSession ends a session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	if _, err := s.rd().ExecContext(ctx, `DELETE FROM web_sessions WHERE hash = $1`, hashToken(secret)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CreatePasswordReset makes a single-use reset link secret for the user
// with this email, valid for ttl; the user's older links stop working. An
// unknown email is ENOTFOUND, which the caller must not reveal to whoever
// asked.
func (s *Store) CreatePasswordReset(ctx context.Context, email string, ttl time.Duration) (string, mercato.User, error) {
	u, err := s.UserByEmail(ctx, email)
	if err != nil {
		return "", u, err
	}
	secret := newSecret()
	err = s.tx(ctx, func(tx *txn) error {
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, now, u.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO password_resets (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hashToken(secret), u.ID, now, micros(now.Add(ttl)))
		return err
	})
	if err != nil {
		return "", u, fmt.Errorf("create password reset: %w", err)
	}
	return secret, u, nil
}

// hashPassword is bcrypt at the store's cost (a variable so that tests can
// count its calls: it is the expensive step).
var hashPassword = func(password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), passwordCost)
}

// ResetPassword sets a new password with a reset secret, uses the secret up
// and ends every session of the user, in one transaction. The secret is
// checked before the password is hashed, so an unknown or used link costs
// no bcrypt (and cannot be used to load the server).
func (s *Store) ResetPassword(ctx context.Context, secret, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	unusable := mercato.Invalid("this reset link is unknown, used or expired")
	var valid bool
	if err := s.rd().QueryRowContext(ctx, `SELECT COUNT(*) > 0 FROM password_resets WHERE hash = $1 AND used_at IS NULL AND expires_at > $2`,
		hashToken(secret), micros(s.now())).Scan(&valid); err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	if !valid {
		return unusable
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.tx(ctx, func(tx *txn) error {
		now := s.now()
		var userID int64
		err := tx.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`,
			now, hashToken(secret), micros(now)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return unusable // used by a concurrent request meanwhile
		}
		if err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, string(hash), now, userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		return nil
	})
}
