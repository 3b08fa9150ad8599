package accounts

import (
	"context"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Sign-in with an identity provider (OpenID Connect). The transport
// verifies the provider's id_token (signature, issuer, audience, expiry,
// nonce) and hands over what it vouches for as an Identity; this decides
// which user that is.
//
// The rule: an identity (issuer, subject) linked to a user signs that user
// in. An identity linked to nobody is linked, on its first sign-in, to the
// active user holding the address the provider vouches for: the id_token's
// email with email_verified true (OpenID Connect) or, at Microsoft's
// identity platform, which never sends email_verified, xms_edov true (the
// address's domain is verified by the tenant that owns it). An active user
// holds its address and has accepted its invitation (has a password). No
// account is created: a person without one is invited first, as for
// passwords. A refusal writes nothing.

// Identity is a person as an identity provider's verified id_token names
// it.
type Identity struct {
	// Issuer and Subject are the token's iss and sub: together they name
	// the person for good.
	Issuer, Subject string
	// Email is the token's email claim, EmailVerified whether the
	// provider vouches that the person owns it.
	Email         string
	EmailVerified bool
}

// ErrIdentityUnverified and ErrIdentityNoAccount are the refusals of a
// first sign-in, EUNAUTHORIZED, with messages the person may read.
var (
	ErrIdentityUnverified = mercato.Errorf(mercato.EUNAUTHORIZED,
		"your identity provider did not vouch for your email address, so it cannot be matched to an account here")
	ErrIdentityNoAccount = mercato.Errorf(mercato.EUNAUTHORIZED,
		"no active account here has the address your identity provider vouched for: ask your administrator for an invitation, accept it, then sign in with your provider")
)

// SignInWithIdentity returns the principal of the user an identity signs
// in, linking the identity on its first sign-in (see the rule above).
func (s *Service) SignInWithIdentity(ctx context.Context, id Identity) (mercato.Principal, error) {
	if id.Issuer == "" || id.Subject == "" {
		return mercato.Principal{}, mercato.Errorf(mercato.EUNAUTHORIZED, "the identity has no issuer or subject")
	}
	p, ok, err := s.reads.IdentityPrincipal(ctx, id.Issuer, id.Subject)
	if err != nil || ok {
		return p, err
	}
	email := strings.TrimSpace(id.Email)
	if !id.EmailVerified || email == "" || len(email) > 320 || !mercato.ValidText(email) {
		return mercato.Principal{}, ErrIdentityUnverified
	}
	err = s.inTx(ctx, func(tx Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		switch {
		case mercato.ErrorCode(err) == mercato.ENOTFOUND:
			return ErrIdentityNoAccount
		case err != nil:
			return err
		case u.Invited:
			return ErrIdentityNoAccount
		}
		if err := tx.LinkIdentity(ctx, u.ID, id.Issuer, id.Subject); err != nil {
			return err
		}
		return tx.Audit(ctx, mercato.Principal{UserID: u.ID, OrgID: u.OrganizationID, Role: u.Role}, "user.identity_link", "user", u.ID,
			map[string]any{"issuer": id.Issuer, "subject": id.Subject, "email": email})
	})
	// A concurrent first sign-in of the same identity linked it meanwhile
	// (a conflict): either way the identity is linked now.
	switch mercato.ErrorCode(err) {
	case "", mercato.ECONFLICT:
	case mercato.EUNAUTHORIZED:
		return mercato.Principal{}, err
	default:
		return mercato.Principal{}, fmt.Errorf("sign in with identity: %w", err)
	}
	p, ok, err = s.reads.IdentityPrincipal(ctx, id.Issuer, id.Subject)
	if err == nil && !ok {
		return p, ErrIdentityNoAccount
	}
	return p, err
}
