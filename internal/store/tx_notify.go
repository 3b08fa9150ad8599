package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The reads and writes of internal/notify's batches: which events are
// not yet considered for mail, and what the messages they cause tell.

// ClaimUnnotifiedEvents returns up to limit events not yet considered for
// mail, oldest first. On PostgreSQL they are locked for the transaction
// and concurrent batches skip them; SQLite's transactions run one at a
// time.
func (tx *Tx) ClaimUnnotifiedEvents(ctx context.Context, limit int) ([]subscription.Event, error) {
	lock := ""
	if tx.s.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := tx.t.QueryContext(ctx, `SELECT e.id, e.entity, e.entity_id, e.type, e.occurred_at, e.metadata FROM events e
		WHERE e.notified_at IS NULL ORDER BY e.id LIMIT $1`+lock, limit)
	if err != nil {
		return nil, fmt.Errorf("unnotified events: %w", err)
	}
	defer rows.Close()
	var out []subscription.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkEventsNotified marks events considered for mail.
func (tx *Tx) MarkEventsNotified(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	q := &query{}
	q.add("UPDATE events SET notified_at = %a WHERE id IN (", tx.s.now())
	for i, id := range ids {
		if i > 0 {
			q.add(", ")
		}
		q.add("%a", id)
	}
	q.add(")")
	if _, err := tx.t.ExecContext(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("mark events notified: %w", err)
	}
	return nil
}

// MailRecipients lists the users of an organization with their language:
// those that hold their address (a user kept without it, whose address
// another tenant's user has, is mailed nothing of the organization).
func (tx *Tx) MailRecipients(ctx context.Context, orgID int64) ([]notify.Recipient, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT id, email, name, language, role FROM users WHERE organization_id = $1 AND pending_email IS NULL ORDER BY id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("recipients of organization %d: %w", orgID, err)
	}
	defer rows.Close()
	var out []notify.Recipient
	for rows.Next() {
		var r notify.Recipient
		if err := rows.Scan(&r.UserID, &r.Email, &r.Name, &r.Language, &r.Role); err != nil {
			return nil, fmt.Errorf("scan recipient: %w", err)
		}
		r.Language = strings.TrimSpace(r.Language)
		out = append(out, r)
	}
	return out, rows.Err()
}

// OperatorName is the platform organization's name.
func (tx *Tx) OperatorName(ctx context.Context) (string, error) {
	var name string
	if err := tx.t.QueryRowContext(ctx, `SELECT name FROM organizations WHERE kind = 'platform' ORDER BY id LIMIT 1`).Scan(&name); err != nil {
		return "", fmt.Errorf("operator name: %w", err)
	}
	return name, nil
}

// SubscriptionFacts reads what the messages about a subscription tell:
// its product, plan, customer and vendor, the total of the order that
// created it, and its APP endpoint once the provider set one.
func (tx *Tx) SubscriptionFacts(ctx context.Context, id int64) (notify.SubscriptionFacts, error) {
	var f notify.SubscriptionFacts
	err := tx.t.QueryRowContext(ctx, `SELECT s.id, s.customer_id, p.vendor_id, c.name, p.name, pl.name, s.quantity, s.currency,
		COALESCE((SELECT o.total FROM orders o WHERE o.subscription_id = s.id ORDER BY o.id LIMIT 1), '0'),
		COALESCE((SELECT e.endpoint FROM subscription_endpoints e WHERE e.subscription_id = s.id AND e.category = 'APP' ORDER BY e.id LIMIT 1), '')
		FROM subscriptions s JOIN products p ON p.id = s.product_id JOIN plans pl ON pl.id = s.plan_id JOIN organizations c ON c.id = s.customer_id
		WHERE s.id = $1`, id).Scan(&f.ID, &f.CustomerID, &f.VendorID, &f.CustomerName, &f.ProductName, &f.PlanName, &f.Quantity, &f.Currency, &f.Total, &f.LaunchURL)
	if err != nil {
		return f, notFoundIfNoRows(err, "subscription", id)
	}
	return f, nil
}

// mailer reads invoices for mail: any organization's, as the platform.
var mailer = mercato.Principal{OrgKind: mercato.KindPlatform, Role: mercato.RoleViewer}

// InvoiceForMail reads any invoice with its lines, in the transaction.
func (tx *Tx) InvoiceForMail(ctx context.Context, id int64) (billing.Invoice, error) {
	return tx.s.invoice(ctx, tx.t, mailer, id, false)
}

// InvoiceForMail reads any invoice with its lines (its PDF is attached
// when its message is sent).
func (s *Store) InvoiceForMail(ctx context.Context, id int64) (billing.Invoice, error) {
	return s.invoice(ctx, s.rd(), mailer, id, false)
}

// EndingSubscriptions lists the subscriptions whose term ends after from
// and no later than to: trials, or normal subscriptions that renew by
// themselves; live ones only (deployed, being set up or suspended).
func (tx *Tx) EndingSubscriptions(ctx context.Context, trial bool, from, to time.Time) ([]notify.Ending, error) {
	q := `SELECT id, end_date FROM subscriptions WHERE type = $1 AND end_date > $2 AND end_date <= $3
		AND deployment_status IN ('PENDING', 'POST_CONFIGURATION', 'DEPLOYED', 'STOPPED')`
	typ := subscription.TypeTrial
	if !trial {
		typ, q = subscription.TypeNormal, q+` AND auto_renew`
	}
	rows, err := tx.t.QueryContext(ctx, q+` ORDER BY id`, string(typ), from.UTC().Truncate(time.Microsecond), to.UTC().Truncate(time.Microsecond))
	if err != nil {
		return nil, fmt.Errorf("ending subscriptions: %w", err)
	}
	defer rows.Close()
	var out []notify.Ending
	for rows.Next() {
		var e notify.Ending
		if err := rows.Scan(&e.ID, &e.EndDate); err != nil {
			return nil, fmt.Errorf("scan ending subscription: %w", err)
		}
		e.EndDate = e.EndDate.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
