package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The charge ledger (charges, charge_schedules) for the services that sell
// (internal/ordering, internal/lifecycle), the billing run that invoices
// (internal/billingrun), and the rules both share (internal/charging):
// plain reads and writes inside the caller's transaction.

// nullTime is NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// nullString is NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeOf is the zero time for NULL.
func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// InsertChargeSchedule writes a new subscription's charge schedule.
func (tx *Tx) InsertChargeSchedule(ctx context.Context, sc billing.Schedule) error {
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO charge_schedules (subscription_id, anchor, charged_until, delivered_at, version, scheduled_version, scheduled_from, coupon, coupon_periods) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		sc.SubscriptionID, nullTime(sc.Anchor), nullTime(sc.ChargedUntil), nullTime(sc.DeliveredAt), sc.Version, nullString(sc.Scheduled), nullTime(sc.ScheduledFrom),
		nullString(sc.Coupon), sc.CouponPeriods); err != nil {
		return fmt.Errorf("insert charge schedule of subscription %d: %w", sc.SubscriptionID, err)
	}
	return nil
}

// ChargeSchedule reads a subscription's charge schedule.
func (tx *Tx) ChargeSchedule(ctx context.Context, subID int64) (billing.Schedule, error) {
	sc := billing.Schedule{SubscriptionID: subID}
	var anchor, until, delivered, from sql.NullTime
	var scheduled, coupon sql.NullString
	err := tx.t.QueryRowContext(ctx, `SELECT anchor, charged_until, delivered_at, version, scheduled_version, scheduled_from, coupon, coupon_periods, custom_lines FROM charge_schedules WHERE subscription_id = $1`, subID).
		Scan(&anchor, &until, &delivered, &sc.Version, &scheduled, &from, &coupon, &sc.CouponPeriods, &sc.Custom)
	if err != nil {
		return sc, notFoundIfNoRows(err, "charge schedule", subID)
	}
	sc.Anchor, sc.ChargedUntil, sc.DeliveredAt = timeOf(anchor), timeOf(until), timeOf(delivered)
	sc.Scheduled, sc.ScheduledFrom, sc.Coupon = scheduled.String, timeOf(from), coupon.String
	return sc, nil
}

// SaveChargeSchedule writes a subscription's charge schedule.
func (tx *Tx) SaveChargeSchedule(ctx context.Context, sc billing.Schedule) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE charge_schedules SET anchor=$1, charged_until=$2, delivered_at=$3, version=$4, scheduled_version=$5, scheduled_from=$6, coupon_periods=$7 WHERE subscription_id=$8`,
		nullTime(sc.Anchor), nullTime(sc.ChargedUntil), nullTime(sc.DeliveredAt), sc.Version, nullString(sc.Scheduled), nullTime(sc.ScheduledFrom), sc.CouponPeriods, sc.SubscriptionID); err != nil {
		return fmt.Errorf("save charge schedule of subscription %d: %w", sc.SubscriptionID, err)
	}
	return nil
}

// chargeRows inserts charges (rowsStatement: ? on SQLite, fixed batch
// sizes).
var chargeRows = rowsStatement{
	prefix: `INSERT INTO charges (subscription_id, customer_id, order_id, kind, ref, period_start, period_end, due_at, currency, amount, lines, shares, version, state, usage_pending, reason, created_at, original_currency, original_amount, exchange_rate, rate_date, invoice_id, id) VALUES `,
	row:    []string{"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "=DEFAULT"},
}

// InsertCharges writes charges in multi-row batches (a billing run writes
// those it invoices at once with their invoice). A charge whose key is
// taken was charged meanwhile by another transaction: a conflict.
func (tx *Tx) InsertCharges(ctx context.Context, charges []billing.Charge) error {
	now := tx.s.now()
	args := make([]any, 0, len(charges)*chargeRows.width())
	for _, c := range charges {
		var order *int64
		if c.OrderID != 0 {
			order = &c.OrderID
		}
		lines, err := jsonText(c.Lines)
		if err != nil {
			return err
		}
		shares, err := jsonText(c.Shares)
		if err != nil {
			return err
		}
		var (
			from                  string
			amount, rate, rateDay any
			invoice               *int64
		)
		if c.InvoiceID != 0 {
			invoice = &c.InvoiceID
		}
		if cv := c.Converted; cv != nil {
			from, amount, rate, rateDay = cv.From, cv.Amount.String(), cv.Rate.String(), cv.RateDate.UTC()
		}
		args = append(args, c.SubscriptionID, c.CustomerID, order, c.Kind, c.Ref, c.PeriodStart.UTC(), c.PeriodEnd.UTC(), c.DueAt.UTC(), c.Currency,
			c.Total().String(), lines, shares, c.Version, c.State, c.UsagePending, "", now, from, amount, rate, rateDay, invoice)
	}
	if err := chargeRows.run(ctx, tx.t, args, nil); err != nil {
		if isUniqueViolation(err) {
			return mercato.Errorf(mercato.ECONFLICT, "these charges were written meanwhile; try again")
		}
		return fmt.Errorf("insert charges: %w", err)
	}
	return nil
}

// scheduleRows updates the schedules a billing run advanced, one
// statement per batch on both engines (SQLite has UPDATE … FROM since
// 3.33; VALUES columns are column1, column2, … on both).
var scheduleRows = rowsStatement{
	prefix: `UPDATE charge_schedules SET anchor = v.column2, charged_until = v.column3, version = v.column4, scheduled_version = v.column5, scheduled_from = v.column6, coupon_periods = v.column7 FROM (VALUES `,
	row:    []string{"::bigint", "::timestamptz", "::timestamptz", "::jsonb", "::jsonb", "::timestamptz", "::integer"},
	suffix: `) AS v WHERE charge_schedules.subscription_id = v.column1`,
}

// SaveChargeSchedules writes the schedules a billing run advanced, in
// multi-row batches.
func (tx *Tx) SaveChargeSchedules(ctx context.Context, scs []billing.Schedule) error {
	args := make([]any, 0, len(scs)*scheduleRows.width())
	for _, sc := range scs {
		args = append(args, sc.SubscriptionID, nullTime(sc.Anchor), nullTime(sc.ChargedUntil), sc.Version, nullString(sc.Scheduled), nullTime(sc.ScheduledFrom), sc.CouponPeriods)
	}
	if err := scheduleRows.run(ctx, tx.t, args, nil); err != nil {
		return fmt.Errorf("save charge schedules: %w", err)
	}
	return nil
}

// ReleaseCharges opens a subscription's held charges (it was delivered).
func (tx *Tx) ReleaseCharges(ctx context.Context, subID int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE charges SET state = 'open' WHERE subscription_id = $1 AND state = 'held'`, subID); err != nil {
		return fmt.Errorf("release charges of subscription %d: %w", subID, err)
	}
	return nil
}

