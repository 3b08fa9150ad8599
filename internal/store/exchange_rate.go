package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/pricing"
)

// The operator's exchange-rate table (migration 00018): rates per pair of
// currencies and the day from which each holds.

// exchangeRate reads the rate of (base, quote) valid on the day of at: the
// latest whose valid_from is that day or before.
func (s *Store) exchangeRate(ctx context.Context, db queryer, base, quote string, at time.Time) (pricing.ExchangeRate, bool, error) {
	r := pricing.ExchangeRate{Base: base, Quote: quote}
	err := db.QueryRowContext(ctx, `SELECT rate, valid_from FROM exchange_rates WHERE base = $1 AND quote = $2 AND valid_from <= $3
		ORDER BY valid_from DESC LIMIT 1`, base, quote, pricing.Day(at)).Scan(&r.Rate, &r.ValidFrom)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("exchange rate %s/%s: %w", base, quote, err)
	}
	r.ValidFrom = r.ValidFrom.UTC()
	return r, true, nil
}

// ExchangeRate returns the rate of (base, quote) valid on the day of at,
// and whether there is one.
func (tx *Tx) ExchangeRate(ctx context.Context, base, quote string, at time.Time) (pricing.ExchangeRate, bool, error) {
	return tx.s.exchangeRate(ctx, tx.t, base, quote, at)
}

// ExchangeRate is Tx.ExchangeRate outside a transaction (quotes).
func (s *Store) ExchangeRate(ctx context.Context, base, quote string, at time.Time) (pricing.ExchangeRate, bool, error) {
	return s.exchangeRate(ctx, s.rd(), base, quote, at)
}

// organizationCurrency returns the currency an organization is billed in.
func (s *Store) organizationCurrency(ctx context.Context, db queryer, id int64) (string, error) {
	var c string
	if err := db.QueryRowContext(ctx, `SELECT currency FROM organizations WHERE id = $1`, id).Scan(&c); err != nil {
		return "", fmt.Errorf("currency of organization %d: %w", id, err)
	}
	return c, nil
}

// OrganizationCurrency returns the currency an organization is billed in.
func (tx *Tx) OrganizationCurrency(ctx context.Context, id int64) (string, error) {
	return tx.s.organizationCurrency(ctx, tx.t, id)
}

// OrganizationCurrency is Tx.OrganizationCurrency outside a transaction.
func (s *Store) OrganizationCurrency(ctx context.Context, id int64) (string, error) {
	return s.organizationCurrency(ctx, s.rd(), id)
}

// PutExchangeRate sets the rate of a pair from a day, replacing the one
// set for the same day.
func (tx *Tx) PutExchangeRate(ctx context.Context, r pricing.ExchangeRate) error {
	_, err := tx.t.ExecContext(ctx, `INSERT INTO exchange_rates (base, quote, valid_from, rate, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (base, quote, valid_from) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at`,
		r.Base, r.Quote, r.ValidFrom.UTC(), r.Rate.String(), tx.s.now())
	if err != nil {
		return fmt.Errorf("put exchange rate: %w", err)
	}
	return nil
}

// ExchangeRates lists the table, by pair and newest first; base and quote,
// when not empty, select a pair's currencies.
func (s *Store) ExchangeRates(ctx context.Context, base, quote string) ([]pricing.ExchangeRate, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT base, quote, rate, valid_from FROM exchange_rates
		WHERE ($1 = '' OR base = $1) AND ($2 = '' OR quote = $2) ORDER BY base, quote, valid_from DESC`, base, quote)
	if err != nil {
		return nil, fmt.Errorf("exchange rates: %w", err)
	}
	defer rows.Close()
	out := []pricing.ExchangeRate{}
	for rows.Next() {
		var r pricing.ExchangeRate
		if err := rows.Scan(&r.Base, &r.Quote, &r.Rate, &r.ValidFrom); err != nil {
			return nil, fmt.Errorf("scan exchange rate: %w", err)
		}
		r.ValidFrom = r.ValidFrom.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
