package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
)

// userColumns read a user; its address is pending_email when it does not
// hold it (migration 00030), so a user reads the same either way.
const userColumns = "u.id, u.organization_id, COALESCE(u.pending_email, u.email), u.name, u.role, u.language, u.created_at, u.updated_at, COALESCE(u.username, ''), u.password_hash = ''"

func scanUser(row scanner) (mercato.User, error) {
	var u mercato.User
	err := row.Scan(&u.ID, &u.OrganizationID, &u.Email, &u.Name, &u.Role, &u.Language, &u.CreatedAt, &u.UpdatedAt, &u.UserName, &u.Invited)
	u.Language = strings.TrimSpace(u.Language)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
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

// hashToken is what the database keeps of a secret handed out (API tokens,
// sessions, reset links): its SHA-256, so that a copy of the database
// signs nobody in.
func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
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
// automation); generated tokens come from the accounts service.
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
