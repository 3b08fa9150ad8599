package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Invite is an invitation to queue: User is the new user (or, with Taken,
// the account that already holds the address), Organization the name of
// the organization that invites, Secret the single-use link's secret
// (unused with Taken) and TTL how long it works.
type Invite struct {
	User         mercato.User
	Organization string
	Secret       string
	TTL          time.Duration
	Taken        bool
}

// QueueInvitation queues, in the transaction that creates a user, the
// message that invites it: a link to the control panel's /invitation page
// where it sets its password (the message is sensitive: its body is
// cleared once sent). With Taken, the address belongs to an account of
// another organization: its holder is told instead that the organization
// invited the address, which is already in use, so the inviter learns
// nothing and the holder knows. Either way one message is rendered and
// queued.
func (s *Service) QueueInvitation(ctx context.Context, tx MailTx, in Invite) error {
	if !s.Linking() {
		return fmt.Errorf("invitation mail: no public URL to build the link on")
	}
	operator, err := tx.OperatorName(ctx)
	if err != nil {
		return err
	}
	l := letter{template: Invitation, data: Data{Organization: in.Organization,
		InviteURL: s.link("/invitation?token=%s", in.Secret), Days: int((in.TTL + time.Hour - 1) / (24 * time.Hour))}}
	if in.Taken {
		l = letter{template: AddressInUse, data: Data{Organization: in.Organization, SignInURL: s.link("/signin")}}
	}
	u := in.User
	m, err := s.compose(l, Recipient{UserID: u.ID, Email: u.Email, Name: u.Name, Language: u.Language}, operator)
	if err != nil {
		return fmt.Errorf("invitation mail: %w", err)
	}
	// Each invitation is its own message: keyed by its link, or, for a
	// notice, by a random value.
	key := in.Secret
	if in.Taken {
		key = rand.Text()
	}
	sum := sha256.Sum256([]byte(key))
	m.Key, m.Sensitive = l.template+":"+hex.EncodeToString(sum[:12]), !in.Taken
	if err := m.Validate(); err != nil {
		return fmt.Errorf("invitation mail: %w", err)
	}
	_, err = tx.QueueMail(ctx, &m)
	return err
}
