package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/web"
)

// TestResellerOnboardsAndOrdersInBrowser, on each engine: a reseller's
// admin creates a customer on the channel page with its first admin
// invited; the invitation arrives at Mailpit; the reseller orders for the
// customer from its row, at the customer's price ("for" its name); then
// the customer's admin follows the link, chooses a password and finds the
// subscription among its own.
func TestResellerOnboardsAndOrdersInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) { onboardInBrowser(t, engine) })
	}
}

func onboardInBrowser(t *testing.T, engine store.Engine) {
	bg := context.Background()
	st := storetest.Open(t, engine)
	w := storetest.NewWorld(t, st)
	const password = "the reseller's long password"
	if err := storetest.Accounts(st).SetPassword(bg, w.R1.User.ID, password); err != nil {
		t.Fatal(err)
	}
	// The reseller sells at 50% over what it buys at.
	if _, err := storetest.Channel(st).SetPrice(bg, w.R1.Principal, pricing.PriceListEntry{OrganizationID: w.R1.Org.ID, PlanID: w.PlanA.ID,
		Markup: pricing.Markup{Kind: "percentage", Value: decimal.NewFromInt(50)}}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.DiscardHandler)
	svcs := app.New(st, app.Options{Notify: []notify.Option{notify.WithPublicURL(base)}})
	panel, err := web.New(svcs.Web(), log, web.WithInsecureCookies())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: panel.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { _ = srv.Close() })
	mp := mailpit.Start(t)
	smtpURL, err := mail.ParseURL("smtp://" + mp.SMTPAddr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mail.NewSMTP(mail.SMTPConfig{Server: smtpURL, From: "Mercato <noreply@market.example.com>", Host: "market.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	sender := mail.NewSender(st, tr, log, mail.Config{Attach: svcs.Notify.Attachment})

	ctx := browser(t)
	run(t, ctx, "sign in as the reseller's admin",
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#email"), w.R1.User.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)))
	const name, invitee = "Woodgrove Bank", "admin@woodgrove.example.org"
	var flash string
	run(t, ctx, "create a customer",
		chromedp.Navigate(base+"/channel/organizations"),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#country"), "IT"),
		chromedp.SendKeys(chromedp.CSS("#city"), "Milano"),
		chromedp.SendKeys(chromedp.CSS("#admin_email"), invitee),
		chromedp.SendKeys(chromedp.CSS("#admin_name"), "Woodgrove admin"),
		chromedp.Click(chromedp.CSS(`#create-organization`)),
		// The list had rows before: wait for the page the form leads to.
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)),
		into(&flash, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(flash, "invitation is on its way to "+invitee) || !strings.Contains(flash, name) {
		t.Fatalf("after creating:\n%s", flash)
	}
	screenshot(t, ctx, "channel-customers")
	orgs, _, err := st.ListOrganizations(bg, w.R1.Principal, mercato.OrganizationFilter{Kind: mercato.KindCustomer}, store.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var woodgrove mercato.Organization
	for _, o := range orgs {
		if o.Name == name {
			woodgrove = o
		}
	}
	if woodgrove.ID == 0 || woodgrove.ParentID == nil || *woodgrove.ParentID != w.R1.Org.ID {
		t.Fatalf("the new customer %+v among %+v", woodgrove, orgs)
	}

	if _, err := sender.Drain(bg); err != nil {
		t.Fatal(err)
	}
	got := mp.WaitFor(t, 1, 10*time.Second)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0].Address != invitee {
		t.Fatalf("arrived: %+v", got)
	}
	link := invitationLink.FindString(mp.Message(t, got[0].ID).Text)
	if !strings.HasPrefix(link, base+"/invitation?token=") {
		t.Fatalf("no invitation link in:\n%s", mp.Message(t, got[0].ID).Text)
	}

	// The customer's price: 3 seats through the reseller's markup.
	sell, err := svcs.Ordering.Quote(bg, w.R1.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 3, CustomerID: woodgrove.ID})
	if err != nil {
		t.Fatal(err)
	}
	buy, err := svcs.Ordering.Quote(bg, w.R1.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 3})
	if err != nil || buy.Total.Equal(sell.Total) {
		t.Fatalf("buy %v, sell %v (%v)", buy.Total, sell.Total, err)
	}
	want := "EUR " + sell.Total.StringFixed(2)
	var heading string
	run(t, ctx, "order for the customer from its row",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a.order-for[href="/catalog?for=%d"]`, woodgrove.ID))),
		chromedp.WaitVisible(chromedp.CSS("#ordering-for")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/products/%d?for=%d"]`, w.ProductA.ID, woodgrove.ID))),
		chromedp.WaitVisible(chromedp.CSS("#order")),
		into(&heading, chromedp.Text(chromedp.CSS("#buy"))),
		setField("#plan_id", fmt.Sprint(w.PlanA.ID)),
		chromedp.SetValue(chromedp.CSS("#quantity"), ""),
		chromedp.SendKeys(chromedp.CSS("#quantity"), "3"),
		chromedp.SendKeys(chromedp.CSS(`input[name="cfg.subdomain"]`), "woodgrove"),
		chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid=total]')||{}).textContent === '`+want+`'`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	screenshot(t, ctx, "order-for-customer")
	run(t, ctx, "place the order for the customer",
		chromedp.Click(chromedp.CSS(`#order button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#status`)),
		into(&flash, chromedp.Text(chromedp.CSS("main"))))
	if heading != "Buy for "+name || !strings.Contains(flash, "The order for "+name+" is placed") {
		t.Fatalf("heading %q, after the order:\n%s", heading, flash)
	}
	subs, _, err := st.ListSubscriptions(bg, w.Platform.Principal, subscription.Filter{CustomerID: woodgrove.ID}, store.Page{Limit: 10})
	if err != nil || len(subs) != 1 || subs[0].Quantity != 3 || subs[0].ResellerID == nil || *subs[0].ResellerID != w.R1.Org.ID {
		t.Fatalf("the customer's subscriptions %+v (%v)", subs, err)
	}
	orders, _, err := st.ListOrders(bg, w.Platform.Principal, subscription.OrderFilter{CustomerID: woodgrove.ID}, store.Page{Limit: 10})
	if err != nil || len(orders) != 1 || !orders[0].Total.Equal(sell.Total) {
		t.Fatalf("the customer's orders %+v (%v), want a total of %v", orders, err, sell.Total)
	}

	signOut(t, ctx)
	const chosen = "woodgrove's own password"
	var page string
	run(t, ctx, "the customer's admin accepts the invitation and sees the subscription",
		chromedp.Navigate(link),
		chromedp.SendKeys(chromedp.CSS("#password"), chosen),
		chromedp.SendKeys(chromedp.CSS("#confirm"), chosen),
		chromedp.Click(chromedp.CSS(`form[action="/invitation"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)),
		chromedp.Navigate(base+"/subscriptions"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/subscriptions/%d"]`, subs[0].ID))),
		into(&page, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(page, w.ProductA.Name) {
		t.Fatalf("the customer's subscriptions:\n%s", page)
	}
}
