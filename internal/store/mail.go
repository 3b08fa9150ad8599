package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mail"
)

// The mail outbox (mail_messages): internal/notify and the services that
// create secrets queue messages in their transactions; internal/mail's
// sender claims, sends and records them; the operator lists them.

const mailColumns = `m.id, m.key, COALESCE(m.event_id, 0), COALESCE(m.user_id, 0), m.to_address, m.to_name, m.language, m.template, m.subject,
	m.text_body, m.html_body, m.attachments, m.sensitive, m.status, m.attempts, m.next_attempt_at, m.last_error, m.created_at, m.sent_at`

func scanMail(row scanner) (mail.Message, error) {
	var (
		m      mail.Message
		next   int64
		status string
		sent   sql.NullTime
	)
	err := row.Scan(&m.ID, &m.Key, &m.EventID, &m.UserID, &m.To, &m.ToName, &m.Language, &m.Template, &m.Subject,
		&m.Text, &m.HTML, jsonColumn{&m.Attachments}, &m.Sensitive, &status, &m.Attempts, &next, &m.LastError, &m.CreatedAt, &sent)
	m.Status, m.NextAttemptAt, m.CreatedAt = mail.Status(status), fromMicros(next), m.CreatedAt.UTC()
	if sent.Valid {
		t := sent.Time.UTC()
		m.SentAt = &t
	}
	return m, err
}

// QueueMail puts a rendered message in the outbox, due at once, in the
// transaction of the change that causes it, and reports whether it did: a
// message whose key is in the outbox already is not queued again.
//
// A service that creates a secret to send (a password-reset link, an
// invitation) queues its message here itself, in the transaction that
// stores the secret, with Sensitive set (its bodies are cleared once it
// is sent); the sender wakes within its poll interval. Messages that
// lifecycle events cause are internal/notify's.
func (tx *Tx) QueueMail(ctx context.Context, m *mail.Message) (bool, error) {
	atts := "[]"
	if len(m.Attachments) > 0 {
		var err error
		if atts, err = jsonText(m.Attachments); err != nil {
			return false, err
		}
	}
	var event, user *int64
	if m.EventID != 0 {
		event = &m.EventID
	}
	if m.UserID != 0 {
		user = &m.UserID
	}
	now := tx.s.now()
	m.Status, m.NextAttemptAt, m.CreatedAt = mail.Queued, now, now
	err := tx.t.QueryRowContext(ctx, `INSERT INTO mail_messages (key, event_id, user_id, to_address, to_name, language, template, subject, text_body, html_body,
		attachments, sensitive, status, next_attempt_at, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'queued',$13,$14)
		ON CONFLICT (key) DO NOTHING RETURNING id`,
		m.Key, event, user, m.To, m.ToName, m.Language, m.Template, m.Subject, m.Text, m.HTML, atts, m.Sensitive, micros(now), now).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("queue mail %s: %w", m.Key, err)
	}
	return true, nil
}

