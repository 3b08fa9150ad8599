package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Control-panel sign-in: passwords kept as bcrypt hashes, sessions and
// password-reset links whose secrets are 256 random bits handed to the
// browser (the store keeps their SHA-256 only).

// passwordCost is bcrypt's cost for new passwords.
const passwordCost = 11

// dummyHash is compared against when the email is unknown or has no
// password, so that a sign-in takes as long whether or not the account
// exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("mercato-no-such-user"), passwordCost)

// hashPassword is bcrypt at passwordCost (a variable so that tests can
// count its calls: it is the expensive step).
var hashPassword = func(password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), passwordCost)
}

// newSecret returns 256 random bits as text.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// CheckPassword signs a user in by email and password and returns the
// user's principal. Any mismatch (unknown email, no password set, wrong
// password) is the same EUNAUTHORIZED error, and takes as long.
func (s *Service) CheckPassword(ctx context.Context, email, password string) (mercato.Principal, error) {
	p, hash, err := s.reads.PasswordHash(ctx, email)
	if err != nil {
		return mercato.Principal{}, fmt.Errorf("check password: %w", err)
	}
	bad := mercato.Errorf(mercato.EUNAUTHORIZED, "wrong email or password")
	if hash == "" || len(password) > mercato.MaxPasswordLength {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return mercato.Principal{}, bad
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return mercato.Principal{}, bad
	}
	return p, nil
}

// CreateSession starts a control-panel session of ttl for a user and
// returns its secret (for the cookie). The user's expired sessions are
// swept here rather than by a worker.
func (s *Service) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	secret := newSecret()
	err := s.inTx(ctx, func(tx Tx) error {
		if err := tx.InsertSession(ctx, userID, secret, tx.Now().Add(ttl)); err != nil {
			return err
		}
		return tx.DeleteExpiredSessions(ctx, userID)
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return secret, nil
}

// DeleteSession ends a session (sign-out).
func (s *Service) DeleteSession(ctx context.Context, secret string) error {
	return s.inTx(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, secret) })
}

// SetPassword sets a user's password, for the demo data and administration
// tools (no principal: the caller is trusted); the user claims its address
// as with a link (see claim). Users change theirs through
// a reset link (ResetPassword).
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := mercato.Password(password).Validate(); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.inTx(ctx, func(tx Tx) error {
		if err := claim(ctx, tx, userID); err != nil {
			return err
		}
		return tx.SetPasswordHash(ctx, userID, string(hash))
	})
}

// CreatePasswordReset makes a single-use reset link secret for the user
// with this email, valid for ttl; the user's older links stop working. An
// unknown email is ENOTFOUND, which the caller must not reveal to whoever
// asked.
func (s *Service) CreatePasswordReset(ctx context.Context, email string, ttl time.Duration) (string, mercato.User, error) {
	u, err := s.reads.UserByEmail(ctx, email)
	if err != nil {
		return "", u, err
	}
	secret, err := s.reset(ctx, u, ttl, true, email)
	return secret, u, err
}

// RequestPasswordReset is "reset my password": a reset link valid for
// ttl is mailed to the user with this email (WithResetMail). Its answer
// is the same whether or not the address has an account, and so is its
// work: for an unknown address the same transaction runs and the same
// message is rendered, and only the audit entry every request leaves is
// written (a transaction that writes nothing commits faster, which would
// tell the addresses apart).
func (s *Service) RequestPasswordReset(ctx context.Context, email string, ttl time.Duration) error {
	if len(email) > 320 || !mercato.ValidText(email) {
		return nil // no account has it; answered as any other
	}
	u, err := s.reads.UserByEmail(ctx, email)
	found := err == nil
	switch {
	case mercato.ErrorCode(err) == mercato.ENOTFOUND:
		u = mercato.User{Email: "nobody@example.invalid", Name: "nobody"}
	case err != nil:
		return fmt.Errorf("request password reset: %w", err)
	}
	_, err = s.reset(ctx, u, ttl, found, email)
	return err
}

// reset makes a reset link for u (for real when write, else the same work
// with nothing but the audit entry written) and, with WithResetMail, its
// message. Every request asked for email is in the audit log, the
// platform's only (no actor organization).
func (s *Service) reset(ctx context.Context, u mercato.User, ttl time.Duration, write bool, email string) (string, error) {
	secret := newSecret()
	err := s.inTx(ctx, func(tx Tx) error {
		if err := tx.Audit(ctx, mercato.Principal{}, "user.password_reset_request", "user", u.ID, map[string]any{"email": email, "account": write}); err != nil {
			return err
		}
		// An unknown address ends the links of no user (id 0): the same
		// statement, nothing changed.
		if err := tx.EndPasswordResets(ctx, u.ID); err != nil {
			return err
		}
		if write {
			if err := tx.InsertPasswordReset(ctx, u.ID, secret, tx.Now().Add(ttl)); err != nil {
				return err
			}
		}
		if s.resetMail == nil {
			return nil
		}
		return s.resetMail(ctx, tx, u, secret, ttl, write)
	})
	if err != nil {
		return "", fmt.Errorf("create password reset: %w", err)
	}
	return secret, nil
}

// ResetPassword sets a new password with a reset secret, uses the secret up
// and ends every session of the user, in one transaction. The secret is
// checked before the password is hashed, so an unknown or used link costs
// no bcrypt (and cannot be used to load the server).
func (s *Service) ResetPassword(ctx context.Context, secret, password string) error {
	err := s.setPasswordByLink(ctx, secret, password, mercato.Invalid("this reset link is unknown, used or expired"), nil)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return nil
}

// setPasswordByLink sets the password of the user a reset or invitation
// link secret belongs to, which first claims its address (see claim),
// uses the link up, ends the user's sessions and
// runs then (when not nil), in one transaction; an unusable link is the
// error unusable, found before any bcrypt.
func (s *Service) setPasswordByLink(ctx context.Context, secret, password string, unusable error, then func(tx Tx, userID int64) error) error {
	if err := mercato.Password(password).Validate(); err != nil {
		return err
	}
	usable, err := s.reads.PasswordResetUsable(ctx, secret)
	if err != nil {
		return err
	}
	if !usable {
		return unusable
	}
	hash, err := hashPassword(password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.inTx(ctx, func(tx Tx) error {
		userID, ok, err := tx.UsePasswordReset(ctx, secret)
		if err != nil {
			return err
		}
		if !ok {
			return unusable // used by a concurrent request meanwhile
		}
		if err := claim(ctx, tx, userID); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, userID, string(hash)); err != nil {
			return err
		}
		if err := tx.DeleteSessions(ctx, userID); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return then(tx, userID)
	})
}
