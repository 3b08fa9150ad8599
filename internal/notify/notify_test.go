package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

var ctx = context.Background()

const publicURL = "https://market.example.com"

var launch = subscription.Endpoint{Endpoint: "https://app.example.org/login", Description: "Sign in", Category: subscription.CategoryApp}

// market is a test world whose customer C1 has a second user, Ada, who
// reads English, while its admin reads Italian; vendor A's admin reads
// English.
type market struct {
	t   *testing.T
	st  *store.Store
	w   *storetest.World
	svc *notify.Service
	ada mercato.User
}

func newMarket(t *testing.T, st *store.Store, w *storetest.World) *market {
	t.Helper()
	ada, err := storetest.Accounts(st).CreateUser(ctx, w.Platform.Principal, mercato.User{OrganizationID: w.C1.Org.ID, Email: "ada@c1.example.org", Name: "Ada Lovelace", Role: mercato.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	setLanguage(t, st, w.C1.User.ID, "it")
	return &market{t: t, st: st, w: w, ada: ada, svc: app.Notify(st, notify.WithPublicURL(publicURL+"/"), notify.WithBatch(7))}
}

// setLanguage sets a user's language (the accounts service will let users
// choose it; the column is this change's).
func setLanguage(t *testing.T, st *store.Store, userID int64, lang string) {
	t.Helper()
	if _, err := st.DB().Exec(`UPDATE users SET language = $1 WHERE id = $2`, lang, userID); err != nil {
		t.Fatal(err)
	}
}

// drain runs batches until every event is considered and returns how many
// messages they queued.
func (m *market) drain() int {
	m.t.Helper()
	out, err := m.svc.NotifyAll(ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	return out.Queued
}

func (m *market) outbox() []mail.Message {
	m.t.Helper()
	ms, err := m.svc.Outbox(ctx, m.w.Platform.Principal, mail.Filter{Limit: 200})
	if err != nil {
		m.t.Fatal(err)
	}
	return ms
}

// byTemplate returns the messages of a template keyed by recipient.
func byTemplate(ms []mail.Message, template string) map[string]mail.Message {
	out := map[string]mail.Message{}
	for _, m := range ms {
		if m.Template == template {
			out[m.To] = m
		}
	}
	return out
}

func (m *market) order() subscription.Order {
	m.t.Helper()
	o, err := app.Ordering(m.st).PlaceOrder(ctx, m.w.C1.Principal, subscription.OrderRequest{PlanID: m.w.PlanA.ID, Quantity: 3})
	if err != nil {
		m.t.Fatal(err)
	}
	return o
}

// has fails unless msg is in lang, its subject holds subject, and both its
// parts hold every link.
func has(t *testing.T, msg mail.Message, lang, subject string, links ...string) {
	t.Helper()
	if msg.Language != lang || !strings.Contains(msg.Subject, subject) {
		t.Errorf("%s to %s: %s %q, want %s %q", msg.Template, msg.To, msg.Language, msg.Subject, lang, subject)
	}
	for _, l := range links {
		if !strings.Contains(msg.Text, l) || !strings.Contains(msg.HTML, `href="`+l+`"`) {
			t.Errorf("%s to %s (%s) lacks the link %s:\n%s\n%s", msg.Template, msg.To, lang, l, msg.Text, msg.HTML)
		}
	}
	if !strings.Contains(msg.Text, "Mercato") || !strings.Contains(msg.HTML, "Mercato") {
		t.Errorf("%s to %s: no operator name", msg.Template, msg.To)
	}
}

// An order tells the customer's users, each in their language, and the
// vendor's; a batch considered again queues nothing twice; deployment and
// failure tell the customer, a resumption does not; an issued invoice is
// sent with its PDF; every link is on the public URL (or the provider's
// launch link).
func TestMessagesEventsCause(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "messages", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		m := newMarket(t, st, w)
		if n := m.drain(); n != 0 { // the world's own events (users, plans) tell nobody
			t.Fatalf("the world queued %d messages", n)
		}
		o := m.order()
		subURL := fmt.Sprintf("%s/subscriptions/%d", publicURL, o.SubscriptionID)
		if n := m.drain(); n != 3 {
			t.Fatalf("an order queued %d messages, want 3", n)
		}
		confirm := byTemplate(m.outbox(), notify.OrderConfirmation)
		has(t, confirm[w.C1.User.Email], "it", "il tuo ordine di Product A", subURL)
		has(t, confirm[m.ada.Email], "en", "your order of Product A", subURL)
		if !strings.Contains(confirm[m.ada.Email].Text, "Hello Ada Lovelace,") || !strings.Contains(confirm[m.ada.Email].Text, "EUR 30.00") {
			t.Errorf("confirmation text:\n%s", confirm[m.ada.Email].Text)
		}
		vendor := byTemplate(m.outbox(), notify.NewSubscription)
		if len(vendor) != 1 {
			t.Fatalf("vendor messages: %v", vendor)
		}
		has(t, vendor[w.VendorA.User.Email], "en", "new subscription to Product A", subURL)
		if !strings.Contains(vendor[w.VendorA.User.Email].Text, "c1 has ordered Product A") {
			t.Errorf("vendor text:\n%s", vendor[w.VendorA.User.Email].Text)
		}

		// The same events considered again queue nothing twice.
		if _, err := st.DB().Exec(`UPDATE events SET notified_at = NULL`); err != nil {
			t.Fatal(err)
		}
		before := len(m.outbox())
		if n := m.drain(); n != 0 || len(m.outbox()) != before {
			t.Fatalf("a repeated batch queued %d messages (%d → %d)", n, before, len(m.outbox()))
		}

		// Deployed, with the provider's launch link; then suspended and
		// resumed, which tells nobody.
		if _, err := app.New(st, app.Options{}).Provisioning.SetEndpoints(ctx, w.VendorA.Principal, o.SubscriptionID, []subscription.Endpoint{launch}); err != nil {
			t.Fatal(err)
		}
		lc := app.Lifecycle(st)
		for _, a := range []subscription.Action{subscription.ActionDeploy, subscription.ActionSuspend, subscription.ActionResume} {
			if _, err := lc.Act(ctx, w.Platform.Principal, o.SubscriptionID, a); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		if n := m.drain(); n != 2 {
			t.Fatalf("deploy, suspend, resume queued %d messages, want 2", n)
		}
		deployed := byTemplate(m.outbox(), notify.SubscriptionDeployed)
		has(t, deployed[w.C1.User.Email], "it", "Product A è pronto", launch.Endpoint, subURL)
		has(t, deployed[m.ada.Email], "en", "Product A is ready", launch.Endpoint, subURL)

		// A failure.
		o2 := m.order()
		m.drain()
		if _, err := lc.Act(ctx, w.VendorA.Principal, o2.SubscriptionID, subscription.ActionFail); err != nil {
			t.Fatal(err)
		}
		if n := m.drain(); n != 2 {
			t.Fatalf("a failure queued %d messages, want 2", n)
		}
		failed := byTemplate(m.outbox(), notify.SubscriptionFailed)
		has(t, failed[w.C1.User.Email], "it", "non è stato possibile attivare Product A", fmt.Sprintf("%s/subscriptions/%d", publicURL, o2.SubscriptionID))
		has(t, failed[m.ada.Email], "en", "Product A could not be set up", fmt.Sprintf("%s/subscriptions/%d", publicURL, o2.SubscriptionID))

		// A rejection by the operator tells the customer why; a
		// cancellation by the customer tells nothing.
		gate := func(on bool) {
			if _, err := storetest.Listing(st).UpdateProduct(ctx, w.VendorA.Principal, w.ProductA.ID, listing.ProductUpdate{RequiresApproval: &on}); err != nil {
				t.Fatal(err)
			}
		}
		gate(true)
		o3, o4 := m.order(), m.order()
		m.drain()
		reason := "Not sold to companies outside the EU <yet>."
		if _, err := lc.Reject(ctx, w.Platform.Principal, o3.SubscriptionID, reason); err != nil {
			t.Fatal(err)
		}
		if _, err := lc.Act(ctx, w.C1.Principal, o4.SubscriptionID, subscription.ActionTerminate); err != nil {
			t.Fatal(err)
		}
		gate(false)
		if n := m.drain(); n != 2 {
			t.Fatalf("a rejection and a cancellation queued %d messages, want 2", n)
		}
		rejected := byTemplate(m.outbox(), notify.OrderRejected)
		subURL3 := fmt.Sprintf("%s/subscriptions/%d", publicURL, o3.SubscriptionID)
		has(t, rejected[w.C1.User.Email], "it", "il tuo ordine di Product A non è stato accettato", subURL3)
		has(t, rejected[m.ada.Email], "en", "your order of Product A was not accepted", subURL3)
		for _, msg := range rejected {
			if !strings.Contains(msg.Text, reason) || !strings.Contains(msg.HTML, "Not sold to companies outside the EU &lt;yet&gt;.") {
				t.Errorf("the rejection to %s lacks the reason:\n%s\n%s", msg.To, msg.Text, msg.HTML)
			}
		}

		// The month's invoice, with its PDF.
		if _, err := app.New(st, app.Options{}).Billing.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(st.Now())}); err != nil {
			t.Fatal(err)
		}
		m.drain()
		invoices := byTemplate(m.outbox(), notify.InvoiceIssued)
		inv := invoices[m.ada.Email]
		if len(inv.Attachments) != 1 || inv.Attachments[0].Kind != mail.AttachInvoicePDF {
			t.Fatalf("invoice message %+v", inv)
		}
		issued, err := st.InvoiceForMail(ctx, inv.Attachments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		invURL := fmt.Sprintf("%s/invoices/%d", publicURL, issued.ID)
		has(t, invoices[w.C1.User.Email], "it", "fattura "+issued.Number, invURL)
		has(t, inv, "en", "invoice "+issued.Number, invURL)
		if inv.Attachments[0].Name != issued.Number+".pdf" || !strings.Contains(inv.Text, "due on ") {
			t.Errorf("invoice message: %+v\n%s", inv.Attachments, inv.Text)
		}
		pdf, err := m.svc.Attachment(ctx, inv.Attachments[0])
		if err != nil || pdf.ContentType != "application/pdf" || !strings.HasPrefix(string(pdf.Data), "%PDF-") {
			t.Fatalf("PDF: %v %s", err, pdf.ContentType)
		}

		// The plan's price goes up: the next run announces it once, in
		// the customer's language, with both prices and the date.
		up := w.PlanA.Pricing
		more := *up.UnitAmount
		more = more.Add(more)
		up.UnitAmount = &more
		if _, err := app.New(st, app.Options{}).Catalog.UpdatePlan(ctx, w.VendorA.Principal, w.PlanA.ID, listing.PlanUpdate{Pricing: &up}); err != nil {
			t.Fatal(err)
		}
		m.drain()
		for range 2 {
			if _, err := app.New(st, app.Options{}).Billing.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(st.Now())}); err != nil {
				t.Fatal(err)
			}
		}
		if n := m.drain(); n != 2 {
			t.Fatalf("a price change queued %d messages, want 2 (one per user, once)", n)
		}
		notice := byTemplate(m.outbox(), notify.RenewalPriceChange)
		has(t, notice[w.C1.User.Email], "it", "nuovo prezzo per Product A", subURL)
		has(t, notice[m.ada.Email], "en", "a new price for Product A", subURL)
		if txt := notice[m.ada.Email].Text; !strings.Contains(txt, "costs EUR 60.00 instead of EUR 30.00") {
			t.Errorf("renewal notice text:\n%s", txt)
		}

		// Every message has its own key and names its event and user.
		keys := map[string]bool{}
		for _, msg := range m.outbox() {
			if keys[msg.Key] || msg.EventID == 0 || msg.UserID == 0 || msg.Status != mail.Queued {
				t.Errorf("message %+v", msg)
			}
			keys[msg.Key] = true
		}
		t.Run("every message arrives at Mailpit", func(t *testing.T) {
			arrive(t, m, notify.OrderConfirmation, notify.SubscriptionDeployed, notify.SubscriptionFailed, notify.InvoiceIssued)
		})
	}}})
}