// ClaimMail leases up to limit due queued messages for lease, the longest
// waiting first. A lease that ran out (its process died) makes a message
// due again; on PostgreSQL, concurrent claimers skip each other's rows
// (SQLite's writers queue behind one another).
func (s *Store) ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]mail.Message, error) {
	now := s.now()
	var out []mail.Message
	err := s.tx(ctx, func(tx *txn) error {
		lock := ""
		if s.engine == Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `UPDATE mail_messages SET locked_until = $1 WHERE id IN (
			SELECT id FROM mail_messages WHERE status = 'queued' AND next_attempt_at <= $2 AND locked_until < $2
			ORDER BY next_attempt_at, id LIMIT $3`+lock+`) RETURNING id`, micros(now.Add(lease)), micros(now), limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return rows.Err()
		}
		q := &query{}
		q.add("SELECT " + mailColumns + " FROM mail_messages m WHERE m.id IN (")
		for i, id := range ids {
			if i > 0 {
				q.add(", ")
			}
			q.add("%a", id)
		}
		q.add(") ORDER BY m.next_attempt_at, m.id")
		out, err = queryMail(ctx, tx, q)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	return out, nil
}

// queryMail runs q, a query of mailColumns, and scans every message.
func queryMail(ctx context.Context, db queryer, q *query) ([]mail.Message, error) {
	rows, err := db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []mail.Message
	for rows.Next() {
		v, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// RecordMail records what became of a claimed message and ends its lease.
// A sent message that held a secret keeps no body; a notice (of a
// refusal) becomes a notification of the platform organization.
func (s *Store) RecordMail(ctx context.Context, r mail.Result) error {
	now := s.now()
	attempt := 0
	if r.Attempted {
		attempt = 1
	}
	var err error
	switch r.Status {
	case mail.Sent:
		_, err = s.rd().ExecContext(ctx, `UPDATE mail_messages SET status = 'sent', attempts = attempts + $1, locked_until = 0, last_error = '', sent_at = $2,
			text_body = CASE WHEN sensitive THEN '' ELSE text_body END, html_body = CASE WHEN sensitive THEN '' ELSE html_body END
			WHERE id = $3 AND status = 'queued'`, attempt, now, r.ID)
	case mail.Refused, mail.Kept:
		err = s.tx(ctx, func(tx *txn) error {
			res, err := tx.ExecContext(ctx, `UPDATE mail_messages SET status = $1, attempts = attempts + $2, locked_until = 0, last_error = $3 WHERE id = $4 AND status = 'queued'`,
				string(r.Status), attempt, r.Error, r.ID)
			if err != nil || r.Notice == "" {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			// The operator is told on the overview page.
			_, err = tx.ExecContext(ctx, `INSERT INTO notifications (organization_id, kind, message, created_at)
				SELECT id, 'mail_refused', $1, $2 FROM organizations WHERE kind = 'platform' ORDER BY id LIMIT 1`, r.Notice, now)
			return err
		})
	case mail.Queued:
		_, err = s.rd().ExecContext(ctx, `UPDATE mail_messages SET attempts = attempts + $1, next_attempt_at = $2, locked_until = 0,
			last_error = CASE WHEN $3 = '' THEN last_error ELSE $3 END WHERE id = $4 AND status = 'queued'`,
			attempt, micros(r.RetryAt), r.Error, r.ID)
	default:
		return fmt.Errorf("record mail %d: unknown status %q", r.ID, r.Status)
	}
	if err != nil {
		return fmt.Errorf("record mail %d: %w", r.ID, err)
	}
	return nil
}

// ListMail lists the outbox newest first, as f narrows it.
func (s *Store) ListMail(ctx context.Context, f mail.Filter) ([]mail.Message, error) {
	q := &query{}
	q.add("SELECT " + mailColumns + " FROM mail_messages m WHERE TRUE")
	if f.Status != "" {
		q.add(" AND m.status = %a", string(f.Status))
	}
	if f.Before > 0 {
		q.add(" AND m.id < %a", f.Before)
	}
	q.add(" ORDER BY m.id DESC LIMIT %a", f.Size())
	out, err := queryMail(ctx, s.rd(), q)
	if err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	return out, nil
}

// MailMessage reads one message of the outbox.
func (s *Store) MailMessage(ctx context.Context, id int64) (mail.Message, error) {
	m, err := scanMail(s.rd().QueryRowContext(ctx, "SELECT "+mailColumns+" FROM mail_messages m WHERE m.id = $1", id))
	if err != nil {
		return m, notFoundIfNoRows(err, "mail message", id)
	}
	return m, nil
}

// MailCounts counts the outbox's messages by status.
func (s *Store) MailCounts(ctx context.Context) (map[mail.Status]int, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT status, COUNT(*) FROM mail_messages GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count mail: %w", err)
	}
	defer rows.Close()
	out := map[mail.Status]int{}
	for rows.Next() {
		var (
			st string
			n  int
		)
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count mail: %w", err)
		}
		out[mail.Status(strings.TrimSpace(st))] = n
	}
	return out, rows.Err()
}
