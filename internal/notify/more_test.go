package notify_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// addUser adds a user of org in lang with role.
func addUser(t *testing.T, st *store.Store, w *storetest.World, org int64, email, lang string, role mercato.Role) mercato.User {
	t.Helper()
	u, err := storetest.Accounts(st).CreateUser(ctx, w.Platform.Principal, mercato.User{OrganizationID: org, Email: email, Name: email, Role: role, Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// only returns the messages of a template, failing unless they go to
// exactly the addresses want.
func only(t *testing.T, ms []mail.Message, template string, want ...string) map[string]mail.Message {
	t.Helper()
	got := byTemplate(ms, template)
	if len(got) != len(want) {
		t.Fatalf("%s went to %d recipients, want %v: %v", template, len(got), want, keys(got))
	}
	for _, w := range want {
		if _, ok := got[w]; !ok {
			t.Fatalf("%s did not go to %s: %v", template, w, keys(got))
		}
	}
	return got
}

func keys(m map[string]mail.Message) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A failed payment tells the customer's users (when it is tried again, and
// where to change the payment method) and its reseller's; the payment
// that succeeds sends the customer a receipt; a webhook endpoint the
// dispatcher disables tells its owner's admins (not its other users) which
// endpoint, why and where to enable it; a reset link goes to the user who
// asked and nothing to an address without an account; renewals and trial
// ends are told once per term, N days before. Each arrives in Mailpit in
// both languages.
func TestMoreMessages(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "messages", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		st.Now = storetest.Clock(storetest.Epoch)
		m := newMarket(t, st, w)
		opts := app.Options{Notify: []notify.Option{notify.WithPublicURL(publicURL), notify.WithBatch(7)}}
		svcs := app.New(st, opts)
		resellerIT := addUser(t, st, w, w.R1.Org.ID, "it@r1.example.org", "it", mercato.RoleViewer)
		vendorIT := addUser(t, st, w, w.VendorA.Org.ID, "it@a.example.org", "it", mercato.RoleAdmin)
		addUser(t, st, w, w.VendorA.Org.ID, "viewer@a.example.org", "en", mercato.RoleViewer)
		customers := []string{w.C1.User.Email, m.ada.Email}

		// An order, deployed and billed.
		o := m.order()
		if _, err := app.Lifecycle(st).Act(ctx, w.Platform.Principal, o.SubscriptionID, subscription.ActionDeploy); err != nil {
			t.Fatal(err)
		}
		if _, err := svcs.Billing.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(st.Now())}); err != nil {
			t.Fatal(err)
		}
		m.drain()
		issued := byTemplate(m.outbox(), notify.InvoiceIssued)[m.ada.Email]
		if len(issued.Attachments) != 1 {
			t.Fatalf("no invoice: %+v", issued)
		}
		inv, err := st.InvoiceForMail(ctx, issued.Attachments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if inv.ResellerID != w.R1.Org.ID {
			t.Fatalf("the invoice's reseller is %d, want r1 (%d)", inv.ResellerID, w.R1.Org.ID)
		}

		// A failed payment: tried again a day later (the default retries).
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.InsertPaymentAttempt(ctx, "stripe", "pi_test_1", inv.ID, 0) }); err != nil {
			t.Fatal(err)
		}
		event := func(id string, typ billing.PaymentEventType, amount string) {
			t.Helper()
			ev := billing.PaymentEvent{ID: id, Provider: "stripe", Type: typ, Attempt: "pi_test_1", Reference: "ch_" + id, Currency: inv.Currency}
			if amount != "" {
				ev.Amount = decimal.RequireFromString(amount)
			}
			if err := svcs.Payments.HandleEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		event("evt_failed", billing.PaymentFailed, "")
		event("evt_failed", billing.PaymentFailed, "") // the same event again tells nobody twice
		if n := m.drain(); n != 4 {
			t.Fatalf("a failed payment queued %d messages, want 4 (2 customer users, 2 reseller users)", n)
		}
		retry := st.Now().Add(24 * time.Hour).UTC().Format("2006-01-02")
		invURL := fmt.Sprintf("%s/invoices/%d", publicURL, inv.ID)
		failed := only(t, m.outbox(), notify.PaymentFailed, customers...)
		has(t, failed[w.C1.User.Email], "it", "il pagamento della fattura "+inv.Number, publicURL+"/invoices#payment-method", invURL)
		has(t, failed[m.ada.Email], "en", "the payment of invoice "+inv.Number+" failed", publicURL+"/invoices#payment-method", invURL)
		if !strings.Contains(failed[m.ada.Email].Text, "We will try again on "+retry) || !strings.Contains(failed[w.C1.User.Email].Text, "Riproveremo il "+retry) {
			t.Errorf("no retry date %s:\n%s", retry, failed[m.ada.Email].Text)
		}
		reseller := only(t, m.outbox(), notify.CustomerPaymentFailed, w.R1.User.Email, resellerIT.Email)
		has(t, reseller[w.R1.User.Email], "en", "a payment of your customer c1 failed", publicURL+"/channel/organizations")
		has(t, reseller[resellerIT.Email], "it", "un pagamento del tuo cliente c1", publicURL+"/channel/organizations")

		// The payment succeeds: a receipt to the customer only.
		event("evt_paid", billing.PaymentSucceeded, inv.Total.String())
		m.drain()
		paid := only(t, m.outbox(), notify.PaymentSucceeded, customers...)
		has(t, paid[m.ada.Email], "en", "payment received for invoice "+inv.Number, invURL)
		has(t, paid[w.C1.User.Email], "it", "pagamento ricevuto per la fattura "+inv.Number, invURL)

		// A webhook endpoint that answers 410 Gone is disabled.
		gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) }))
		defer gone.Close()
		secret, err := webhook.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		ep, err := svcs.Webhooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: gone.URL + "/hooks", Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		m.order()
		d := dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, Timeout: 2 * time.Second})
		for range 3 {
			if _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if e, _ := st.Endpoint(ctx, w.VendorA.Principal, ep.ID); e.Enabled {
			t.Fatal("the endpoint is still enabled")
		}
		hookURL := fmt.Sprintf("%s/webhooks/%d", publicURL, ep.ID)
		disabled := only(t, m.outbox(), notify.EndpointDisabled, w.VendorA.User.Email, vendorIT.Email)
		has(t, disabled[w.VendorA.User.Email], "en", "your webhook endpoint was disabled", hookURL)
		has(t, disabled[vendorIT.Email], "it", "il tuo endpoint webhook è stato disattivato", hookURL)
		if txt := disabled[w.VendorA.User.Email].Text; !strings.Contains(txt, gone.URL+"/hooks") || !strings.Contains(txt, "Why: it answered 410 Gone.") {
			t.Errorf("the message does not say which endpoint and why:\n%s", txt)
		}

		// Password resets: a link to each who asked, nothing to an unknown
		// address.
		for _, email := range []string{m.ada.Email, w.C1.User.Email, "nobody@example.org"} {
			if err := svcs.Accounts.RequestPasswordReset(ctx, email, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		resets := only(t, m.outbox(), notify.PasswordReset, customers...)
		has(t, resets[m.ada.Email], "en", "reset your password", linksOf(resets[m.ada.Email].Text)[0])
		has(t, resets[w.C1.User.Email], "it", "reimposta la password", linksOf(resets[w.C1.User.Email].Text)[0])
		for _, r := range resets {
			if link := linksOf(r.Text)[0]; !strings.HasPrefix(link, publicURL+"/reset?token=") || !r.Sensitive || !strings.Contains(r.Text, "60 minut") {
				t.Errorf("reset message %q sensitive %v:\n%s", link, r.Sensitive, r.Text)
			}
		}

		// Reminders: a subscription that renews in 5 days (within 7), a
		// trial that ends in 2 (within 3); one renewing in 10 days is not
		// told yet.
		o2, o3 := m.order(), m.order()
		now := st.Now()
		for _, q := range []struct {
			id    int64
			typ   subscription.Type
			renew bool
			end   time.Time
		}{{o.SubscriptionID, subscription.TypeNormal, true, now.Add(5 * 24 * time.Hour)}, {o2.SubscriptionID, subscription.TypeTrial, false, now.Add(2 * 24 * time.Hour)},
			{o3.SubscriptionID, subscription.TypeNormal, true, now.Add(10 * 24 * time.Hour)}} {
			if _, err := st.DB().Exec(`UPDATE subscriptions SET type = $1, auto_renew = $2, end_date = $3, deployment_status = 'DEPLOYED' WHERE id = $4`, string(q.typ), q.renew, q.end, q.id); err != nil {
				t.Fatal(err)
			}
		}
		m.drain()
		if n, err := svcs.Notify.Remind(ctx); err != nil || n != 4 {
			t.Fatalf("reminders queued %d (%v), want 4", n, err)
		}
		if n, err := svcs.Notify.Remind(ctx); err != nil || n != 0 {
			t.Fatalf("reminders again queued %d (%v), want none", n, err)
		}
		renewDate := now.Add(5 * 24 * time.Hour).UTC().Format("2006-01-02")
		subURL := fmt.Sprintf("%s/subscriptions/%d", publicURL, o.SubscriptionID)
		renewal := only(t, m.outbox(), notify.RenewalReminder, customers...)
		has(t, renewal[m.ada.Email], "en", "Product A renews on "+renewDate, subURL)
		has(t, renewal[w.C1.User.Email], "it", "Product A si rinnova il "+renewDate, subURL)
		trial := only(t, m.outbox(), notify.TrialEnding, customers...)
		trialURL := fmt.Sprintf("%s/subscriptions/%d", publicURL, o2.SubscriptionID)
		has(t, trial[m.ada.Email], "en", "your trial of Product A ends on", trialURL)
		has(t, trial[w.C1.User.Email], "it", "la tua prova di Product A termina il", trialURL)
		// The next term is told again: a month later the first, renewed,
		// ends in 5 days again (the others ended meanwhile).
		st.Now = storetest.Clock(now.Add(30 * 24 * time.Hour))
		if _, err := st.DB().Exec(`UPDATE subscriptions SET end_date = $1 WHERE id = $2`, now.Add(35*24*time.Hour), o.SubscriptionID); err != nil {
			t.Fatal(err)
		}
		if n, err := svcs.Notify.Remind(ctx); err != nil || n != 2 {
			t.Fatalf("the next term's reminders queued %d (%v), want 2", n, err)
		}
		// The operator's own reminder days win over serve's: 12 days tells
		// a subscription renewing in 11, which serve's 7 did not.
		later := now.Add(30 * 24 * time.Hour)
		if _, err := st.DB().Exec(`UPDATE subscriptions SET end_date = $1, deployment_status = 'DEPLOYED' WHERE id = $2`, later.Add(11*24*time.Hour), o3.SubscriptionID); err != nil {
			t.Fatal(err)
		}
		if n, err := svcs.Notify.Remind(ctx); err != nil || n != 0 {
			t.Fatalf("11 days ahead with serve's 7: queued %d (%v), want none", n, err)
		}
		twelve, none := 12, 0
		if _, err := svcs.Billing.SaveDunningSettings(ctx, w.Platform.Principal, billing.DunningSettings{RetryDays: billing.PaymentRetries{1, 3}, SuspendDays: 21,
			RenewalReminderDays: &twelve, TrialReminderDays: &none}); err != nil {
			t.Fatal(err)
		}
		if n, err := svcs.Notify.Remind(ctx); err != nil || n != 2 {
			t.Fatalf("11 days ahead with the operator's 12: queued %d (%v), want 2", n, err)
		}
		bad := 91
		if _, err := svcs.Billing.SaveDunningSettings(ctx, w.Platform.Principal, billing.DunningSettings{RetryDays: billing.PaymentRetries{1}, SuspendDays: 21,
			RenewalReminderDays: &bad}); mercato.ErrorCode(err) != mercato.EINVALID || !strings.Contains(err.Error(), "renewal_reminder_days") {
			t.Fatalf("91 reminder days: %v", err)
		}

		t.Run("every message arrives at Mailpit", func(t *testing.T) {
			arrive(t, m, notify.PaymentFailed, notify.CustomerPaymentFailed, notify.PaymentSucceeded, notify.EndpointDisabled,
				notify.PasswordReset, notify.RenewalReminder, notify.TrialEnding)
		})
	}}})
}
