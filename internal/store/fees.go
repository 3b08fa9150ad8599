package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The operator's fee rules (fee_rules; a vendor's own rule is its
// organization's fee_percent, '' for none) and its dunning settings
// (dunning_settings). Which rule applies to a sale is catalog.FeeRules';
// who may change them is internal/channel's and internal/billingrun's.

func feeRules(ctx context.Context, db queryer) ([]catalog.FeeRule, error) {
	rows, err := db.QueryContext(ctx, `SELECT COALESCE(f.vendor_id, 0), COALESCE(o.name, ''), f.product_type, f.percent, f.updated_at
		FROM fee_rules f LEFT JOIN organizations o ON o.id = f.vendor_id
		UNION ALL
		SELECT o.id, o.name, '', o.fee_percent, o.updated_at FROM organizations o WHERE o.kind = 'vendor' AND o.fee_percent <> ''`)
	if err != nil {
		return nil, fmt.Errorf("fee rules: %w", err)
	}
	defer rows.Close()
	var out []catalog.FeeRule
	for rows.Next() {
		var (
			r       catalog.FeeRule
			percent string
			typ     string
		)
		if err := rows.Scan(&r.VendorID, &r.VendorName, &typ, &percent, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("fee rules: %w", err)
		}
		if r.Percent, err = decimal.NewFromString(percent); err != nil {
			return nil, fmt.Errorf("fee rule of vendor %d, type %q: %w", r.VendorID, typ, err)
		}
		r.ProductType, r.UpdatedAt = catalog.ProductType(typ), r.UpdatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// FeeRules lists every fee rule, a vendor's own among them (unordered).
func (s *Store) FeeRules(ctx context.Context) ([]catalog.FeeRule, error) {
	return feeRules(ctx, s.rd())
}

// FeeRules lists every fee rule in the transaction.
func (tx *Tx) FeeRules(ctx context.Context) ([]catalog.FeeRule, error) { return feeRules(ctx, tx.t) }

// PutFeeRule sets the rule of r's scope, replacing the one it had; a
// vendor's own rule is its organization's fee_percent.
func (tx *Tx) PutFeeRule(ctx context.Context, r catalog.FeeRule) error {
	now := tx.s.now()
	if r.VendorID != 0 && r.ProductType == "" {
		if _, err := tx.t.ExecContext(ctx, `UPDATE organizations SET fee_percent = $1, updated_at = $2 WHERE id = $3`, r.Percent.String(), now, r.VendorID); err != nil {
			return fmt.Errorf("put fee rule: %w", err)
		}
		return nil
	}
	res, err := tx.t.ExecContext(ctx, `UPDATE fee_rules SET percent = $1, updated_at = $2 WHERE COALESCE(vendor_id, 0) = $3 AND product_type = $4`,
		r.Percent.String(), now, r.VendorID, string(r.ProductType))
	if err != nil {
		return fmt.Errorf("put fee rule: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	var vendor sql.NullInt64
	if r.VendorID != 0 {
		vendor = sql.NullInt64{Int64: r.VendorID, Valid: true}
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO fee_rules (vendor_id, product_type, percent, updated_at) VALUES ($1, $2, $3, $4)`,
		vendor, string(r.ProductType), r.Percent.String(), now); err != nil {
		if isUniqueViolation(err) {
			return mercato.Errorf(mercato.ECONFLICT, "the fee rule was set at the same time; try again")
		}
		return fmt.Errorf("put fee rule: %w", err)
	}
	return nil
}

// DeleteFeeRule removes the rule of a scope and reports whether there was
// one.
func (tx *Tx) DeleteFeeRule(ctx context.Context, vendorID int64, productType catalog.ProductType) (bool, error) {
	var (
		res sql.Result
		err error
	)
	if vendorID != 0 && productType == "" {
		res, err = tx.t.ExecContext(ctx, `UPDATE organizations SET fee_percent = '', updated_at = $1 WHERE id = $2 AND fee_percent <> ''`, tx.s.now(), vendorID)
	} else {
		res, err = tx.t.ExecContext(ctx, `DELETE FROM fee_rules WHERE COALESCE(vendor_id, 0) = $1 AND product_type = $2`, vendorID, string(productType))
	}
	if err != nil {
		return false, fmt.Errorf("delete fee rule: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// dunningSettings reads the operator's dunning settings; found is false
// until they are saved.
func dunningSettings(ctx context.Context, db queryer) (d billing.DunningSettings, found bool, err error) {
	var days string
	var renewal, trial sql.NullInt64
	err = db.QueryRowContext(ctx, `SELECT payment_retry_days, suspend_days, renewal_reminder_days, trial_reminder_days, updated_at FROM dunning_settings WHERE id = 1`).
		Scan(&days, &d.SuspendDays, &renewal, &trial, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("dunning settings: %w", err)
	}
	for _, f := range strings.Split(days, ",") {
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return d, false, fmt.Errorf("dunning settings: retry days %q: %w", days, err)
		}
		d.RetryDays = append(d.RetryDays, n)
	}
	for _, r := range []struct {
		col sql.NullInt64
		to  **int
	}{{renewal, &d.RenewalReminderDays}, {trial, &d.TrialReminderDays}} {
		if r.col.Valid {
			n := int(r.col.Int64)
			*r.to = &n
		}
	}
	d.UpdatedAt = d.UpdatedAt.UTC()
	return d, true, nil
}

// DunningSettings returns the operator's dunning settings; found is false
// until they are saved.
func (s *Store) DunningSettings(ctx context.Context) (billing.DunningSettings, bool, error) {
	return dunningSettings(ctx, s.rd())
}

// DunningSettings returns the operator's dunning settings in the
// transaction.
func (tx *Tx) DunningSettings(ctx context.Context) (billing.DunningSettings, bool, error) {
	return dunningSettings(ctx, tx.t)
}

// SaveDunningSettings writes the operator's dunning settings, setting
// their update time.
func (s *Store) SaveDunningSettings(ctx context.Context, d *billing.DunningSettings) error {
	d.UpdatedAt = s.now()
	days := make([]string, len(d.RetryDays))
	for i, n := range d.RetryDays {
		days[i] = strconv.Itoa(n)
	}
	nullable := func(n *int) sql.NullInt64 {
		if n == nil {
			return sql.NullInt64{}
		}
		return sql.NullInt64{Int64: int64(*n), Valid: true}
	}
	if _, err := s.rd().ExecContext(ctx, `INSERT INTO dunning_settings (id, payment_retry_days, suspend_days, renewal_reminder_days, trial_reminder_days, updated_at) VALUES (1, $1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET payment_retry_days = EXCLUDED.payment_retry_days, suspend_days = EXCLUDED.suspend_days,
		renewal_reminder_days = EXCLUDED.renewal_reminder_days, trial_reminder_days = EXCLUDED.trial_reminder_days, updated_at = EXCLUDED.updated_at`,
		strings.Join(days, ","), d.SuspendDays, nullable(d.RenewalReminderDays), nullable(d.TrialReminderDays), d.UpdatedAt); err != nil {
		return fmt.Errorf("save dunning settings: %w", err)
	}
	return nil
}
