package stripehook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	stripe "github.com/stripe/stripe-go/v82"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/payments"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/stripehook"
	"github.com/mercato-market/mercato/internal/stripepay"
	"github.com/mercato-market/mercato/internal/stripepay/stripemock"
	"github.com/mercato-market/mercato/internal/subscription"
)

const secret = "whsec_test_secret"

// fixture is an issued, unpaid invoice of a customer who saved a payment
// method and whose invoice was charged through stripe-mock, with the
// webhook served over loopback.
type fixture struct {
	st      *store.Store
	svc     *payments.Service
	url     string
	inv     billing.Invoice
	sub     int64
	attempt string
}

func setup(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	st.Now = storetest.Clock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	w := storetest.NewWorld(t, st)
	c := w.C1b // not on account: its order waits for payment
	o, err := app.Ordering(st).PlaceOrder(ctx, c.Principal, subscription.OrderRequest{CustomerID: c.Org.ID, PlanID: w.PlanA.ID, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	bill := billingrun.New(st, store.TxFunc[billingrun.Tx](st))
	if _, err := bill.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(st.Now())}); err != nil {
		t.Fatal(err)
	}
	list, _, err := st.ListInvoices(ctx, w.Platform.Principal, store.InvoiceFilter{CustomerID: c.Org.ID}, store.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].Status != billing.StatusIssued {
		t.Fatalf("invoices %v, %v", list, err)
	}
	provider, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_123", APIBase: stripemock.URL(t)})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := payments.New(st, store.TxFunc[payments.Tx](st), payments.WithProvider(provider), payments.WithLog(log))
	if _, err := svc.StartSetup(ctx, c.Principal, "https://m.example/ok", "https://m.example/no"); err != nil {
		t.Fatal(err)
	}
	// The issued invoice is charged once, automatically.
	if n, err := svc.CollectDue(ctx); err != nil || n != 1 {
		t.Fatalf("collected %d (%v), want the issued invoice", n, err)
	}
	if n, err := svc.CollectDue(ctx); err != nil || n != 0 {
		t.Fatalf("collected %d (%v) again, want none", n, err)
	}
	attempt, err := svc.ChargeInvoice(ctx, w.Platform.Principal, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(stripehook.Handler(svc, secret, log))
	t.Cleanup(srv.Close)
	return &fixture{st: st, svc: svc, url: srv.URL + stripehook.Path, inv: list[0], sub: o.SubscriptionID, attempt: attempt}
}

// event is a Stripe event of type typ about object.
func event(id, typ string, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion, "type": typ,
		"created": time.Now().Unix(), "data": map[string]any{"object": object}})
	if err != nil {
		panic(err)
	}
	return b
}

// sign computes Stripe-Signature as Stripe does: t=timestamp and
// v1=HMAC-SHA256(secret, timestamp + "." + payload), hex.
func sign(payload []byte, at time.Time, key string) string {
	ts := fmt.Sprint(at.Unix())
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + "." + string(payload)))
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

func (f *fixture) post(t *testing.T, payload []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Stripe-Signature", signature)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode
}

func (f *fixture) deliver(t *testing.T, payload []byte) {
	t.Helper()
	if code := f.post(t, payload, sign(payload, time.Now(), secret)); code != http.StatusNoContent {
		t.Fatalf("webhook answered %d", code)
	}
}

