package store_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// roundTrips is a TCP proxy in front of PostgreSQL that counts round trips:
// each time a connection's client sends after the server last spoke (or
// for the first time) is one, however TCP splits or joins the bytes.
type roundTrips struct {
	ln    net.Listener
	count atomic.Int64
	wg    sync.WaitGroup
}

func newRoundTrips(t *testing.T, target string) *roundTrips {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rt := &roundTrips{ln: ln}
	rt.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			var serverSpoke atomic.Bool
			serverSpoke.Store(true)
			rt.wg.Go(func() { rt.pipe(s, c, func() { serverSpoke.Store(false) }, &serverSpoke, true) })
			rt.wg.Go(func() { rt.pipe(c, s, func() { serverSpoke.Store(true) }, &serverSpoke, false) })
		}
	})
	t.Cleanup(func() { ln.Close(); rt.wg.Wait() })
	return rt
}

// pipe copies from src to dst; fromClient counts a round trip at each
// client burst that follows the server's.
func (rt *roundTrips) pipe(dst, src net.Conn, mark func(), serverSpoke *atomic.Bool, fromClient bool) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if fromClient && serverSpoke.Load() {
				rt.count.Add(1)
			}
			mark()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				return
			}
			return
		}
	}
}

// TestOrderRoundTrips counts the round trips to PostgreSQL of one placed
// order, after a first order has warmed the connection's statement cache
// (the first takes 8 more, one Parse per statement), and fails if it grows.
// Issue 19 aims at 4; measured 15: BEGIN; the customer, the plan, the
// channel's prices, the customer's currency (twice); INSERT subscription,
// order, charge schedule, charges, audit entry, event; the subscription's
// vendor, the deliveries; COMMIT.
func TestOrderRoundTrips(t *testing.T) {
	const most = 12
	dbURL := storetest.PostgresSchema(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	rt := newRoundTrips(t, u.Host)
	u.Host = rt.ln.Addr().String()
	ctx := context.Background()
	st, err := store.Open(ctx, u.String(), store.Pool{MaxOpen: 1, MaxIdle: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.LoadSecrets(ctx); err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorld(t, st)
	orders := app.Ordering(st)
	req := subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 3, Configuration: map[string]any{"subdomain": "roundtrip"}}
	for i := range 3 {
		before := rt.count.Load()
		if _, err := orders.PlaceOrder(ctx, w.C1.Principal, req); err != nil {
			t.Fatal(err)
		}
		n := rt.count.Load() - before
		t.Logf("order %d: %d round trips", i+1, n)
		if i == 2 && n > most {
			t.Errorf("a placed order took %d round trips to PostgreSQL, want at most %d", n, most)
		}
	}
}
