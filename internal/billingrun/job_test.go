package billingrun_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// held is a WithAfterChunk hook that holds a run after its first chunk
// until released (or its context ends), saying when it got there.
type held struct {
	reached chan billing.Run
	release chan struct{}
}

func hold() *held { return &held{reached: make(chan billing.Run, 1), release: make(chan struct{})} }

func (h *held) hook(ctx context.Context, run billing.Run) {
	if run.CustomersDone != 1 {
		return
	}
	h.reached <- run
	select {
	case <-h.release:
	case <-ctx.Done():
	}
}

// customers makes n customers with a delivered subscription each.
func customers(t *testing.T, st *store.Store, w *storetest.World, n int) {
	t.Helper()
	for i := range n {
		o, err := storetest.Accounts(st).CreateOrganization(context.Background(), w.Platform.Principal,
			mercato.Organization{Kind: mercato.KindCustomer, Name: fmt.Sprintf("job%d", i), OnAccount: true, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		deploy(t, st, w, buy(t, st, w.Platform.Principal, o.ID, w.PlanA.ID, 1))
	}
}

// runEnded polls a run until it is no longer running (the run goes on in its
// goroutine; bounded).
func runEnded(t *testing.T, svc *billingrun.Service, p mercato.Principal, id int64) billing.Run {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := svc.BillingRun(context.Background(), p, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != "running" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %d still running: %+v", id, r)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStartedRunRecordsProgress starts a run in the background: it is
// recorded running at once; held after its first chunk of one customer,
// it shows 1 of 3 customers and the invoice issued so far, and a second
// run is refused naming it; released, it finishes with every invoice.
// Only the platform starts and reads runs.
func TestStartedRunRecordsProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		customers(t, st, w, 3)
		h := hold()
		svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st), billingrun.WithChunk(1), billingrun.WithAfterChunk(h.hook))
		m, _ := billing.ParseMonth("2026-03")
		if _, err := svc.StartBilling(ctx, w.C1.Principal, billingrun.Options{Period: m}); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("a customer starts a run: %v", err)
		}
		started, err := svc.StartBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m})
		if err != nil || started.ID == 0 || started.Status != "running" {
			t.Fatalf("start: %+v %v", started, err)
		}
		at := <-h.reached
		got, err := svc.BillingRun(ctx, w.Platform.Principal, started.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != "running" || got.Customers != 3 || got.CustomersDone != 1 || got.Invoices != 1 || got.Subscriptions != 1 || at.Invoices != 1 {
			t.Fatalf("midway: %+v", got)
		}
		if n, of := got.Done(); n != 1 || of != 3 {
			t.Fatalf("done %d of %d", n, of)
		}
		if !got.LeaseUntil.After(st.Clock()) {
			t.Fatalf("lease %s not renewed", got.LeaseUntil)
		}
		_, err = svc.StartBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m})
		var running *billing.Running
		if mercato.ErrorCode(err) != mercato.ECONFLICT || !errors.As(err, &running) || running.Run.ID != started.ID {
			t.Fatalf("a second run while one runs: %v", err)
		}
		if _, err := svc.BillingRun(ctx, w.C1.Principal, started.ID); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("a customer reads a run: %v", err)
		}
		close(h.release)
		done := runEnded(t, svc, w.Platform.Principal, started.ID)
		if done.Status != "finished" || done.Invoices != 3 || done.CustomersDone != 3 || done.Customers != 3 || done.FinishedAt == nil {
			t.Fatalf("finished: %+v", done)
		}
		if _, err := svc.BillingRun(ctx, w.Platform.Principal, started.ID+100); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("an unknown run: %v", err)
		}
	})
}

// TestFailedRunSaysWhy: a run that fails records its reason, readable on
// the run, and the next run starts (the lease is free again); a run the
// server stops is recorded failed, saying so.
func TestFailedRunSaysWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		customers(t, st, w, 2)
		m, _ := billing.ParseMonth("2026-03")
		svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st), billingrun.WithChunk(1))
		r, err := svc.StartBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m, AfterChunk: func(int) error { return errors.New("disk full") }})
		if err != nil {
			t.Fatal(err)
		}
		if got := runEnded(t, svc, w.Platform.Principal, r.ID); got.Status != "failed" || !strings.Contains(got.Error, "disk full") || got.CustomersDone != 1 {
			t.Fatalf("failed run: %+v", got)
		}

		// The server stops while a run is held midway.
		h := hold()
		svc = billingrun.New(st, store.TxFunc[billingrun.Tx](st), billingrun.WithChunk(1), billingrun.WithAfterChunk(h.hook))
		bg, stop := context.WithCancel(ctx)
		stopped := make(chan error, 1)
		go func() { stopped <- svc.Background(bg) }()
		r, err = svc.StartBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m})
		if err != nil {
			t.Fatal(err)
		}
		<-h.reached
		stop()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		got, err := svc.BillingRun(ctx, w.Platform.Principal, r.ID)
		if err != nil || got.Status != "failed" || !strings.Contains(got.Error, "server stopped") {
			t.Fatalf("stopped run: %+v %v", got, err)
		}
		if _, err := svc.StartBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m}); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("a run started on a stopped server: %v", err)
		}
		// The lease is free: the next run bills what was left, once.
		if next := run(t, st, w, "2026-03"); next.Status != "finished" {
			t.Fatalf("next: %+v", next)
		}
		if n := storetest.Counts(t, st)["invoices"]; n != 2 {
			t.Fatalf("%d invoices, want 2", n)
		}
	})
}
