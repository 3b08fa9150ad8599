package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// SaveBillingProfile records whether an organization invoices its
// customers itself.
func (s *Store) SaveBillingProfile(ctx context.Context, orgID int64, self bool) error {
	_, err := s.rd().ExecContext(ctx, `INSERT INTO billing_profiles (organization_id, self_billing, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (organization_id) DO UPDATE SET self_billing = excluded.self_billing, updated_at = excluded.updated_at`, orgID, self, s.now())
	if err != nil {
		return fmt.Errorf("billing profile of %d: %w", orgID, err)
	}
	return nil
}

// SelfBilling reports whether a reseller visible to p invoices its
// customers itself.
func (s *Store) SelfBilling(ctx context.Context, p mercato.Principal, orgID int64) (bool, error) {
	if _, err := s.organization(ctx, s.rd(), p, orgID); err != nil {
		return false, err
	}
	var self bool
	err := s.rd().QueryRowContext(ctx, `SELECT self_billing FROM billing_profiles WHERE organization_id = $1`, orgID).Scan(&self)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("billing profile of %d: %w", orgID, err)
	}
	return self, nil
}

// ProviderCustomer returns the payment provider's id of an organization's
// customer account, empty when it has none yet.
func (s *Store) ProviderCustomer(ctx context.Context, orgID int64) (string, error) {
	var ref string
	err := s.rd().QueryRowContext(ctx, `SELECT provider_customer FROM billing_profiles WHERE organization_id = $1`, orgID).Scan(&ref)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("payment provider customer of %d: %w", orgID, err)
	}
	return ref, nil
}

// SaveProviderCustomer records the payment provider's id of an
// organization's customer account.
func (s *Store) SaveProviderCustomer(ctx context.Context, orgID int64, ref string) error {
	_, err := s.rd().ExecContext(ctx, `INSERT INTO billing_profiles (organization_id, provider_customer, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (organization_id) DO UPDATE SET provider_customer = excluded.provider_customer, updated_at = excluded.updated_at`, orgID, ref, s.now())
	if err != nil {
		return fmt.Errorf("payment provider customer of %d: %w", orgID, err)
	}
	return nil
}

// InvoicesToCollect lists (oldest first, at most limit) the issued
// invoices of issuerID whose customer has an account at the payment
// provider and which were never asked of it.
func (s *Store) InvoicesToCollect(ctx context.Context, issuerID int64, limit int) ([]int64, error) {
	return s.ids(ctx, "invoices to collect", `SELECT i.id FROM invoices i JOIN billing_profiles b ON b.organization_id = i.customer_id
		WHERE i.kind = 'invoice' AND i.status = 'issued' AND i.issuer_id = $1 AND b.provider_customer <> ''
		AND NOT EXISTS (SELECT 1 FROM payment_attempts a WHERE a.invoice_id = i.id)
		ORDER BY i.id LIMIT $2`, issuerID, limit)
}

// FailedCollections returns, oldest invoice first, where the collection
// of each issued invoice of issuerID with a failed payment stands.
func (s *Store) FailedCollections(ctx context.Context, issuerID int64) ([]billing.Collection, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT e.invoice_id, e.created_at,
		(SELECT COUNT(DISTINCT a.try) FROM payment_attempts a WHERE a.invoice_id = e.invoice_id)
		FROM payment_events e JOIN invoices i ON i.id = e.invoice_id
		WHERE e.type = $1 AND i.status = 'issued' AND i.issuer_id = $2
		ORDER BY e.invoice_id, e.created_at`, string(billing.PaymentFailed), issuerID)
	if err != nil {
		return nil, fmt.Errorf("failed collections: %w", err)
	}
	defer rows.Close()
	var out []billing.Collection
	for rows.Next() {
		var (
			id    int64
			at    time.Time
			tries int
		)
		if err := rows.Scan(&id, &at, &tries); err != nil {
			return nil, fmt.Errorf("failed collections: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].InvoiceID == id {
			out[n-1].Failures++
			continue
		}
		out = append(out, billing.Collection{InvoiceID: id, Tries: tries, Failures: 1, FirstFailure: at})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("failed collections: %w", err)
	}
	return out, nil
}

// ProviderCustomerOrganization returns the organization whose account at
// the payment provider ref is; found is false for one Mercato did not
// create.
func (s *Store) ProviderCustomerOrganization(ctx context.Context, ref string) (id int64, found bool, err error) {
	err = s.rd().QueryRowContext(ctx, `SELECT organization_id FROM billing_profiles WHERE provider_customer = $1`, ref).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || ref == "" {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("organization of payment provider customer %s: %w", ref, err)
	}
	return id, true, nil
}

// OpenCollections returns where the collection of each issued invoice of
// issuerID to customerID stands, oldest first (FirstFailure unset).
func (s *Store) OpenCollections(ctx context.Context, issuerID, customerID int64) ([]billing.Collection, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT i.id,
		(SELECT COUNT(DISTINCT a.try) FROM payment_attempts a WHERE a.invoice_id = i.id),
		(SELECT COUNT(*) FROM payment_events e WHERE e.invoice_id = i.id AND e.type = $1)
		FROM invoices i WHERE i.kind = 'invoice' AND i.status = 'issued' AND i.issuer_id = $2 AND i.customer_id = $3
		ORDER BY i.id`, string(billing.PaymentFailed), issuerID, customerID)
	if err != nil {
		return nil, fmt.Errorf("open collections of %d: %w", customerID, err)
	}
	defer rows.Close()
	var out []billing.Collection
	for rows.Next() {
		var c billing.Collection
		if err := rows.Scan(&c.InvoiceID, &c.Tries, &c.Failures); err != nil {
			return nil, fmt.Errorf("open collections of %d: %w", customerID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open collections of %d: %w", customerID, err)
	}
	return out, nil
}