// VoidCharges voids a subscription's charges not invoiced yet whose
// period starts after from (the zero time: all), with the reason;
// their usage is not charged either.
func (tx *Tx) VoidCharges(ctx context.Context, subID int64, from time.Time, reason string) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE charges SET state = 'void', reason = $1, usage_pending = FALSE
		WHERE subscription_id = $2 AND invoice_id IS NULL AND state <> 'void' AND period_start > $3`, reason, subID, from.UTC()); err != nil {
		return fmt.Errorf("void charges of subscription %d: %w", subID, err)
	}
	return nil
}

// The reads and writes of a billing run inside the transaction of a chunk
// of customers, those in (lo, hi]: each is one query for the whole chunk.

// SchedulesDue returns the chunk's paid subscriptions still in their term
// whose next period has begun by asOf, with their schedules, in
// subscription order.
func (tx *Tx) SchedulesDue(ctx context.Context, lo, hi int64, asOf time.Time) ([]billing.Due, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT s.id, s.customer_id, s.plan_id, s.product_id, s.type, s.deployment_status, s.quantity, s.end_date,
			c.anchor, c.charged_until, c.delivered_at, c.version, c.scheduled_version, c.scheduled_from, c.coupon, c.coupon_periods, c.custom_lines
		FROM charge_schedules c JOIN subscriptions s ON s.id = c.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND s.type = 'NORMAL' AND c.anchor IS NOT NULL
			AND s.deployment_status IN ('WAITING_PAYMENT','PENDING','POST_CONFIGURATION','DEPLOYED','STOPPED')
			AND (c.charged_until IS NULL OR (c.charged_until <= $3 AND c.charged_until < s.end_date))
		ORDER BY s.id`, lo, hi, asOf)
	if err != nil {
		return nil, fmt.Errorf("schedules due: %w", err)
	}
	defer rows.Close()
	var out []billing.Due
	for rows.Next() {
		var (
			d                              billing.Due
			anchor, until, delivered, from sql.NullTime
			scheduled, coupon              sql.NullString
		)
		s := &d.Subscription
		if err := rows.Scan(&s.ID, &s.CustomerID, &d.PlanID, &d.ProductID, &s.Type, &s.Status, &s.Quantity, &s.End,
			&anchor, &until, &delivered, &d.Schedule.Version, &scheduled, &from, &coupon, &d.Schedule.CouponPeriods, &d.Schedule.Custom); err != nil {
			return nil, fmt.Errorf("scan schedule: %w", err)
		}
		s.End = s.End.UTC()
		d.Schedule.SubscriptionID = s.ID
		d.Schedule.Anchor, d.Schedule.ChargedUntil, d.Schedule.DeliveredAt = timeOf(anchor), timeOf(until), timeOf(delivered)
		d.Schedule.Scheduled, d.Schedule.ScheduledFrom, d.Schedule.Coupon = scheduled.String, timeOf(from), coupon.String
		out = append(out, d)
	}
	return out, rows.Err()
}

