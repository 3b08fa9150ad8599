package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The publisher's terms a buyer accepted with an order (migration 00032).

// InsertTermsAcceptance records, in the order's transaction, the terms its
// buyer accepted.
func (tx *Tx) InsertTermsAcceptance(ctx context.Context, a catalog.TermsAcceptance) error {
	_, err := tx.t.ExecContext(ctx, `INSERT INTO terms_acceptances (order_id, subscription_id, user_id, organization_id, accepted_at,
		license_link, privacy_link, marketplace_link, summary, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
		a.OrderID, a.SubscriptionID, a.UserID, a.OrganizationID, a.AcceptedAt.UTC(),
		a.Terms.LicenseLink, a.Terms.PrivacyLink, a.Terms.MarketplaceLink, a.Terms.Summary, a.Version)
	if err != nil {
		return fmt.Errorf("record terms acceptance of order %d: %w", a.OrderID, err)
	}
	return nil
}

// TermsAcceptance returns the terms accepted with the first order of a
// subscription p sees; false when none were (a product without terms).
func (s *Store) TermsAcceptance(ctx context.Context, p mercato.Principal, subID int64) (catalog.TermsAcceptance, bool, error) {
	q := &query{}
	q.add(`SELECT a.order_id, a.subscription_id, a.user_id, a.organization_id, a.accepted_at, a.license_link, a.privacy_link,
		a.marketplace_link, a.summary, a.version FROM terms_acceptances a JOIN subscriptions s ON s.id = a.subscription_id
		WHERE a.subscription_id = %a AND `, subID)
	subscriptionScope(q, p, "s")
	q.add(" ORDER BY a.order_id LIMIT 1")
	var a catalog.TermsAcceptance
	err := s.rd().QueryRowContext(ctx, q.String(), q.args...).Scan(&a.OrderID, &a.SubscriptionID, &a.UserID, &a.OrganizationID, &a.AcceptedAt,
		&a.Terms.LicenseLink, &a.Terms.PrivacyLink, &a.Terms.MarketplaceLink, &a.Terms.Summary, &a.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, fmt.Errorf("terms acceptance of subscription %d: %w", subID, err)
	}
	a.AcceptedAt = a.AcceptedAt.UTC()
	return a, true, nil
}
