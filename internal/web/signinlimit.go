package web

import (
	"sort"
	"sync"
	"time"
)

// signInGuard slows down password guessing without letting anyone lock a
// user out. Only failures count (a successful sign-in clears its account's
// counters), and past a few free failures every further attempt under a
// key must wait a delay that doubles with each failure, up to maxDelay;
// nothing is ever locked for longer. The keys:
//
//   - the account at one client address: free failures, then delays;
//   - one client address, whatever the account (one address trying many
//     accounts): free×4 failures;
//   - the account, whatever the address (guessing spread over many
//     addresses): free×20 failures, so that an attacker elsewhere does not
//     slow its owner down before then.
//
// Client addresses are the front door's (X-Forwarded-For only from
// --trusted-proxies). Counters are forgotten once idle for a window, and
// there are at most maxKeys: past that the idle ones go first, then the
// least recently failed, never all at once. It is per process: several
// replicas each allow as much.
type signInGuard struct {
	mu      sync.Mutex
	free    int
	window  time.Duration
	keys    map[string]*failures
	maxKeys int
	now     func() time.Time
}

type failures struct {
	count int
	last  time.Time
}

const (
	firstDelay = time.Second
	maxDelay   = 15 * time.Minute
)

func newSignInGuard(free int, window time.Duration) *signInGuard {
	return &signInGuard{free: max(free, 1), window: window, keys: map[string]*failures{}, maxKeys: 100000, now: time.Now}
}

// signInKeys are the keys of a sign-in attempt and their free failures.
func (g *signInGuard) signInKeys(email, addr string) map[string]int {
	return map[string]int{"acct-addr:" + email + "|" + addr: g.free, "addr:" + addr: g.free * 4, "acct:" + email: g.free * 20}
}

// wait reports how long the attempt must wait (0: it may go on now).
func (g *signInGuard) wait(email, addr string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	var wait time.Duration
	for k, free := range g.signInKeys(email, addr) {
		f := g.keys[k]
		if f == nil || now.Sub(f.last) >= g.window || f.count < free {
			continue
		}
		delay := firstDelay << min(f.count-free, 20)
		if delay > maxDelay || delay <= 0 {
			delay = maxDelay
		}
		if d := f.last.Add(delay).Sub(now); d > wait {
			wait = d
		}
	}
	return wait
}

// failed counts a failed attempt under every key.
func (g *signInGuard) failed(email, addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for k := range g.signInKeys(email, addr) {
		f := g.keys[k]
		if f == nil || now.Sub(f.last) >= g.window {
			f = &failures{}
			g.keys[k] = f
		}
		f.count++
		f.last = now
	}
	if len(g.keys) > g.maxKeys {
		g.shrink(now)
	}
}

// succeeded clears the account's counters (the address keeps its own: a
// shared address trying many accounts is still one address).
func (g *signInGuard) succeeded(email, addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.keys, "acct-addr:"+email+"|"+addr)
	delete(g.keys, "acct:"+email)
}

// shrink forgets idle counters, then, if still too many, the tenth with
// the fewest failures (the least recent first): a flood of one-off guesses
// goes before the counters that slow a persistent attacker. g.mu is held.
func (g *signInGuard) shrink(now time.Time) {
	for k, f := range g.keys {
		if now.Sub(f.last) >= g.window {
			delete(g.keys, k)
		}
	}
	if len(g.keys) <= g.maxKeys {
		return
	}
	type kv struct {
		k string
		f failures
	}
	all := make([]kv, 0, len(g.keys))
	for k, f := range g.keys {
		all = append(all, kv{k, *f})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].f.count != all[j].f.count {
			return all[i].f.count < all[j].f.count
		}
		return all[i].f.last.Before(all[j].f.last)
	})
	for _, e := range all[:len(all)/10+1] {
		delete(g.keys, e.k)
	}
}
