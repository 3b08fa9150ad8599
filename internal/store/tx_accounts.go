package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// The writes of accounts: organizations, users, API tokens, control-panel
// sessions, passwords and reset links (internal/accounts checks the values
// and decides who may write what). Secrets arrive in clear and are kept as
// their SHA-256 only, as API tokens are.

// InsertOrganization adds an organization, setting its id and times.
func (tx *Tx) InsertOrganization(ctx context.Context, o *mercato.Organization) error {
	now := tx.s.now()
	o.CreatedAt, o.UpdatedAt = now, now
	if err := tx.t.QueryRowContext(ctx, `INSERT INTO organizations (kind, name, parent_id, email, country, currency, vat_id, on_account, fee_percent, created_at, updated_at, address_line, city, postal_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		o.Kind, o.Name, o.ParentID, o.Email, o.Country, o.Currency, o.VATID, o.OnAccount, o.FeePercent, now, now, o.Address.Line, o.Address.City, o.Address.PostalCode).Scan(&o.ID); err != nil {
		return fmt.Errorf("insert organization: %w", err)
	}
	return nil
}

// SaveOrganization writes the fields of an organization that change after
// its creation, setting its update time.
func (tx *Tx) SaveOrganization(ctx context.Context, o *mercato.Organization) error {
	o.UpdatedAt = tx.s.now()
	if _, err := tx.t.ExecContext(ctx, `UPDATE organizations SET name=$1, email=$2, country=$3, currency=$4, vat_id=$5, on_account=$6, fee_percent=$7, updated_at=$8,
		address_line=$10, city=$11, postal_code=$12 WHERE id=$9`,
		o.Name, o.Email, o.Country, o.Currency, o.VATID, o.OnAccount, o.FeePercent, o.UpdatedAt, o.ID, o.Address.Line, o.Address.City, o.Address.PostalCode); err != nil {
		return fmt.Errorf("save organization %d: %w", o.ID, err)
	}
	return nil
}

// User returns a user visible to p.
func (tx *Tx) User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error) {
	return tx.s.user(ctx, tx.t, p, id)
}

// InsertUser adds a user, setting its id and times; an email another user
// has is a conflict.
func (tx *Tx) InsertUser(ctx context.Context, u *mercato.User) error {
	return tx.insertUser(ctx, u, u.Email, nil)
}

// InsertUserIfFree adds a user holding its address, as InsertUser does,
// unless another user holds the address: then it writes nothing and
// returns false (with no error, so that the transaction goes on, on
// PostgreSQL too). A user name another user has is a conflict.
func (tx *Tx) InsertUserIfFree(ctx context.Context, u *mercato.User) (bool, error) {
	err := tx.insertUser(ctx, u, u.Email, nil, " ON CONFLICT (email) DO NOTHING")
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// insertUser adds u with email as the address it holds and pending, when
// not nil, as its address (see InsertPendingUser); onConflict is added to
// the statement. sql.ErrNoRows: nothing added.
func (tx *Tx) insertUser(ctx context.Context, u *mercato.User, email string, pending *string, onConflict ...string) error {
	now := tx.s.now()
	u.CreatedAt, u.UpdatedAt = now, now
	if u.Language == "" {
		u.Language = mercato.UserLanguages[0]
	}
	err := tx.t.QueryRowContext(ctx, `INSERT INTO users (organization_id, email, name, role, language, created_at, updated_at, username, pending_email) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`+strings.Join(onConflict, "")+` RETURNING id`,
		u.OrganizationID, email, u.Name, u.Role, u.Language, now, now, nullString(u.UserName), pending).Scan(&u.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if isUniqueViolation(err) {
		return mercato.Errorf(mercato.ECONFLICT, "a user with email %s or user name %q already exists", u.Email, u.UserName)
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// UserByEmail returns the user that holds this address whoever may see it
// (not found when there is none; never a user kept without its address):
// the accounts service tells an address its caller sees from one it must
// not reveal.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (mercato.User, error) {
	u, err := scanUser(tx.t.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE lower(u.email) = lower($1)", email))
	if err != nil {
		return u, notFoundIfNoRows(err, "user", email)
	}
	return u, nil
}

// InsertPendingUser adds u in the statement InsertUser runs (its user
// name checked as any other) but without holding its address, which
// another user holds: its address is kept in pending_email and email gets
// a stand-in no address has (migration 00030). The accounts service keeps
// so the invitation of an address a user of another tenant has.
func (tx *Tx) InsertPendingUser(ctx context.Context, u *mercato.User) error {
	address := u.Email
	return tx.insertUser(ctx, u, standInAddress(), &address)
}

// standInAddress is the email of a user that does not hold its address:
// unique, and no address anyone has (.invalid is reserved, RFC 2606).
func standInAddress() string {
	return "unclaimed-" + strings.ToLower(rand.Text()) + "@unclaimed.invalid"
}

// AddressSeen reports whether a user visible to p has this address,
// whether or not it holds it.
func (tx *Tx) AddressSeen(ctx context.Context, p mercato.Principal, email string) (bool, error) {
	q := &query{}
	q.add("SELECT COUNT(*) > 0 FROM users u WHERE lower(COALESCE(u.pending_email, u.email)) = lower(%a) AND ", email)
	orgScope(q, p, "u.organization_id")
	var seen bool
	if err := tx.t.QueryRowContext(ctx, q.String(), q.args...).Scan(&seen); err != nil {
		return false, fmt.Errorf("address seen: %w", err)
	}
	return seen, nil
}

// UserAddress returns the address of a user whoever may see it, and
// whether the user holds it.
func (tx *Tx) UserAddress(ctx context.Context, userID int64) (string, bool, error) {
	var (
		address string
		held    bool
	)
	err := tx.t.QueryRowContext(ctx, `SELECT COALESCE(pending_email, email), pending_email IS NULL FROM users WHERE id = $1`, userID).Scan(&address, &held)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, mercato.NotFound("user", userID)
	}
	if err != nil {
		return "", false, fmt.Errorf("user address %d: %w", userID, err)
	}
	return address, held, nil
}

// ClaimAddress makes a user kept without its address hold it; nothing
// for one that holds it. An address another user holds is a conflict.
func (tx *Tx) ClaimAddress(ctx context.Context, userID int64) error {
	_, err := tx.t.ExecContext(ctx, `UPDATE users SET email = pending_email, pending_email = NULL WHERE id = $1 AND pending_email IS NOT NULL`, userID)
	if isUniqueViolation(err) {
		return mercato.Errorf(mercato.ECONFLICT, "the address of user %d is another user's", userID)
	}
	if err != nil {
		return fmt.Errorf("claim address of user %d: %w", userID, err)
	}
	return nil
}

// ReleaseAddress keeps a user without its address, which another user may
// then claim; nothing for one that does not hold it. Its update time is
// kept: nothing its organization sees of it changes.
func (tx *Tx) ReleaseAddress(ctx context.Context, userID int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE users SET pending_email = email, email = $1 WHERE id = $2 AND pending_email IS NULL`, standInAddress(), userID); err != nil {
		return fmt.Errorf("release address of user %d: %w", userID, err)
	}
	return nil
}

