package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

const userColumns = "u.id, u.organization_id, u.email, u.name, u.role, u.created_at, u.updated_at"

func scanUser(row scanner) (mercato.User, error) {
	var u mercato.User
	err := row.Scan(&u.ID, &u.OrganizationID, &u.Email, &u.Name, &u.Role, &u.CreatedAt, &u.UpdatedAt)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

// canManageUsers reports whether p may manage the users of an organization
// it can see: its own admins, and admins of the platform or of the
// organizations above it in the channel.
func canManageUsers(p mercato.Principal) error {
	if p.Role != mercato.RoleAdmin {
		return mercato.Errorf(mercato.EFORBIDDEN, "only an admin manages users and tokens")
	}
	return nil
}

// ListUsers lists the users of organizations visible to p.
func (s *Store) ListUsers(ctx context.Context, p mercato.Principal, orgID int64, page Page) ([]mercato.User, int64, error) {
	q := &query{}
	q.add("SELECT " + userColumns + " FROM users u WHERE ")
	orgScope(q, p, "u.organization_id")
	if orgID != 0 {
		q.add(" AND u.organization_id = %a", orgID)
	}
	return list(ctx, s.rd(), q, "u.id", page, "users", scanUser, func(u mercato.User) int64 { return u.ID })
}

// User returns one user visible to p.
func (s *Store) User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error) {
	return s.user(ctx, s.rd(), p, id)
}

func (s *Store) user(ctx context.Context, db queryer, p mercato.Principal, id int64) (mercato.User, error) {
	q := &query{}
	q.add("SELECT "+userColumns+" FROM users u WHERE u.id = %a AND ", id)
	orgScope(q, p, "u.organization_id")
	u, err := scanUser(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return u, notFoundIfNoRows(err, "user", id)
	}
	return u, nil
}

func validateUser(u mercato.User) error {
	var fe mercato.FieldErrors
	if !mercato.ValidEmail(u.Email) {
		fe.Add("email", "must be a plain email address")
	}
	if !u.Role.Valid() {
		fe.Add("role", "must be admin, manager or viewer")
	}
	if len(u.Name) > 200 || !mercato.ValidText(u.Name) {
		fe.Add("name", "at most 200 characters, without control or bidirectional-override characters")
	}
	return fe.Err("invalid user")
}

// CreateUser adds a user to an organization visible to p, and writes a
// User CREATED event.
func (s *Store) CreateUser(ctx context.Context, p mercato.Principal, u mercato.User) (mercato.User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := validateUser(u); err != nil {
		return u, err
	}
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.organization(ctx, tx, p, u.OrganizationID); err != nil {
			return mercato.Invalid("invalid user", mercato.FieldError{Path: "organization_id", Message: "no such organization", Value: u.OrganizationID})
		}
		if err := canManageUsers(p); err != nil {
			return err
		}
		now := s.now()
		u.CreatedAt, u.UpdatedAt = now, now
		err := tx.QueryRowContext(ctx, `INSERT INTO users (organization_id, email, name, role, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
			u.OrganizationID, u.Email, u.Name, u.Role, now, now).Scan(&u.ID)
		if isUniqueViolation(err) {
			return mercato.Errorf(mercato.ECONFLICT, "a user with email %s already exists", u.Email)
		}
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, p, "user.create", "user", u.ID, map[string]any{"organization_id": u.OrganizationID, "email": u.Email, "role": u.Role}); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, subscription.EntityUser, u.ID, subscription.EventCreated, nil)
	})
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// DeleteUser removes a user and its tokens, and writes a User DELETED event.
func (s *Store) DeleteUser(ctx context.Context, p mercato.Principal, id int64) error {
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.user(ctx, tx, p, id); err != nil {
			return err
		}
		if err := canManageUsers(p); err != nil {
			return err
		}
		if id == p.UserID {
			return mercato.Errorf(mercato.ECONFLICT, "you cannot delete yourself")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE user_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET created_by = NULL WHERE created_by = $1`, id); err != nil {
			return err
		}
		// The event first, while the user's organization is known to route it.
		if err := s.audit(ctx, tx, p, "user.delete", "user", id, nil); err != nil {
			return err
		}
		if err := s.recordEvent(ctx, tx, subscription.EntityUser, id, subscription.EventDeleted, nil); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}

// tokenPrefix starts every generated token, so secret scanners recognise it.
const tokenPrefix = "mct_"

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func newTokenSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// CreateToken issues an API token for a user visible to p (p's own user
// when userID is 0) and returns it with its secret, which is not kept.
func (s *Store) CreateToken(ctx context.Context, p mercato.Principal, userID int64, name string) (mercato.Token, string, error) {
	if userID == 0 {
		userID = p.UserID
	}
	if name == "" || len(name) > 100 {
		return mercato.Token{}, "", mercato.Invalid("invalid token", mercato.FieldError{Path: "name", Message: "is required (at most 100 characters)"})
	}
	secret := newTokenSecret()
	var t mercato.Token
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.user(ctx, tx, p, userID); err != nil {
			return err
		}
		if userID != p.UserID {
			if err := canManageUsers(p); err != nil {
				return err
			}
		}
		var err error
		if t, err = s.insertToken(ctx, tx, userID, name, secret); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "token.create", "user", userID, map[string]any{"token_id": t.ID, "name": name})
	})
	if err != nil {
		return t, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

func (s *Store) insertToken(ctx context.Context, db queryer, userID int64, name, secret string) (mercato.Token, error) {
	// The prefix identifies a token to its owner; short secrets (a chosen
	// bootstrap value) get none, so that no real part of them is shown.
	prefix := ""
	if len(secret) >= 24 {
		prefix = secret[:8]
	}
	t := mercato.Token{UserID: userID, Name: name, Prefix: prefix, CreatedAt: s.now()}
	err := db.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, hash, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
		userID, name, t.Prefix, hashToken(secret), t.CreatedAt).Scan(&t.ID)
	return t, err
}

