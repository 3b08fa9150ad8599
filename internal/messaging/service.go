package messaging

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Reads are what the service reads (and marks read) outside a
// transaction.
type Reads interface {
	// SubscriptionParties returns who a subscription visible to p
	// belongs to (not found when p does not see it).
	SubscriptionParties(ctx context.Context, p mercato.Principal, id int64) (subscription.Parties, error)
	// ThreadMessages returns a subscription's messages, oldest first.
	ThreadMessages(ctx context.Context, subID int64) ([]Message, error)
	// MarkMessagesRead records that an organization read a thread up to
	// message lastID (never moving back).
	MarkMessagesRead(ctx context.Context, subID, orgID, lastID int64) error
	// Threads sums up the threads of the subscriptions p sees, most
	// recent first, with the unread counts of p's organization.
	Threads(ctx context.Context, p mercato.Principal) ([]Thread, error)
	// ListNotifications lists the notifications of p's organization,
	// newest first.
	ListNotifications(ctx context.Context, p mercato.Principal) ([]Notification, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	Now() time.Time
	SubscriptionParties(ctx context.Context, p mercato.Principal, id int64) (subscription.Parties, error)
	// InsertMessage saves a message and sets its id.
	InsertMessage(ctx context.Context, m *Message) error
	MarkMessagesRead(ctx context.Context, subID, orgID, lastID int64) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service keeps the subscriptions' threads and the notifications.
type Service struct {
	reads Reads
	inTx  InTx
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, inTx: inTx} }

// PostMessage adds a message to the thread of a subscription p sees, as p
// (its organization and user); the thread is then read for p's
// organization up to it. Viewers only read.
func (s *Service) PostMessage(ctx context.Context, p mercato.Principal, subID int64, body string) (Message, error) {
	m := Message{SubscriptionID: subID, AuthorOrgID: p.OrgID, AuthorUserID: p.UserID, Body: strings.TrimSpace(body)}
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.SubscriptionParties(ctx, p, subID); err != nil {
			return err
		}
		if !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "viewers cannot send messages")
		}
		m.CreatedAt = tx.Now()
		if err := tx.InsertMessage(ctx, &m); err != nil {
			return err
		}
		return tx.MarkMessagesRead(ctx, subID, p.OrgID, m.ID)
	})
	if err != nil {
		return m, fmt.Errorf("post message: %w", err)
	}
	return m, nil
}

// Messages returns the thread of a subscription p sees, oldest first, and
// marks it read for p's organization.
func (s *Service) Messages(ctx context.Context, p mercato.Principal, subID int64) ([]Message, error) {
	if _, err := s.reads.SubscriptionParties(ctx, p, subID); err != nil {
		return nil, err
	}
	out, err := s.reads.ThreadMessages(ctx, subID)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 {
		if err := s.reads.MarkMessagesRead(ctx, subID, p.OrgID, out[len(out)-1].ID); err != nil {
			return nil, fmt.Errorf("mark messages read: %w", err)
		}
	}
	return out, nil
}

// Threads lists the threads with messages among the subscriptions p sees,
// most recent first, with p's organization's unread counts.
func (s *Service) Threads(ctx context.Context, p mercato.Principal) ([]Thread, error) {
	return s.reads.Threads(ctx, p)
}

// UnreadMessages counts the messages p's organization has not read, across
// every subscription it sees.
func (s *Service) UnreadMessages(ctx context.Context, p mercato.Principal) (int, error) {
	ts, err := s.reads.Threads(ctx, p)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range ts {
		n += t.Unread
	}
	return n, nil
}

// ListNotifications lists the latest notifications of p's organization,
// newest first.
func (s *Service) ListNotifications(ctx context.Context, p mercato.Principal) ([]Notification, error) {
	return s.reads.ListNotifications(ctx, p)
}
