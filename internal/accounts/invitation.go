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

// addressHolder returns the user that has email already. hidden is true
// when that user belongs to an organization p does not see: its existence
// must not be told to p. One p sees is a plain conflict.
func addressHolder(ctx context.Context, tx Tx, p mercato.Principal, email string) (mercato.User, bool, error) {
	holder, err := tx.UserByEmail(ctx, email)
	switch {
	case mercato.ErrorCode(err) == mercato.ENOTFOUND:
		return holder, false, nil
	case err != nil:
		return holder, false, err
	}
	_, err = tx.User(ctx, p, holder.ID)
	switch {
	case err == nil:
		return holder, false, mercato.Errorf(mercato.ECONFLICT, "a user with email %s already exists", email)
	case mercato.ErrorCode(err) == mercato.ENOTFOUND:
		return holder, true, nil
	}
	return holder, false, err
}

// inviteTaken answers the invitation of an address that holder, a user of
// another tenant, has, as a new address is answered: the same work (a
// user row added, under an address nobody can have, and removed, which
// gives u an id and checks its user name as for anyone; the caller's
// audit entry; one message rendered and queued) and the same answer, an
// invited user, which is not kept. The holder is mailed that the
// organization tried to invite its address; its account is untouched. The
// platform's audit log (no actor organization) records what happened.
func (s *Service) inviteTaken(ctx context.Context, tx Tx, p mercato.Principal, u *mercato.User, holder mercato.User, orgName string) error {
	if err := tx.ReserveUserID(ctx, u); err != nil {
		return err
	}
	u.Invited = true
	if err := tx.Audit(ctx, p, "user.create", "user", u.ID, map[string]any{"organization_id": u.OrganizationID, "email": u.Email, "role": u.Role}); err != nil {
		return err
	}
	if err := tx.Audit(ctx, mercato.Principal{}, "user.invite_address_taken", "user", holder.ID, map[string]any{"organization_id": u.OrganizationID, "by_user": p.UserID}); err != nil {
		return err
	}
	if s.inviteMail == nil {
		return nil
	}
	// The statement a new user's invitation runs, ending nothing.
	if err := tx.EndPasswordResets(ctx, 0); err != nil {
		return err
	}
	return s.inviteMail(ctx, tx, notify.Invite{User: holder, Organization: orgName, Taken: true})
}

// invite makes u's invitation link, ending the older ones, and queues its
// message; nothing without WithInviteMail.
func (s *Service) invite(ctx context.Context, tx Tx, u mercato.User, orgName string) error {
	if s.inviteMail == nil {
		return nil
	}
	secret := newSecret()
	if err := tx.EndPasswordResets(ctx, u.ID); err != nil {
		return err
	}
	if err := tx.InsertPasswordReset(ctx, u.ID, secret, tx.Now().Add(InvitationTTL)); err != nil {
		return err
	}
	return s.inviteMail(ctx, tx, notify.Invite{User: u, Organization: orgName, Secret: secret, TTL: InvitationTTL})
}

// ResendInvitation sends a user visible to p that has not yet accepted its
// invitation a new link (admins only); the older one stops working. A user
// that has set its password is a conflict.
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
		return s.invite(ctx, tx, u, org.Name)
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