// ListTokens lists the tokens of the caller's own user.
func (s *Store) ListTokens(ctx context.Context, p mercato.Principal) ([]mercato.Token, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id`, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []mercato.Token
	for rows.Next() {
		var t mercato.Token
		var used sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &used); err != nil {
			return nil, fmt.Errorf("scan token: %w", err)
		}
		if used.Valid {
			u := used.Time.UTC()
			t.LastUsedAt = &u
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes one of the caller's own tokens.
func (s *Store) DeleteToken(ctx context.Context, p mercato.Principal, id int64) error {
	return s.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, p.UserID)
		if err != nil {
			return fmt.Errorf("delete token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mercato.NotFound("token", id)
		}
		return s.audit(ctx, tx, p, "token.delete", "user", p.UserID, map[string]any{"token_id": id})
	})
}

// Authenticate resolves an API token's secret to the principal it acts as.
func (s *Store) Authenticate(ctx context.Context, secret string) (mercato.Principal, error) {
	var p mercato.Principal
	err := s.rd().QueryRowContext(ctx, `SELECT u.id, u.organization_id, o.kind, u.role FROM api_tokens t
		JOIN users u ON u.id = t.user_id JOIN organizations o ON o.id = u.organization_id WHERE t.hash = $1`, hashToken(secret)).
		Scan(&p.UserID, &p.OrgID, &p.OrgKind, &p.Role)
	if err == sql.ErrNoRows {
		return p, mercato.Errorf(mercato.EUNAUTHORIZED, "invalid API token")
	}
	if err != nil {
		return p, fmt.Errorf("authenticate: %w", err)
	}
	return p, nil
}

// PlatformAdminEmail is the user the platform's bootstrap creates.
const PlatformAdminEmail = "admin@platform.mercato.local"

// Bootstrap makes sure the platform organization and its admin user exist
// and, when token is not empty, that an API token with exactly that secret
// belongs to the admin. It is idempotent and returns the platform admin.
func (s *Store) Bootstrap(ctx context.Context, token string) (mercato.Principal, error) {
	var p mercato.Principal
	err := s.tx(ctx, func(tx *txn) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE kind = 'platform' ORDER BY id LIMIT 1`).Scan(&p.OrgID)
		if err == sql.ErrNoRows {
			err = tx.QueryRowContext(ctx, `INSERT INTO organizations (kind, name, created_at, updated_at) VALUES ('platform', 'Mercato', $1, $1) RETURNING id`, now).Scan(&p.OrgID)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1`, PlatformAdminEmail).Scan(&p.UserID)
		if err == sql.ErrNoRows {
			err = tx.QueryRowContext(ctx, `INSERT INTO users (organization_id, email, name, role, created_at, updated_at) VALUES ($1, $2, 'Platform admin', 'admin', $3, $3) RETURNING id`,
				p.OrgID, PlatformAdminEmail, now).Scan(&p.UserID)
		}
		if err != nil {
			return err
		}
		p.OrgKind, p.Role = mercato.KindPlatform, mercato.RoleAdmin
		if token == "" {
			return nil
		}
		var id int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM api_tokens WHERE hash = $1`, hashToken(token)).Scan(&id)
		if err == sql.ErrNoRows {
			_, err = s.insertToken(ctx, tx, p.UserID, "bootstrap", token)
		}
		return err
	})
	if err != nil {
		return p, fmt.Errorf("bootstrap: %w", err)
	}
	return p, nil
}

// AddToken gives a user an API token with a chosen secret (demo data and
// automation); generated tokens come from CreateToken.
func (s *Store) AddToken(ctx context.Context, userID int64, name, secret string) error {
	var id int64
	err := s.rd().QueryRowContext(ctx, `SELECT id FROM api_tokens WHERE hash = $1`, hashToken(secret)).Scan(&id)
	if err == nil {
		return nil
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("add token: %w", err)
	}
	if _, err := s.insertToken(ctx, s.rd(), userID, name, secret); err != nil {
		return fmt.Errorf("add token: %w", err)
	}
	return nil
}

// UserUpdate holds the fields a PATCH may change.
type UserUpdate struct {
	Name *string
	Role *mercato.Role
}

// UpdateUser changes a user's name or role (admins only) and writes a User
// MODIFIED event. An admin cannot demote itself, so an organization always
// keeps one.
func (s *Store) UpdateUser(ctx context.Context, p mercato.Principal, id int64, u UserUpdate) (mercato.User, error) {
	var user mercato.User
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		if user, err = s.user(ctx, tx, p, id); err != nil {
			return err
		}
		if err := canManageUsers(p); err != nil {
			return err
		}
		if u.Role != nil && *u.Role != mercato.RoleAdmin && id == p.UserID {
			return mercato.Errorf(mercato.ECONFLICT, "you cannot demote yourself")
		}
		set(&user.Name, u.Name)
		set(&user.Role, u.Role)
		if err := validateUser(user); err != nil {
			return err
		}
		user.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, updated_at = $3 WHERE id = $4`, user.Name, user.Role, user.UpdatedAt, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, p, "user.update", "user", id, map[string]any{"name": user.Name, "role": user.Role}); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, subscription.EntityUser, id, subscription.EventModified, nil)
	})
	if err != nil {
		return user, fmt.Errorf("update user %d: %w", id, err)
	}
	return user, nil
}
