package store

import (
	"context"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
)

// The threads of subscriptions and the notifications to organizations
// (internal/messaging decides who reads and writes which thread).

// InsertMessage saves a message of a subscription's thread and sets its id.
func (tx *Tx) InsertMessage(ctx context.Context, m *messaging.Message) error {
	if err := tx.t.QueryRowContext(ctx, `INSERT INTO messages (subscription_id, author_org_id, author_user_id, body, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
		m.SubscriptionID, m.AuthorOrgID, m.AuthorUserID, m.Body, m.CreatedAt).Scan(&m.ID); err != nil {
		return fmt.Errorf("insert message: %w", err)
	}
	return nil
}

// MarkMessagesRead records, in the transaction, that an organization read
// a thread up to message lastID.
func (tx *Tx) MarkMessagesRead(ctx context.Context, subID, orgID, lastID int64) error {
	return markRead(ctx, tx.t, subID, orgID, lastID)
}

// MarkMessagesRead records that an organization read a thread up to
// message lastID; a mark never moves back.
func (s *Store) MarkMessagesRead(ctx context.Context, subID, orgID, lastID int64) error {
	return markRead(ctx, s.rd(), subID, orgID, lastID)
}

func markRead(ctx context.Context, db queryer, subID, orgID, lastID int64) error {
	_, err := db.ExecContext(ctx, `INSERT INTO message_reads (subscription_id, organization_id, last_read_id) VALUES ($1,$2,$3)
		ON CONFLICT (subscription_id, organization_id) DO UPDATE SET last_read_id = excluded.last_read_id
		WHERE excluded.last_read_id > message_reads.last_read_id`, subID, orgID, lastID)
	if err != nil {
		return fmt.Errorf("mark messages read: %w", err)
	}
	return nil
}

// ThreadMessages returns a subscription's thread, oldest first, with the
// names of the authors' organizations and users.
func (s *Store) ThreadMessages(ctx context.Context, subID int64) ([]messaging.Message, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT m.id, m.subscription_id, m.author_org_id, COALESCE(m.author_user_id, 0), o.name, COALESCE(u.name, ''), m.body, m.created_at
		FROM messages m JOIN organizations o ON o.id = m.author_org_id LEFT JOIN users u ON u.id = m.author_user_id
		WHERE m.subscription_id = $1 ORDER BY m.id LIMIT 1000`, subID)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []messaging.Message
	for rows.Next() {
		var m messaging.Message
		if err := rows.Scan(&m.ID, &m.SubscriptionID, &m.AuthorOrgID, &m.AuthorUserID, &m.AuthorOrg, &m.AuthorName, &m.Body, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return out, nil
}

// Threads lists the threads with messages among the subscriptions visible
// to p, most recent first, with p's organization's unread counts.
func (s *Store) Threads(ctx context.Context, p mercato.Principal) ([]messaging.Thread, error) {
	q := &query{}
	q.add(`SELECT m.subscription_id, COUNT(*),
		SUM(CASE WHEN m.author_org_id <> %a AND m.id > COALESCE(r.last_read_id, 0) THEN 1 ELSE 0 END), MAX(m.created_at)
		FROM messages m JOIN subscriptions s ON s.id = m.subscription_id
		LEFT JOIN message_reads r ON r.subscription_id = m.subscription_id AND r.organization_id = %a
		WHERE `, p.OrgID, p.OrgID)
	subscriptionScope(q, p, "s")
	q.add(" GROUP BY m.subscription_id ORDER BY MAX(m.id) DESC LIMIT 500")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	defer rows.Close()
	var out []messaging.Thread
	for rows.Next() {
		var (
			t    messaging.Thread
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

// ListNotifications lists the caller's organization's notifications, newest first.
func (s *Store) ListNotifications(ctx context.Context, p mercato.Principal) ([]messaging.Notification, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT id, kind, message, created_at FROM notifications WHERE organization_id = $1 ORDER BY id DESC LIMIT 200`, p.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []messaging.Notification
	for rows.Next() {
		var n messaging.Notification
		if err := rows.Scan(&n.ID, &n.Kind, &n.Message, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}
