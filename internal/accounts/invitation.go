package accounts

import (
	"context"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
)

// Invitations: a user an admin creates has no password; with
// WithInviteMail it is mailed a single-use link, valid for InvitationTTL,
// to the control panel's /invitation page, where it sets its password and
// is signed in. The link is a password link (password_resets: kept as its
// SHA-256, a newer link ends the older ones), so a resent invitation ends
// the one before, and an accepted one cannot be used again.

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Addresses: a user holds its address (users.email, unique across the
// marketplace: one address signs in as one user) unless another user
// held it when it was invited. Such a user is kept, listed, changed and
// deleted as any other, and its organization cannot tell it from one that
// holds its address (docs/security.md, "User enumeration"); sign-in,
// password resets and its organization's mail never reach it. It claims
// its address when its invitation is accepted, which a link lets it do
// only once the address is free or held by a user that has not accepted
// its own invitation either: the first to accept holds it.

// addressSeen refuses an address a user p sees already has, held or not:
// there is nothing to hide from who can list that user.
func addressSeen(ctx context.Context, tx Tx, p mercato.Principal, email string) error {
	seen, err := tx.AddressSeen(ctx, p, email)
	if err != nil {
		return err
	}
	if seen {
		return mercato.Errorf(mercato.ECONFLICT, "a user with email %s already exists", email)
	}
	return nil
}

// holderOf returns the user that holds u's address (u itself, another
// user, or nobody: found false).
func holderOf(ctx context.Context, tx Tx, u mercato.User) (holder mercato.User, found bool, err error) {
	holder, err = tx.UserByEmail(ctx, u.Email)
	switch {
	case mercato.ErrorCode(err) == mercato.ENOTFOUND:
		return holder, false, nil
	case err != nil:
		return holder, false, err
	}
	return holder, true, nil
}

// invite sends u its invitation, with WithInviteMail: a new link (the
// older ones end) to its address, unless another user that has accepted
// its invitation holds the address. That user is then mailed instead that
// the organization tried to invite its address, its account untouched,
// and the platform's audit log (no actor organization) records it. Either
// way as many statements run (a read, an audit entry or a link, the
// statement ending older links) and one message is rendered and queued,
// so the answer and its time tell the caller nothing. An address nobody
// holds any more (its holder deleted) is claimed by u here.
func (s *Service) invite(ctx context.Context, tx Tx, p mercato.Principal, u mercato.User, orgName string) error {
	holder, found, err := holderOf(ctx, tx, u)
	if err != nil {
		return err
	}
	taken := found && holder.ID != u.ID && !holder.Invited
	if taken {
		if err := tx.Audit(ctx, mercato.Principal{}, "user.invite_address_taken", "user", holder.ID, map[string]any{"organization_id": u.OrganizationID, "user_id": u.ID, "by_user": p.UserID}); err != nil {
			return err
		}
	}
	if s.inviteMail == nil {
		return nil
	}
	if err := tx.EndPasswordResets(ctx, u.ID); err != nil {
		return err
	}
	if taken {
		return s.inviteMail(ctx, tx, notify.Invite{User: holder, Organization: orgName, Taken: true})
	}
	if !found {
		if err := tx.ClaimAddress(ctx, u.ID); err != nil {
			return err
		}
	}
	secret := newSecret()
	if err := tx.InsertPasswordReset(ctx, u.ID, secret, tx.Now().Add(InvitationTTL)); err != nil {
		return err
	}
	return s.inviteMail(ctx, tx, notify.Invite{User: u, Organization: orgName, Secret: secret, TTL: InvitationTTL})
}

// errAddressTaken is the answer to a link of a user whose address another
// user holds, having accepted its own invitation first.
var errAddressTaken = mercato.Invalid("this address already has an account, which accepted another invitation first: sign in with it, or ask your administrator to invite another address")

// claim makes the user of a link hold its address before its password is
// set: nothing when it holds it; when a user that has not accepted its
// own invitation holds it, that user lets it go (the first to accept holds
// the address); when one that has accepted holds it, errAddressTaken.
func claim(ctx context.Context, tx Tx, userID int64) error {
	address, held, err := tx.UserAddress(ctx, userID)
	if err != nil || held {
		return err
	}
	holder, err := tx.UserByEmail(ctx, address)
	switch {
	case mercato.ErrorCode(err) == mercato.ENOTFOUND:
	case err != nil:
		return err
	case !holder.Invited:
		return errAddressTaken
	default:
		if err := tx.ReleaseAddress(ctx, holder.ID); err != nil {
			return err
		}
	}
	if err := tx.ClaimAddress(ctx, userID); mercato.ErrorCode(err) == mercato.ECONFLICT {
		return errAddressTaken // claimed by a concurrent acceptance
	} else if err != nil {
		return err
	}
	return nil
}

// ResendInvitation sends a user visible to p that has not yet accepted its
// invitation a new link (admins only); the older one stops working. A user
// that has set its password is a conflict. A user whose address another
// user holds is answered the same (see invite).
func (s *Service) ResendInvitation(ctx context.Context, p mercato.Principal, id int64) error {
	err := s.inTx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p, id)
		if err != nil {
			return err
		}
		if err := mayManageUsers(p); err != nil {
			return err
		}
		if s.inviteMail == nil {
			return mercato.Errorf(mercato.ECONFLICT, "invitations are not sent: the marketplace has no public URL to link to")
		}
		if !u.Invited {
			return mercato.Errorf(mercato.ECONFLICT, "user %d has accepted its invitation already", id)
		}
		org, err := tx.Organization(ctx, p, u.OrganizationID)
		if err != nil {
			return err
		}
		if err := tx.Audit(ctx, p, "user.invite_resend", "user", id, nil); err != nil {
			return err
		}
		return s.invite(ctx, tx, p, u, org.Name)
	})
	if err != nil {
		return fmt.Errorf("resend invitation of user %d: %w", id, err)
	}
	return nil
}

// AcceptInvitation sets the invited user's password with the link's
// secret, uses the link up and starts a session of ttl, whose secret it
// returns (the user is signed in). Like ResetPassword, the secret is
// checked before any bcrypt.
func (s *Service) AcceptInvitation(ctx context.Context, secret, password string, ttl time.Duration) (string, error) {
	session := newSecret()
	unusable := mercato.Invalid("this invitation link is unknown, used or expired: ask your administrator to send it again")
	err := s.setPasswordByLink(ctx, secret, password, unusable, func(tx Tx, userID int64) error {
		if err := tx.Audit(ctx, mercato.Principal{UserID: userID}, "user.invite_accept", "user", userID, nil); err != nil {
			return err
		}
		return tx.InsertSession(ctx, userID, session, tx.Now().Add(ttl))
	})
	if err != nil {
		return "", fmt.Errorf("accept invitation: %w", err)
	}
	return session, nil
}
