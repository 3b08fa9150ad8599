package web_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/web"
)

// invitationLink matches the link of an invitation in a message's text.
var invitationLink = regexp.MustCompile(`http://\S+/invitation\?token=[0-9a-f]{64}`)

// TestInvitationInBrowser, on each engine: a customer's admin invites a
// user from the users page (in Italian); the message arrives at Mailpit;
// the browser follows its link, sets the password and is signed in as the
// new user, whom the users page then shows as active; the same link a
// second time is refused in place.
func TestInvitationInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) { inviteInBrowser(t, engine) })
	}
}

func inviteInBrowser(t *testing.T, engine store.Engine) {
	bg := context.Background()
	st := storetest.Open(t, engine)
	w := storetest.NewWorld(t, st)
	const password = "the admin's long password"
	if err := storetest.Accounts(st).SetPassword(bg, w.C1.User.ID, password); err != nil {
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
	run(t, ctx, "sign in as the customer's admin",
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#email"), w.C1.User.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)))
	const invitee = "nuova@c1.example.org"
	var flash string
	run(t, ctx, "invite a user",
		chromedp.Navigate(base+"/users"),
		chromedp.SendKeys(chromedp.CSS("#email"), invitee),
		chromedp.SendKeys(chromedp.CSS("#name"), "Nuova Utente"),
		setField("#role", "manager"),
		setField("#language", "it"),
		chromedp.Click(chromedp.CSS(`form[action="/users"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action^="/users/"][action$="/invitation"]`)),
		into(&flash, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(flash, "invitation is on its way to "+invitee) || !strings.Contains(flash, "Invited") {
		t.Fatalf("after inviting:\n%s", flash)
	}

	if _, err := sender.Drain(bg); err != nil {
		t.Fatal(err)
	}
	got := mp.WaitFor(t, 1, 10*time.Second)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0].Address != invitee || !strings.Contains(got[0].Subject, "ti invita") {
		t.Fatalf("arrived: %+v", got)
	}
	link := invitationLink.FindString(mp.Message(t, got[0].ID).Text)
	if !strings.HasPrefix(link, base+"/invitation?token=") {
		t.Fatalf("no invitation link in:\n%s", mp.Message(t, got[0].ID).Text)
	}

	signOut(t, ctx)
	const chosen = "my own new password"
	var who string
	run(t, ctx, "follow the link and choose a password",
		chromedp.Navigate(link),
		chromedp.SendKeys(chromedp.CSS("#password"), chosen),
		chromedp.SendKeys(chromedp.CSS("#confirm"), chosen),
		chromedp.Click(chromedp.CSS(`form[action="/invitation"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)),
		chromedp.Navigate(base+"/users"),
		chromedp.WaitVisible(chromedp.CSS("main table")),
		into(&who, chromedp.Text(chromedp.CSS("body"))))
	if !strings.Contains(who, invitee) || strings.Contains(who, "Invited") {
		t.Fatalf("signed in as the new user? the page:\n%s", who)
	}
	if _, err := svcs.Accounts.CheckPassword(bg, invitee, chosen); err != nil {
		t.Fatalf("the chosen password does not sign in: %v", err)
	}

	signOut(t, ctx)
	var refused string
	run(t, ctx, "the same link again",
		chromedp.Navigate(link),
		chromedp.SendKeys(chromedp.CSS("#password"), "another long password"),
		chromedp.SendKeys(chromedp.CSS("#confirm"), "another long password"),
		chromedp.Click(chromedp.CSS(`form[action="/invitation"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.err`)),
		into(&refused, chromedp.Text(chromedp.CSS("p.err"))))
	if !strings.Contains(refused, "unknown, used or expired") {
		t.Fatalf("a used invitation: %q", refused)
	}
	if _, err := svcs.Accounts.CheckPassword(bg, invitee, chosen); err != nil {
		t.Fatalf("the used link changed the password: %v", err)
	}
}