// UsageDue returns the chunk's recurring charges whose period ended by
// until and whose usage is not charged yet.
func (tx *Tx) UsageDue(ctx context.Context, lo, hi int64, until time.Time) ([]billing.Charge, error) {
	return tx.charges(ctx, "usage due", `c.customer_id > $1 AND c.customer_id <= $2 AND c.usage_pending AND c.period_end <= $3`, lo, hi, until)
}

// CloseUsage records that the usage of these recurring charges' periods
// was charged.
func (tx *Tx) CloseUsage(ctx context.Context, ids []int64) error {
	return tx.byIDs(ctx, "close usage", `UPDATE charges SET usage_pending = FALSE WHERE `, ids)
}

// ChargesToInvoice returns the chunk's open charges not invoiced yet that
// are due before `before`, in customer, subscription and due order.
func (tx *Tx) ChargesToInvoice(ctx context.Context, lo, hi int64, before time.Time) ([]billing.Charge, error) {
	return tx.charges(ctx, "charges to invoice", `c.customer_id > $1 AND c.customer_id <= $2 AND c.invoice_id IS NULL AND c.state = 'open' AND c.due_at < $3`, lo, hi, before)
}

// NameCharges gives charges of the chunk's customers, those in (lo, hi],
// not written yet, what ChargesToInvoice reads with a charge: its
// subscription's reseller, product and plan names, as they are now.
func (tx *Tx) NameCharges(ctx context.Context, lo, hi int64, charges []billing.Charge) error {
	if len(charges) == 0 {
		return nil
	}
	type names struct {
		reseller      int64
		product, plan string
	}
	subs := map[int64]names{}
	rows, err := tx.t.QueryContext(ctx, `SELECT s.id, COALESCE(s.reseller_id, 0), COALESCE(p.name, ''), COALESCE(pl.name, '')
		FROM subscriptions s LEFT JOIN products p ON p.id = s.product_id LEFT JOIN plans pl ON pl.id = s.plan_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2`, lo, hi)
	if err != nil {
		return fmt.Errorf("name charges: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n names
		if err := rows.Scan(&id, &n.reseller, &n.product, &n.plan); err != nil {
			return fmt.Errorf("name charges: %w", err)
		}
		subs[id] = n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("name charges: %w", err)
	}
	for i, c := range charges {
		n, ok := subs[c.SubscriptionID]
		if !ok {
			return fmt.Errorf("name charges: subscription %d is not a customer's in (%d, %d]", c.SubscriptionID, lo, hi)
		}
		charges[i].ResellerID, charges[i].Product, charges[i].Plan = n.reseller, n.product, n.plan
	}
	return nil
}

// MarkInvoiced records the invoice of charges; a charge another run
// invoiced meanwhile is a conflict.
func (tx *Tx) MarkInvoiced(ctx context.Context, invoiceID int64, ids []int64) error {
	return tx.byIDs(ctx, "mark charges invoiced", `UPDATE charges SET invoice_id = $1 WHERE invoice_id IS NULL AND `, ids, invoiceID)
}

// byIDs runs an update of the rows ids in batches (prefix ends where the
// condition on the ids goes, and its placeholders take args). Every id
// must match a row: one that does not was billed by another run.
func (tx *Tx) byIDs(ctx context.Context, what, prefix string, ids []int64, args0 ...any) error {
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		var sb strings.Builder
		args := append([]any{}, args0...)
		sb.WriteString(prefix)
		sb.WriteString("id IN (")
		for i, id := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			args = append(args, id)
			sb.WriteString("$" + strconv.Itoa(len(args)))
		}
		sb.WriteByte(')')
		// Not through the statement cache: the query varies with len(part).
		tx.s.statements.Add(1)
		res, err := tx.t.tx.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if n, err := res.RowsAffected(); err == nil && n != int64(len(part)) {
			return mercato.Errorf(mercato.ECONFLICT, "another billing run is billing the same charges; run again")
		}
	}
	return nil
}

