package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Message is one message of a subscription's thread, between its customer
// and those who provide or sold it (vendor, reseller, distributor, platform):
// whoever sees the subscription reads and writes its thread.
type Message struct {
	ID             int64
	SubscriptionID int64
	AuthorOrgID    int64
	AuthorOrg      string // the author organization's name
	AuthorName     string // the author user's name, when known
	Body           string
	CreatedAt      time.Time
}

// MaxMessageLength is the longest message, in characters.
const MaxMessageLength = 10000

// PostMessage adds a message to a subscription's thread, as read by its
// author's organization.
func (s *Store) PostMessage(ctx context.Context, p mercato.Principal, subID int64, body string) (Message, error) {
	body = strings.TrimSpace(body)
	var fe mercato.FieldErrors
	switch {
	case body == "":
		fe.Add("body", "is required")
	case !utf8.ValidString(body) || strings.ContainsRune(body, 0):
		fe.Add("body", "must be UTF-8 text without NUL characters")
	case utf8.RuneCountInString(body) > MaxMessageLength:
		fe.Add("body", "at most %d characters", MaxMessageLength)
	}
	if err := fe.Err("invalid message"); err != nil {
		return Message{}, err
	}
	m := Message{SubscriptionID: subID, AuthorOrgID: p.OrgID, Body: body}
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.visibleSubscription(ctx, tx, p, subID); err != nil {
			return err
		}
		if !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "viewers cannot send messages")
		}
		m.CreatedAt = s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO messages (subscription_id, author_org_id, author_user_id, body, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
			subID, p.OrgID, p.UserID, body, m.CreatedAt).Scan(&m.ID); err != nil {
			return err
		}
		return markRead(ctx, tx, subID, p.OrgID, m.ID)
	})
	if err != nil {
		return m, fmt.Errorf("post message: %w", err)
	}
	return m, nil
}

func markRead(ctx context.Context, db queryer, subID, orgID, lastID int64) error {
	_, err := db.ExecContext(ctx, `INSERT INTO message_reads (subscription_id, organization_id, last_read_id) VALUES ($1,$2,$3)
		ON CONFLICT (subscription_id, organization_id) DO UPDATE SET last_read_id = excluded.last_read_id
		WHERE excluded.last_read_id > message_reads.last_read_id`, subID, orgID, lastID)
	return err
}

// Messages returns a subscription's thread, oldest first, and marks it read
// for p's organization.
func (s *Store) Messages(ctx context.Context, p mercato.Principal, subID int64) ([]Message, error) {
	if _, err := s.visibleSubscription(ctx, s.rd(), p, subID); err != nil {
		return nil, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT m.id, m.subscription_id, m.author_org_id, o.name, COALESCE(u.name, ''), m.body, m.created_at
		FROM messages m JOIN organizations o ON o.id = m.author_org_id LEFT JOIN users u ON u.id = m.author_user_id
		WHERE m.subscription_id = $1 ORDER BY m.id LIMIT 1000`, subID)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.SubscriptionID, &m.AuthorOrgID, &m.AuthorOrg, &m.AuthorName, &m.Body, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	if len(out) > 0 {
		if err := markRead(ctx, s.rd(), subID, p.OrgID, out[len(out)-1].ID); err != nil {
			return nil, fmt.Errorf("mark messages read: %w", err)
		}
	}
	return out, nil
}

// Thread sums up one subscription's messages for p's organization.
type Thread struct {
	SubscriptionID int64
	Messages       int
	Unread         int // messages from other organizations not yet read
	LastAt         time.Time
}

// Threads lists the threads with messages among the subscriptions visible
// to p, most recent first, with p's organization's unread counts.
func (s *Store) Threads(ctx context.Context, p mercato.Principal) ([]Thread, error) {
	q := &query{}
	q.add(`SELECT m.subscription_id, COUNT(*),
		SUM(CASE WHEN m.author_org_id <> %a AND m.id > COALESCE(r.last_read_id, 0) THEN 1 ELSE 0 END), MAX(m.created_at)
		FROM messages m JOIN subscriptions s ON s.id = m.subscription_id
		LEFT JOIN message_reads r ON r.subscription_id = m.subscription_id AND r.organization_id = %a
		WHERE `, p.OrgID, p.OrgID)
	subscriptionScope(q, p, "s.customer_id", "s.product_id")
	q.add(" GROUP BY m.subscription_id ORDER BY MAX(m.id) DESC LIMIT 500")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	var out []Thread
	for rows.Next() {
		var (
			t    Thread
			last any
		)
		if err := rows.Scan(&t.SubscriptionID, &t.Messages, &t.Unread, &last); err != nil {
			return nil, fmt.Errorf("scan thread: %w", err)
		}
		t.LastAt = anyTime(last)
		out = append(out, t)
	}
	return out, rows.Err()
}

// anyTime reads an aggregate of a timestamp column: PostgreSQL returns a
// time, SQLite the stored text.
func anyTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if tt, err := time.Parse(layout, t); err == nil {
				return tt.UTC()
			}
		}
	}
	return time.Time{}
}

// UnreadMessages counts the messages p's organization has not read, across
// every visible subscription.
func (s *Store) UnreadMessages(ctx context.Context, p mercato.Principal) (int, error) {
	ts, err := s.Threads(ctx, p)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range ts {
		n += t.Unread
	}
	return n, nil
}
