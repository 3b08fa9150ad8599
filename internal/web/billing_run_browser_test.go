package web_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/web"
)

// TestBillingRunProgressInBrowser: the operator starts a billing run on
// the billing page and lands on the run's page, where a progress bar
// follows it live (htmx asks for the progress every second). The run is
// held after its first customer (one customer a chunk, a hook between
// chunks): the bar shows "1 of n", axe-core finds no violation, and a
// second start lands on the running run, saying so. Released, the page
// shows the result without a reload: the invoices issued and that nothing
// was skipped.
func TestBillingRunProgressInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	src := axeSource(t)
	bg := context.Background()
	st := storetest.Open(t, store.SQLite)
	st.Now = storetest.Clock(storetest.Epoch)
	if _, err := demo.Seed(bg, st); err != nil {
		t.Fatal(err)
	}
	if err := demo.SetPasswords(bg, st); err != nil {
		t.Fatal(err)
	}
	reached, release := make(chan billing.Run, 1), make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	svcs := app.New(st, app.Options{Billing: []billingrun.Option{billingrun.WithChunk(1), billingrun.WithAfterChunk(func(ctx context.Context, run billing.Run) {
		if run.CustomersDone == 1 {
			reached <- run
			<-release
		}
	})}})
	panel, err := web.New(svcs.Web(), slog.New(slog.DiscardHandler), web.WithInsecureCookies())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: panel.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { _ = srv.Close() })

	ctx := browser(t)
	signInAs(t, ctx, base, admin)
	run(t, ctx, "start the billing run",
		chromedp.Navigate(base+"/invoices"),
		chromedp.Click(chromedp.CSS(`#billing-run button`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-progress`)),
	)
	held := <-reached
	if held.Customers < 2 {
		t.Fatalf("the demo bills %d customers: too few to hold a run midway", held.Customers)
	}
	var label, bar, state string
	run(t, ctx, "the progress bar, midway",
		// The page polls: the bar reaches the first customer by itself.
		chromedp.WaitVisible(chromedp.CSS(`progress#run-bar[value="1"]`)),
		into(&label, chromedp.Text(chromedp.CSS(`label[for="run-bar"]`))),
		// Its text alternative (a <progress> shows no text itself).
		into(&bar, chromedp.Evaluate[string](`document.querySelector('progress#run-bar').textContent`)),
		into(&state, chromedp.Text(chromedp.CSS(`#run-state`))),
	)
	want := "1 of " + itoa(int64(held.Customers))
	if label != "Customers billed" || bar != want || !strings.Contains(state, want+" customers billed") {
		t.Fatalf("midway: label %q, bar %q, state %q", label, bar, state)
	}
	for _, v := range audit(t, ctx, src) {
		t.Errorf("the run's page, running: %s", v)
	}
	screenshot(t, ctx, "billing-run-progress")
	var loc string
	run(t, ctx, "read the run's address", into(&loc, chromedp.Evaluate[string](`location.pathname`)))

	// A second start while it runs lands on the running run.
	var flash, again string
	run(t, ctx, "a second run",
		chromedp.Navigate(base+"/invoices"),
		chromedp.Click(chromedp.CSS(`#billing-run button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		into(&flash, chromedp.Text(chromedp.CSS(".flash"))),
		into(&again, chromedp.Evaluate[string](`location.pathname`)),
	)
	if again != loc || !strings.Contains(flash, "still running") {
		t.Fatalf("a second run: at %s (the run is at %s), %q", again, loc, flash)
	}

	close(release)
	var result string
	run(t, ctx, "the result, without a reload",
		chromedp.WaitVisible(chromedp.CSS(`#run-progress[data-status="finished"] #run-result`)),
		into(&state, chromedp.Text(chromedp.CSS(`#run-state`))),
		into(&result, chromedp.Text(chromedp.CSS(`#run-progress`))),
	)
	runs, err := st.BillingRuns(bg, 1)
	if err != nil || len(runs) != 1 || runs[0].Status != "finished" {
		t.Fatalf("runs: %+v %v", runs, err)
	}
	if !strings.Contains(state, itoa(int64(runs[0].Invoices))+" invoices issued") || !strings.Contains(result, "No subscription was skipped.") {
		t.Fatalf("result: %q\n%s", state, result)
	}
	for _, v := range audit(t, ctx, src) {
		t.Errorf("the run's page, finished: %s", v)
	}
}
