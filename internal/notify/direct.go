package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Messages no lifecycle event causes: the service whose transaction makes
// the change (a reset link, a disabled endpoint) queues them through its
// own transaction (MailTx), so the message exists if and only if the
// change commits.

// Linking reports whether messages can carry links (WithPublicURL): a
// service without it queues none.
func (s *Service) Linking() bool { return s.publicURL != "" && s.broken == nil }

// QueuePasswordReset queues the message carrying a password-reset link
// with secret to user u (language lang), valid for ttl. The message is
// sensitive: its body is cleared once sent. With queue false it renders
// the message and queues nothing: a request for an address that has no
// account does the same work, so that it takes as long.
func (s *Service) QueuePasswordReset(ctx context.Context, tx MailTx, u mercato.User, secret string, ttl time.Duration, queue bool) error {
	if !s.Linking() {
		return fmt.Errorf("password reset mail: no public URL to build the link on")
	}
	operator, err := tx.OperatorName(ctx)
	if err != nil {
		return err
	}
	d := Data{ResetURL: s.link("/reset?token=%s", secret), Minutes: int(ttl.Minutes())}
	m, err := s.compose(letter{template: PasswordReset, data: d}, Recipient{UserID: u.ID, Email: u.Email, Name: u.Name, Language: u.Language}, operator)
	if err != nil {
		return fmt.Errorf("password reset mail: %w", err)
	}
	sum := sha256.Sum256([]byte(secret))
	m.Key, m.Sensitive = "password_reset:"+hex.EncodeToString(sum[:12]), true
	if err := m.Validate(); err != nil {
		return fmt.Errorf("password reset mail: %w", err)
	}
	if !queue {
		return nil
	}
	_, err = tx.QueueMail(ctx, &m)
	return err
}

// DisabledEndpoint is a webhook endpoint the dispatcher disabled.
type DisabledEndpoint struct {
	ID      int64
	OwnerID int64
	URL     string
	Reason  string
	At      time.Time
}

// QueueEndpointDisabled queues, to every admin of the endpoint's owner,
// the message that it was disabled, why, and where to enable it again.
// Once per disabling: the key holds the time it was disabled.
func (s *Service) QueueEndpointDisabled(ctx context.Context, tx MailTx, e DisabledEndpoint) error {
	if !s.Linking() {
		s.log.WarnContext(ctx, "notify: no public URL: the owner of a disabled webhook endpoint is not mailed", "endpoint", e.ID)
		return nil
	}
	operator, err := tx.OperatorName(ctx)
	if err != nil {
		return err
	}
	to, err := tx.MailRecipients(ctx, e.OwnerID)
	if err != nil {
		return err
	}
	l := letter{template: EndpointDisabled, orgID: e.OwnerID,
		data: Data{Endpoint: e.URL, Reason: e.Reason, WebhookURL: s.link("/webhooks/%d", e.ID)}}
	for _, r := range to {
		if r.Role != mercato.RoleAdmin {
			continue
		}
		m, err := s.compose(l, r, operator)
		if err == nil {
			m.Key = fmt.Sprintf("%s:%d:%d:%d", EndpointDisabled, e.ID, e.At.UnixMicro(), r.UserID)
			err = m.Validate()
		}
		if err != nil {
			s.log.ErrorContext(ctx, "notify: a message cannot be built; left out", "template", EndpointDisabled, "user", r.UserID, "err", err)
			continue
		}
		if _, err := tx.QueueMail(ctx, &m); err != nil {
			return err
		}
	}
	return nil
}

// queueLetter queues letter l to every user of its organization under
// key+":"+user id, each key taken once; it returns how many it queued.
func (s *Service) queueLetter(ctx context.Context, tx Tx, l letter, key string, operator string) (int, error) {
	to, err := tx.MailRecipients(ctx, l.orgID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range to {
		m, err := s.compose(l, r, operator)
		if err == nil {
			m.Key = fmt.Sprintf("%s:%d", key, r.UserID)
			err = m.Validate()
		}
		if err != nil {
			s.log.ErrorContext(ctx, "notify: a message cannot be built; left out", "template", l.template, "user", r.UserID, "err", err)
			continue
		}
		queued, err := tx.QueueMail(ctx, &m)
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	return n, nil
}