func (f *fixture) invoice(t *testing.T) billing.Invoice {
	t.Helper()
	sp, err := f.st.SystemPrincipal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	inv, err := f.st.Invoice(context.Background(), sp, f.inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func (f *fixture) paid(t *testing.T) string {
	t.Helper()
	var got []string
	f.inTx(t, func(tx *store.Tx) {
		sum, err := tx.PaidAmount(context.Background(), f.inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sum.StringFixed(2))
	})
	return got[0]
}

func (f *fixture) inTx(t *testing.T, fn func(*store.Tx)) {
	t.Helper()
	err := store.TxFunc[*store.Tx](f.st)(context.Background(), func(tx *store.Tx) error { fn(tx); return nil })
	if err != nil {
		t.Fatal(err)
	}
}

func minor(t *testing.T, inv billing.Invoice, part int64, of int64) int64 {
	t.Helper()
	m, err := stripepay.MinorUnits(inv.Total, inv.Currency)
	if err != nil {
		t.Fatal(err)
	}
	return m * part / of
}

func intent(id string, received int64, currency string) map[string]any {
	return map[string]any{"id": id, "object": "payment_intent", "amount_received": received, "currency": strings.ToLower(currency)}
}

// TestWebhook posts signed events to the real handler over loopback: a
// failed payment leaves the invoice issued (dunning goes on); a partial
// payment is recorded and the invoice stays issued; the rest pays it and
// clears its order; a refund is a negative payment; a dispute is
// recorded; each event delivered again changes nothing; an event about
// an unknown PaymentIntent is acknowledged; a bad signature or an old
// timestamp is a 400 that writes nothing.
func TestWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		total := minor(t, f.inv, 1, 1)
		cur := f.inv.Currency

		failed := intent(f.attempt, 0, cur)
		failed["last_payment_error"] = map[string]any{"message": "Your card was declined."}
		f.deliver(t, event("evt_failed", "payment_intent.payment_failed", failed))
		if inv := f.invoice(t); inv.Status != billing.StatusIssued || f.paid(t) != "0.00" {
			t.Fatalf("after a failure: %s, paid %s", inv.Status, f.paid(t))
		}

		part := minor(t, f.inv, 1, 4)
		first := event("evt_part", "payment_intent.succeeded", intent(f.attempt, part, cur))
		f.deliver(t, first)
		if inv := f.invoice(t); inv.Status != billing.StatusIssued || f.paid(t) != stripepay.FromMinorUnits(part, cur).StringFixed(2) {
			t.Fatalf("after a partial payment: %s, paid %s", inv.Status, f.paid(t))
		}
		storetest.Unchanged(t, st, func() { f.deliver(t, first) })
		if got := f.paid(t); got != stripepay.FromMinorUnits(part, cur).StringFixed(2) {
			t.Fatalf("the same event twice: paid %s", got)
		}

		f.deliver(t, event("evt_rest", "payment_intent.succeeded", intent(f.attempt, total-part, cur)))
		if inv := f.invoice(t); inv.Status != billing.StatusPaid || f.paid(t) != f.inv.Total.StringFixed(2) {
			t.Fatalf("after the rest: %s, paid %s of %s", inv.Status, f.paid(t), f.inv.Total)
		}
		sp, _ := st.SystemPrincipal(ctx)
		if s, err := st.Subscription(ctx, sp, f.sub); err != nil || !s.Paid || s.Status == subscription.WaitingPayment {
			t.Fatalf("the order after payment: %+v, %v", s, err)
		}

		charge := func(refunded int64) map[string]any {
			return map[string]any{"id": "ch_1", "object": "charge", "payment_intent": f.attempt, "amount_refunded": refunded, "currency": strings.ToLower(cur)}
		}
		f.deliver(t, event("evt_refund1", "charge.refunded", charge(100)))
		f.deliver(t, event("evt_refund2", "charge.refunded", charge(250)))
		want := f.inv.Total.Sub(stripepay.FromMinorUnits(250, cur)).StringFixed(2)
		if got := f.paid(t); got != want {
			t.Fatalf("after refunds of 1.00 then 1.50 more: paid %s, want %s", got, want)
		}

		dispute := map[string]any{"id": "dp_1", "object": "dispute", "payment_intent": f.attempt, "amount": 500, "currency": strings.ToLower(cur), "reason": "fraudulent"}
		disputed := event("evt_dispute", "charge.dispute.created", dispute)
		f.deliver(t, disputed)
		storetest.Unchanged(t, st, func() { f.deliver(t, disputed) })
		var n int
		if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM payment_events WHERE invoice_id = $1`, f.inv.ID).Scan(&n); err != nil || n != 6 {
			t.Fatalf("%d events recorded against the invoice (%v), want 6", n, err)
		}

		// An event about a PaymentIntent Mercato did not make.
		f.deliver(t, event("evt_other", "payment_intent.succeeded", intent("pi_unknown", 100, cur)))
		if got := f.paid(t); got != want {
			t.Fatalf("an unknown PaymentIntent's event paid: %s", got)
		}

		// Refused: nothing is written.
		bad := event("evt_bad", "payment_intent.succeeded", intent(f.attempt, total, cur))
		storetest.Unchanged(t, st, func() {
			if code := f.post(t, bad, sign(bad, time.Now(), "whsec_other")); code != http.StatusBadRequest {
				t.Errorf("bad signature: %d", code)
			}
			if code := f.post(t, bad, sign(bad, time.Now().Add(-time.Hour), secret)); code != http.StatusBadRequest {
				t.Errorf("old timestamp: %d", code)
			}
			if code := f.post(t, bad, ""); code != http.StatusBadRequest {
				t.Errorf("no signature: %d", code)
			}
		})
	})
}

// TestRetries: a failed collection is tried again on the schedule's days
// after the first failure (1, 3, 5, 7), once per day reached, each try
// with an idempotency key of its own; none after a payment.
func TestRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		start := st.Now()
		at := func(days int) { st.Now = storetest.Clock(start.Add(time.Duration(days)*24*time.Hour + time.Minute)) }
		collect := func(want int) {
			t.Helper()
			if n, err := f.svc.CollectDue(ctx); err != nil || n != want {
				t.Fatalf("collected %d (%v), want %d", n, err, want)
			}
		}
		fail := func(id string) {
			t.Helper()
			f.deliver(t, event(id, "payment_intent.payment_failed", intent(f.attempt, 0, f.inv.Currency)))
		}
		fail("evt_fail1")
		collect(0) // the first retry is a day later
		at(1)
		collect(1)
		collect(0) // tried, no outcome yet
		fail("evt_fail2")
		collect(0) // the second retry is 3 days after the first failure
		at(3)
		collect(1)
		var tries int
		if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(DISTINCT try) FROM payment_attempts WHERE invoice_id = $1`, f.inv.ID).Scan(&tries); err != nil || tries != 3 {
			t.Fatalf("%d tries (%v), want 3", tries, err)
		}
		at(5)
		collect(0) // the third retry's day, but the second has no outcome yet
		f.deliver(t, event("evt_paid", "payment_intent.succeeded", intent(f.attempt, minor(t, f.inv, 1, 1), f.inv.Currency)))
		fail("evt_fail3") // a late failure of an earlier try
		at(30)
		collect(0) // paid: nothing more
	})
}