// arrive sends the whole outbox through a real SMTP server and checks that
// each message arrived once, as rendered: subject, recipient, links in
// both parts, and the invoice's PDF.
func arrive(t *testing.T, m *market, templates ...string) {
	// The outbox before sending: a sensitive message's body is cleared
	// once it is sent.
	want := m.outbox()
	mp := mailpit.Start(t)
	srv, err := mail.ParseURL("smtp://" + mp.SMTPAddr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mail.NewSMTP(mail.SMTPConfig{Server: srv, From: "Mercato <noreply@market.example.com>", Host: "market.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	sender := mail.NewSender(m.st, tr, slog.New(slog.DiscardHandler), mail.Config{Attach: m.svc.Attachment})
	if _, err := sender.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	after := map[int64]mail.Message{}
	for _, a := range m.outbox() {
		after[a.ID] = a
	}
	got := map[string]mailpit.Summary{}
	for _, g := range mp.WaitFor(t, len(want), 10*time.Second) {
		if _, dup := got[g.MessageID]; dup {
			t.Errorf("%s arrived twice", g.MessageID)
		}
		got[g.MessageID] = g
	}
	langs := map[string]bool{}
	for _, w := range want {
		g, ok := got[mail.MessageID(w.ID, "market.example.com")]
		if a := after[w.ID]; !ok || a.Status != mail.Sent {
			t.Errorf("%s to %s (%s) did not arrive: %s %s", w.Template, w.To, w.Language, a.Status, a.LastError)
			continue
		} else if w.Sensitive && (a.Text != "" || a.HTML != "") {
			t.Errorf("%s to %s: the sensitive body is kept after sending", w.Template, w.To)
		}
		msg := mp.Message(t, g.ID)
		if msg.Subject != w.Subject || len(msg.To) != 1 || msg.To[0].Address != w.To || normalize(msg.Text) != normalize(w.Text) {
			t.Errorf("%s arrived as %q to %v:\n%s", w.Template, msg.Subject, msg.To, msg.Text)
		}
		for _, link := range linksOf(w.Text) {
			if !strings.Contains(msg.HTML, `href="`+link+`"`) {
				t.Errorf("%s (%s): the HTML part lacks %s", w.Template, w.Language, link)
			}
		}
		if w.Template == notify.InvoiceIssued {
			if len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "application/pdf" ||
				!strings.HasPrefix(string(mp.Part(t, msg.ID, msg.Attachments[0].PartID)), "%PDF-") {
				t.Errorf("invoice attachments %+v", msg.Attachments)
			}
		}
		langs[w.Template+"/"+w.Language] = true
	}
	for _, tmpl := range templates {
		for _, lang := range mail.Languages {
			if !langs[tmpl+"/"+lang] {
				t.Errorf("no %s message in %s arrived", tmpl, lang)
			}
		}
	}
}

// normalize is a text part without its line ends' carriage returns (SMTP
// adds them) and its final newlines.
func normalize(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// linksOf returns the links of a text part.
func linksOf(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, "https://") {
			out = append(out, f)
		}
	}
	return out
}

// The outbox is the operator's: everyone else is refused.
func TestOutboxIsTheOperators(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "outbox", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		svc := app.Notify(st)
		for name, tn := range w.Tenants() {
			_, err := svc.Outbox(ctx, tn.Principal, mail.Filter{})
			_, err2 := svc.OutboxMessage(ctx, tn.Principal, 1)
			switch {
			case name == "platform":
				if err != nil || mercato.ErrorCode(err2) != mercato.ENOTFOUND {
					t.Errorf("platform: %v, %v", err, err2)
				}
			case mercato.ErrorCode(err) != mercato.EFORBIDDEN || mercato.ErrorCode(err2) != mercato.EFORBIDDEN:
				t.Errorf("%s reads the outbox: %v, %v", name, err, err2)
			}
		}
		if _, err := svc.Outbox(ctx, w.Platform.Principal, mail.Filter{Status: "lost"}); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Errorf("bad status filter: %v", err)
		}
		// Without a public URL the service queues nothing: links would be
		// relative.
		if _, err := svc.Notify(ctx); err == nil {
			t.Error("notified without a public URL")
		}
	}}})
}
