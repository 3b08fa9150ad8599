package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The operator's settings (its identity as the seller of the platform's
// invoices, its payment terms) and the dated tax rates.

func operatorSettings(ctx context.Context, db queryer) (billing.Seller, error) {
	var s billing.Seller
	err := db.QueryRowContext(ctx, `SELECT legal_name, address_line, city, postal_code, country, vat_id, email, payment_terms_days, payment_instructions, updated_at
		FROM operator_settings WHERE id = 1`).Scan(&s.LegalName, &s.Address.Line, &s.Address.City, &s.Address.PostalCode, &s.Country, &s.VATID, &s.Email,
		&s.PaymentTermsDays, &s.PaymentInstructions, &s.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return billing.Seller{}, nil
	}
	if err != nil {
		return s, fmt.Errorf("operator settings: %w", err)
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
	return s, nil
}

// OperatorSettings returns the operator's settings; zero until set.
func (s *Store) OperatorSettings(ctx context.Context) (billing.Seller, error) {
	return operatorSettings(ctx, s.rd())
}

// OperatorSettings returns the operator's settings in the transaction.
func (tx *Tx) OperatorSettings(ctx context.Context) (billing.Seller, error) {
	return operatorSettings(ctx, tx.t)
}

// SaveOperatorSettings writes the operator's settings, setting their
// update time.
func (s *Store) SaveOperatorSettings(ctx context.Context, st *billing.Seller) error {
	st.UpdatedAt = s.now()
	if _, err := s.rd().ExecContext(ctx, `INSERT INTO operator_settings (id, legal_name, address_line, city, postal_code, country, vat_id, email, payment_terms_days, payment_instructions, updated_at)
		VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET legal_name = EXCLUDED.legal_name, address_line = EXCLUDED.address_line, city = EXCLUDED.city,
		postal_code = EXCLUDED.postal_code, country = EXCLUDED.country, vat_id = EXCLUDED.vat_id, email = EXCLUDED.email,
		payment_terms_days = EXCLUDED.payment_terms_days, payment_instructions = EXCLUDED.payment_instructions, updated_at = EXCLUDED.updated_at`,
		st.LegalName, st.Address.Line, st.Address.City, st.Address.PostalCode, st.Country, st.VATID, st.Email, st.PaymentTermsDays, st.PaymentInstructions, st.UpdatedAt); err != nil {
		return fmt.Errorf("save operator settings: %w", err)
	}
	return nil
}

func taxRates(ctx context.Context, db queryer) ([]billing.TaxRate, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, country, rate, valid_from, created_at FROM tax_rates ORDER BY country, valid_from`)
	if err != nil {
		return nil, fmt.Errorf("tax rates: %w", err)
	}
	defer rows.Close()
	var out []billing.TaxRate
	for rows.Next() {
		var r billing.TaxRate
		if err := rows.Scan(&r.ID, &r.Country, &r.Rate, &r.ValidFrom, &r.CreatedAt); err != nil {
			return nil, fmt.Errorf("tax rates: %w", err)
		}
		r.ValidFrom, r.CreatedAt = r.ValidFrom.UTC(), r.CreatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// TaxRates lists every tax rate, by country and date (a few dozen rows:
// the billing run picks the one valid on the invoice date in Go).
func (s *Store) TaxRates(ctx context.Context) ([]billing.TaxRate, error) {
	return taxRates(ctx, s.rd())
}

// TaxRates lists every tax rate in the transaction.
func (tx *Tx) TaxRates(ctx context.Context) ([]billing.TaxRate, error) { return taxRates(ctx, tx.t) }

// InsertTaxRate adds a rate; a country has one rate per day.
func (s *Store) InsertTaxRate(ctx context.Context, r *billing.TaxRate) error {
	r.CreatedAt = s.now()
	err := s.rd().QueryRowContext(ctx, `INSERT INTO tax_rates (country, rate, valid_from, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		r.Country, r.Rate.String(), r.ValidFrom.UTC(), r.CreatedAt).Scan(&r.ID)
	if isUniqueViolation(err) {
		return mercato.Errorf(mercato.ECONFLICT, "%s already has a rate from %s", r.Country, r.ValidFrom.Format("2006-01-02"))
	}
	if err != nil {
		return fmt.Errorf("insert tax rate: %w", err)
	}
	return nil
}