// TestOperatorRetries: the operator's dunning settings, once saved, win
// over the service's retry days (serve's --payment-retry-days): a failed
// collection is tried again on the settings' days, and the failure's
// event tells the customer the settings' next date.
func TestOperatorRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		op, err := st.SystemPrincipal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).SaveDunningSettings(ctx, op, billing.DunningSettings{RetryDays: billing.PaymentRetries{2, 4}, SuspendDays: 21}); err != nil {
			t.Fatal(err)
		}
		start := st.Now()
		at := func(days int) { st.Now = storetest.Clock(start.Add(time.Duration(days)*24*time.Hour + time.Minute)) }
		collect := func(want int) {
			t.Helper()
			if n, err := f.svc.CollectDue(ctx); err != nil || n != want {
				t.Fatalf("collected %d (%v), want %d", n, err, want)
			}
		}
		f.deliver(t, event("evt_fail1", "payment_intent.payment_failed", intent(f.attempt, 0, f.inv.Currency)))
		var raw string
		meta := map[string]string{}
		if err := st.DB().QueryRowContext(ctx, `SELECT metadata FROM events WHERE entity = 'Invoice' AND entity_id = $1 ORDER BY id DESC LIMIT 1`, f.inv.ID).Scan(&raw); err != nil ||
			json.Unmarshal([]byte(raw), &meta) != nil || meta["retry_at"] != "2026-03-03" {
			t.Fatalf("failure event %s (%v), want the retry 2 days later", raw, err)
		}
		at(1)
		collect(0) // the flag's first retry day, not the operator's
		at(2)
		collect(1)
	})
}