// SaveUser writes a user's name, role and language (kept when empty),
// setting its update time.
func (tx *Tx) SaveUser(ctx context.Context, u *mercato.User) error {
	u.UpdatedAt = tx.s.now()
	if _, err := tx.t.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, language = CASE WHEN $3 = '' THEN language ELSE $3 END, updated_at = $4, username = $6 WHERE id = $5`,
		u.Name, u.Role, u.Language, u.UpdatedAt, u.ID, nullString(u.UserName)); err != nil {
		if isUniqueViolation(err) {
			return mercato.Errorf(mercato.ECONFLICT, "the user name %q is taken", u.UserName)
		}
		return fmt.Errorf("save user %d: %w", u.ID, err)
	}
	return nil
}

// DeleteUser removes a user with its API tokens; the orders it placed stay,
// without their creator.
func (tx *Tx) DeleteUser(ctx context.Context, id int64) error {
	for _, q := range []string{
		`DELETE FROM api_tokens WHERE user_id = $1`,
		`UPDATE orders SET created_by = NULL WHERE created_by = $1`,
		`DELETE FROM users WHERE id = $1`,
	} {
		if _, err := tx.t.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("delete user %d: %w", id, err)
		}
	}
	return nil
}

// InsertToken gives a user an API token with this secret.
func (tx *Tx) InsertToken(ctx context.Context, userID int64, name, secret string) (mercato.Token, error) {
	t, err := tx.s.insertToken(ctx, tx.t, userID, name, secret)
	if err != nil {
		return t, fmt.Errorf("insert token: %w", err)
	}
	return t, nil
}

// DeleteToken revokes a token of the user; a token of anyone else is not
// found.
func (tx *Tx) DeleteToken(ctx context.Context, userID, id int64) error {
	res, err := tx.t.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("delete token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return mercato.NotFound("token", id)
	}
	return nil
}

// InsertSession keeps a control-panel session of a user until it expires.
func (tx *Tx) InsertSession(ctx context.Context, userID int64, secret string, expires time.Time) error {
	return tx.insertSecret(ctx, "web_sessions", userID, secret, expires)
}

// insertSecret keeps the hash of a secret handed to a user (a session, a
// reset link) in table until it expires.
func (tx *Tx) insertSecret(ctx context.Context, table string, userID int64, secret string, expires time.Time) error {
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO `+table+` (hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hashToken(secret), userID, tx.s.now(), micros(expires)); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions of a user that have expired.
func (tx *Tx) DeleteExpiredSessions(ctx context.Context, userID int64) error {
	if _, err := tx.t.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND expires_at < $2`, userID, micros(tx.s.now())); err != nil {
		return fmt.Errorf("delete expired sessions: %w", err)
	}
	return nil
}

// DeleteSession removes one session.
func (tx *Tx) DeleteSession(ctx context.Context, secret string) error {
	if _, err := tx.t.ExecContext(ctx, `DELETE FROM web_sessions WHERE hash = $1`, hashToken(secret)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteSessions removes every session of a user.
func (tx *Tx) DeleteSessions(ctx context.Context, userID int64) error {
	if _, err := tx.t.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// EndPasswordResets marks the unused reset links of a user used.
func (tx *Tx) EndPasswordResets(ctx context.Context, userID int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL`, tx.s.now(), userID); err != nil {
		return fmt.Errorf("end password resets: %w", err)
	}
	return nil
}

// InsertPasswordReset keeps a reset link of a user until it expires.
func (tx *Tx) InsertPasswordReset(ctx context.Context, userID int64, secret string, expires time.Time) error {
	return tx.insertSecret(ctx, "password_resets", userID, secret, expires)
}

// UsePasswordReset marks a reset link used and returns its user, or false
// when the link is unknown, used or expired.
func (tx *Tx) UsePasswordReset(ctx context.Context, secret string) (int64, bool, error) {
	now := tx.s.now()
	var userID int64
	err := tx.t.QueryRowContext(ctx, `UPDATE password_resets SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id`,
		now, hashToken(secret), micros(now)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("use password reset: %w", err)
	}
	return userID, true, nil
}

// SetPasswordHash sets the password hash of a user.
func (tx *Tx) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	res, err := tx.t.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, tx.s.now(), userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return mercato.NotFound("user", userID)
	}
	return nil
}