const chargeColumns = `c.id, c.subscription_id, c.customer_id, COALESCE(s.reseller_id, 0), COALESCE(c.order_id, 0), c.kind, c.ref, c.period_start, c.period_end, c.due_at,
	c.currency, c.lines, c.shares, c.version, c.state, c.usage_pending, COALESCE(c.invoice_id, 0),
	c.original_currency, c.original_amount, c.exchange_rate, c.rate_date,
	COALESCE((SELECT p.name FROM products p WHERE p.id = s.product_id), ''), COALESCE((SELECT pl.name FROM plans pl WHERE pl.id = s.plan_id), '')`

// charges reads the charges that match where (over c, the charge, and s,
// its subscription).
func (tx *Tx) charges(ctx context.Context, what, where string, args ...any) ([]billing.Charge, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT `+chargeColumns+` FROM charges c JOIN subscriptions s ON s.id = c.subscription_id WHERE `+where+
		` ORDER BY c.customer_id, c.subscription_id, c.due_at, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []billing.Charge
	for rows.Next() {
		var (
			c            billing.Charge
			from         string
			amount, rate decimal.NullDecimal
			rateDay      sql.NullTime
		)
		if err := rows.Scan(&c.ID, &c.SubscriptionID, &c.CustomerID, &c.ResellerID, &c.OrderID, &c.Kind, &c.Ref, &c.PeriodStart, &c.PeriodEnd, &c.DueAt,
			&c.Currency, jsonColumn{&c.Lines}, jsonColumn{&c.Shares}, &c.Version, &c.State, &c.UsagePending, &c.InvoiceID,
			&from, &amount, &rate, &rateDay, &c.Product, &c.Plan); err != nil {
			return nil, fmt.Errorf("scan charge: %w", err)
		}
		if from != "" {
			c.Converted = &billing.Conversion{From: from, Amount: amount.Decimal, Rate: rate.Decimal, RateDate: timeOf(rateDay)}
		}
		c.PeriodStart, c.PeriodEnd, c.DueAt = c.PeriodStart.UTC(), c.PeriodEnd.UTC(), c.DueAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetCustomLines replaces the recurring custom lines of a subscription's
// schedule (raw: billing.CustomLinesJSON's).
func (tx *Tx) SetCustomLines(ctx context.Context, subID int64, raw string) error {
	res, err := tx.t.ExecContext(ctx, `UPDATE charge_schedules SET custom_lines = $1 WHERE subscription_id = $2`, raw, subID)
	if err != nil {
		return fmt.Errorf("set custom lines of subscription %d: %w", subID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return mercato.Errorf(mercato.ENOTFOUND, "subscription %d has no charge schedule", subID)
	}
	return nil
}

// CustomChargeCount counts a subscription's custom charges of every state,
// which numbers the next one's ref.
func (tx *Tx) CustomChargeCount(ctx context.Context, subID int64) (int, error) {
	var n int
	if err := tx.t.QueryRowContext(ctx, `SELECT COUNT(*) FROM charges WHERE subscription_id = $1 AND kind = $2`, subID, billing.KindCustom).Scan(&n); err != nil {
		return 0, fmt.Errorf("count custom charges of subscription %d: %w", subID, err)
	}
	return n, nil
}

// VoidCustomCharges voids a subscription's custom charges not invoiced
// yet whose ref starts with prefix ("oneshot-": the one-shot costs a new
// declaration replaces).
func (tx *Tx) VoidCustomCharges(ctx context.Context, subID int64, prefix, reason string) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE charges SET state = 'void', reason = $1
		WHERE subscription_id = $2 AND kind = $3 AND ref LIKE $4 AND invoice_id IS NULL AND state <> 'void'`,
		reason, subID, billing.KindCustom, prefix+"%"); err != nil {
		return fmt.Errorf("void custom charges of subscription %d: %w", subID, err)
	}
	return nil
}

// UninvoicedCharges returns a subscription's charges of kind and ref that
// are not void and not invoiced yet.
func (tx *Tx) UninvoicedCharges(ctx context.Context, subID int64, kind, ref string) ([]billing.Charge, error) {
	return tx.charges(ctx, "uninvoiced charges", `c.subscription_id = $1 AND c.kind = $2 AND c.ref = $3 AND c.invoice_id IS NULL AND c.state <> 'void'`, subID, kind, ref)
}