// TestMethodSaved: a customer who saves a payment method (Checkout in
// setup mode completed) has its open invoices tried at once, except one
// whose last try has no outcome yet; the same event twice tries nothing
// more.
func TestMethodSaved(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		cus, err := st.ProviderCustomer(ctx, f.inv.Customer.ID)
		if err != nil || cus == "" {
			t.Fatalf("provider customer %q, %v", cus, err)
		}
		saved := func(id string) []byte {
			return event(id, "checkout.session.completed", map[string]any{"id": "cs_" + id, "object": "checkout.session", "mode": "setup", "customer": cus})
		}
		tries := func() int {
			t.Helper()
			var n int
			if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(DISTINCT try) FROM payment_attempts WHERE invoice_id = $1`, f.inv.ID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		f.deliver(t, saved("evt_saved1"))
		if n := tries(); n != 1 {
			t.Fatalf("%d tries while the first has no outcome, want 1", n)
		}
		f.deliver(t, event("evt_fail", "payment_intent.payment_failed", intent(f.attempt, 0, f.inv.Currency)))
		again := saved("evt_saved2")
		f.deliver(t, again)
		if n := tries(); n != 2 {
			t.Fatalf("%d tries after a new payment method, want 2", n)
		}
		f.deliver(t, again)
		if n := tries(); n != 2 {
			t.Fatalf("%d tries after the same event again, want 2", n)
		}
	})
}

// TestRefundCredits: crediting an invoice paid through Stripe refunds
// through Stripe what is left of its payments (net of refunds recorded),
// once.
func TestRefundCredits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		cur := f.inv.Currency
		f.deliver(t, event("evt_paid", "payment_intent.succeeded", intent(f.attempt, minor(t, f.inv, 1, 1), cur)))
		f.deliver(t, event("evt_refund", "charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "payment_intent": f.attempt, "amount_refunded": 100, "currency": strings.ToLower(cur)}))
		if n, err := f.svc.RefundCredits(ctx); err != nil || n != 0 {
			t.Fatalf("refunded %d (%v) before any credit note", n, err)
		}
		sp, err := st.SystemPrincipal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bill := billingrun.New(st, store.TxFunc[billingrun.Tx](st))
		note, err := bill.CreditInvoice(ctx, sp, f.inv.ID, billing.CreditRequest{Reason: "cancelled"})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.RefundCredits(ctx); err != nil || n != 1 {
			t.Fatalf("refunded %d (%v), want the credit note", n, err)
		}
		if n, err := f.svc.RefundCredits(ctx); err != nil || n != 0 {
			t.Fatalf("refunded %d (%v) again", n, err)
		}
		var amount string
		if err := st.DB().QueryRowContext(ctx, `SELECT amount FROM payment_refunds WHERE credit_note_id = $1`, note.ID).Scan(&amount); err != nil {
			t.Fatal(err)
		}
		want := f.inv.Total.Sub(stripepay.FromMinorUnits(100, cur))
		if got, _ := decimal.NewFromString(amount); !got.Equal(want) {
			t.Fatalf("refunded %s, want %s (the total less the refund recorded)", amount, want)
		}
	})
}

// TestRefundPartialCredit: a partial credit note of an invoice paid
// through Stripe refunds the credit note's total, not the payment.
func TestRefundPartialCredit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		f.deliver(t, event("evt_paid", "payment_intent.succeeded", intent(f.attempt, minor(t, f.inv, 1, 1), f.inv.Currency)))
		sp, err := st.SystemPrincipal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		one := decimal.NewFromInt(1)
		note, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).CreditInvoice(ctx, sp, f.inv.ID, billing.CreditRequest{Amount: &one})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.RefundCredits(ctx); err != nil || n != 1 {
			t.Fatalf("refunded %d (%v), want the credit note", n, err)
		}
		var amount string
		if err := st.DB().QueryRowContext(ctx, `SELECT amount FROM payment_refunds WHERE credit_note_id = $1`, note.ID).Scan(&amount); err != nil {
			t.Fatal(err)
		}
		if got, _ := decimal.NewFromString(amount); !got.Equal(note.Total.Neg()) || !got.LessThan(f.inv.Total) {
			t.Fatalf("refunded %s, want the credit note's %s", amount, note.Total.Neg())
		}
	})
}

// TestPermissions: only a customer's admins and managers save its
// payment method; only the platform charges an invoice.
func TestPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		provider, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_123", APIBase: stripemock.URL(t)})
		if err != nil {
			t.Fatal(err)
		}
		svc := payments.New(st, store.TxFunc[payments.Tx](st), payments.WithProvider(provider))
		for _, p := range []mercato.Principal{w.R1.Principal, w.VendorA.Principal, storetest.Viewer(w.C1b.Principal)} {
			storetest.Unchanged(t, st, func() {
				_, err := svc.StartSetup(ctx, p, "https://m.example/ok", "https://m.example/no")
				storetest.MustCode(t, err, mercato.EFORBIDDEN)
			})
		}
		_, err = svc.ChargeInvoice(ctx, w.C1b.Principal, 1)
		storetest.MustCode(t, err, mercato.EFORBIDDEN)
	})
}

// TestOff: without a provider the service says payments are not
// configured.
func TestOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := storetest.NewWorld(t, st)
		svc := payments.New(st, store.TxFunc[payments.Tx](st))
		_, err := svc.StartSetup(context.Background(), w.C1b.Principal, "https://m.example/ok", "https://m.example/no")
		storetest.MustCode(t, err, mercato.ECONFLICT)
	})
}

// observed is the real Stripe provider, noting the amount of each
// collection it makes.
type observed struct {
	billing.PaymentProvider
	amounts []decimal.Decimal
}

func (o *observed) Collect(ctx context.Context, ref string, inv billing.Invoice, try int) (string, error) {
	o.amounts = append(o.amounts, inv.Total)
	return o.PaymentProvider.Collect(ctx, ref, inv, try)
}

// TestPartialCreditLowersWhatIsCollected: after a partial credit note on an
// unpaid card invoice, the next collection asks only for what is left, and
// receiving that much pays the invoice (before, the full total was charged,
// and a payment of what was left kept the invoice unpaid).
func TestPartialCreditLowersWhatIsCollected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := setup(t, st)
		sp, err := st.SystemPrincipal(ctx)
		if err != nil {
			t.Fatal(err)
		}
		one := decimal.NewFromInt(1)
		if _, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).CreditInvoice(ctx, sp, f.inv.ID, billing.CreditRequest{Amount: &one}); err != nil {
			t.Fatal(err)
		}
		inv := f.invoice(t)
		var due decimal.Decimal
		f.inTx(t, func(tx *store.Tx) {
			var err error
			if due, err = billingrun.Due(ctx, tx, inv); err != nil {
				t.Fatal(err)
			}
		})
		if !due.LessThan(inv.Total) || !due.IsPositive() {
			t.Fatalf("due %s of %s after a credit of 1.00 before tax", due, inv.Total)
		}
		provider, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_123", APIBase: stripemock.URL(t)})
		if err != nil {
			t.Fatal(err)
		}
		obs := &observed{PaymentProvider: provider}
		svc := payments.New(st, store.TxFunc[payments.Tx](st), payments.WithProvider(obs))
		if _, err := svc.ChargeInvoice(ctx, sp, inv.ID); err != nil {
			t.Fatal(err)
		}
		if len(obs.amounts) != 1 || !obs.amounts[0].Equal(due) {
			t.Fatalf("collected %v, want %s", obs.amounts, due)
		}
		m, err := stripepay.MinorUnits(due, inv.Currency)
		if err != nil {
			t.Fatal(err)
		}
		f.deliver(t, event("evt_rest", "payment_intent.succeeded", intent(f.attempt, m, inv.Currency)))
		if got := f.invoice(t); got.Status != billing.StatusPaid {
			t.Fatalf("after receiving %s of %s (credited 1.00): %s", due, inv.Total, got.Status)
		}
	})
}
