package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// UserUpdate holds the fields a PATCH may change; nil fields keep their
// values.
type UserUpdate struct {
	Name     *string
	Role     *mercato.Role
	UserName *string // "": none
}

// ProfileUpdate is what users change of themselves, whatever their role.
type ProfileUpdate struct {
	Name     *string
	Language *string // one of mercato.UserLanguages
}

// UpdateProfile changes the caller's own name or language (the language
// of its e-mail): every user may, read-only ones too, as it is its own
// preference. Written to the audit log.
func (s *Service) UpdateProfile(ctx context.Context, p mercato.Principal, u ProfileUpdate) (mercato.User, error) {
	if p.UserID == 0 {
		return mercato.User{}, mercato.Errorf(mercato.EFORBIDDEN, "only a user has a profile")
	}
	if u.Language != nil && *u.Language == "" {
		return mercato.User{}, mercato.Invalid("invalid user", mercato.FieldError{Path: "language", Message: "must be one of " + strings.Join(mercato.UserLanguages, ", ")})
	}
	if u.Name == nil && u.Language == nil {
		return s.reads.User(ctx, p, p.UserID)
	}
	var user mercato.User
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if user, err = tx.User(ctx, p, p.UserID); err != nil {
			return err
		}
		mercato.Patch(&user.Name, u.Name)
		mercato.Patch(&user.Language, u.Language)
		if err := user.Validate(); err != nil {
			return err
		}
		if err := tx.SaveUser(ctx, &user); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "user.profile", "user", user.ID, map[string]any{"name": user.Name, "language": user.Language})
	})
	if err != nil {
		return user, fmt.Errorf("update profile: %w", err)
	}
	return user, nil
}

// ListUsers lists the users of organizations visible to p, of one
// organization when orgID is not 0.
func (s *Service) ListUsers(ctx context.Context, p mercato.Principal, orgID int64, page mercato.Page) ([]mercato.User, int64, error) {
	return s.reads.ListUsers(ctx, p, orgID, page)
}

// UserPage lists the users visible to p by numbered page, with their
// total: Cloudesire's GET /api/user.
func (s *Service) UserPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.User, int, error) {
	return s.reads.UserPage(ctx, p, pg)
}

// User returns one user visible to p.
func (s *Service) User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error) {
	return s.reads.User(ctx, p, id)
}

// SubscriberUser returns a user visible to p, or, for a vendor, a user of
// a customer subscribed to one of its products (the buyer a provider looks
// up to provision a tenant).
func (s *Service) SubscriberUser(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error) {
	return s.reads.SubscriberUser(ctx, p, id)
}

// CreateUser adds a user to an organization visible to p (admins only),
// with its email in lower case and no password, writes a User CREATED
// event and, with WithInviteMail, queues its invitation (see invite).
// An address a user the caller sees already has is a conflict; one that a
// user of another tenant holds is not revealed: the user is created all
// the same, without holding its address (see invite).
func (s *Service) CreateUser(ctx context.Context, p mercato.Principal, u mercato.User) (mercato.User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := u.Validate(); err != nil {
		return u, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		org, err := tx.Organization(ctx, p, u.OrganizationID)
		if mercato.ErrorCode(err) == mercato.ENOTFOUND {
			return mercato.Invalid("invalid user", mercato.FieldError{Path: "organization_id", Message: "no such organization", Value: u.OrganizationID})
		}
		if err != nil {
			return err
		}
		if err := mayManageUsers(p); err != nil {
			return err
		}
		if err := addressSeen(ctx, tx, p, u.Email); err != nil {
			return err
		}
		// An address another tenant's user holds: u is kept without it
		// (see invite), in the same statement; so too when a concurrent
		// invitation took the address meanwhile.
		free := false
		if _, err := tx.UserByEmail(ctx, u.Email); mercato.ErrorCode(err) == mercato.ENOTFOUND {
			if free, err = tx.InsertUserIfFree(ctx, &u); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if !free {
			if err := tx.InsertPendingUser(ctx, &u); err != nil {
				return err
			}
		}
		u.Invited = true
		if err := tx.Audit(ctx, p, "user.create", "user", u.ID, map[string]any{"organization_id": u.OrganizationID, "email": u.Email, "role": u.Role}); err != nil {
			return err
		}
		if err := tx.RecordEvent(ctx, subscription.EntityUser, u.ID, subscription.EventCreated, nil); err != nil {
			return err
		}
		return s.invite(ctx, tx, p, u, org.Name)
	})
	if err != nil {
		return u, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UpdateUser changes a user's name or role (admins only) and writes a User
// MODIFIED event. An admin cannot demote itself, so an organization always
// keeps one.
func (s *Service) UpdateUser(ctx context.Context, p mercato.Principal, id int64, u UserUpdate) (mercato.User, error) {
	var user mercato.User
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if user, err = tx.User(ctx, p, id); err != nil {
			return err
		}
		if err := mayUpdateUser(p, id, u); err != nil {
			return err
		}
		mercato.Patch(&user.Name, u.Name)
		mercato.Patch(&user.Role, u.Role)
		mercato.Patch(&user.UserName, u.UserName)
		if err := user.Validate(); err != nil {
			return err
		}
		if err := tx.SaveUser(ctx, &user); err != nil {
			return err
		}
		if err := tx.Audit(ctx, p, "user.update", "user", id, map[string]any{"name": user.Name, "role": user.Role, "username": user.UserName}); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, subscription.EntityUser, id, subscription.EventModified, nil)
	})
	if err != nil {
		return user, fmt.Errorf("update user %d: %w", id, err)
	}
	return user, nil
}

// DeleteUser removes a user visible to p (admins only, never themselves)
// and its tokens, and writes a User DELETED event.
func (s *Service) DeleteUser(ctx context.Context, p mercato.Principal, id int64) error {
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.User(ctx, p, id); err != nil {
			return err
		}
		if err := mayDeleteUser(p, id); err != nil {
			return err
		}
		// The event first, while the user's organization is known to route it.
		if err := tx.Audit(ctx, p, "user.delete", "user", id, nil); err != nil {
			return err
		}
		if err := tx.RecordEvent(ctx, subscription.EntityUser, id, subscription.EventDeleted, nil); err != nil {
			return err
		}
		return tx.DeleteUser(ctx, id)
	})
	if err != nil {
		return fmt.Errorf("delete user %d: %w", id, err)
	}
	return nil
}

// tokenPrefix starts every generated token, so secret scanners recognise it.
const tokenPrefix = "mct_"

// newTokenSecret returns a token's secret: the prefix and 256 random bits.
func newTokenSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return tokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// ListTokens lists the tokens of the caller's own user.
func (s *Service) ListTokens(ctx context.Context, p mercato.Principal) ([]mercato.Token, error) {
	return s.reads.ListTokens(ctx, p)
}

// CreateToken issues an API token for a user visible to p (p's own user
// when userID is 0; another user's for admins only) and returns it with its
// secret, which is not kept.
func (s *Service) CreateToken(ctx context.Context, p mercato.Principal, userID int64, name string) (mercato.Token, string, error) {
	if userID == 0 {
		userID = p.UserID
	}
	if err := (mercato.Token{UserID: userID, Name: name}).Validate(); err != nil {
		return mercato.Token{}, "", err
	}
	secret := newTokenSecret()
	var t mercato.Token
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.User(ctx, p, userID); err != nil {
			return err
		}
		if err := mayIssueToken(p, userID); err != nil {
			return err
		}
		var err error
		if t, err = tx.InsertToken(ctx, userID, name, secret); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "token.create", "user", userID, map[string]any{"token_id": t.ID, "name": name})
	})
	if err != nil {
		return t, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

// DeleteToken revokes one of the caller's own tokens.
func (s *Service) DeleteToken(ctx context.Context, p mercato.Principal, id int64) error {
	return s.inTx(ctx, func(tx Tx) error {
		if err := tx.DeleteToken(ctx, p.UserID, id); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "token.delete", "user", p.UserID, map[string]any{"token_id": id})
	})
}
