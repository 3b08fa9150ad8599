package web

import (
	"fmt"
	"testing"
	"time"
)

// TestSignInGuard replays the audit's sign-in findings on the guard with a
// clock: successes never count, failures slow down by doubling delays
// (never a lock), one attacker does not slow the owner at another address,
// and a flood of random e-mails does not wipe the attacker's counters.
func TestSignInGuard(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	g := newSignInGuard(5, time.Hour)
	g.now = func() time.Time { return now }
	const victim, attacker, owner = "victim@example.test", "198.51.100.66", "203.0.113.7"

	for range 50 {
		if g.wait(victim, owner) != 0 {
			t.Fatal("a successful sign-in was slowed down")
		}
		g.succeeded(victim, owner)
	}
	// Five free failures, then each attempt waits twice as long.
	var waits []time.Duration
	for range 9 {
		if w := g.wait(victim, attacker); w > 0 {
			waits = append(waits, w)
			now = now.Add(w)
		}
		g.failed(victim, attacker)
	}
	if fmt.Sprint(waits) != "[1s 2s 4s 8s]" {
		t.Fatalf("delays %v, want [1s 2s 4s 8s]", waits)
	}
	// The owner, elsewhere, signs in at once.
	if w := g.wait(victim, owner); w != 0 {
		t.Fatalf("the owner waits %s because of an attacker elsewhere", w)
	}
	// A flood of random e-mails from other addresses.
	for i := range 150000 {
		g.failed(fmt.Sprintf("random-%d@example.test", i), fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	if len(g.keys) > g.maxKeys+3 {
		t.Fatalf("%d counters kept, at most %d", len(g.keys), g.maxKeys)
	}
	if g.wait(victim, attacker) == 0 {
		t.Fatal("the flood wiped the attacker's counters")
	}
	// Delays are bounded: never longer than maxDelay.
	for range 40 {
		g.failed(victim, attacker)
	}
	if w := g.wait(victim, attacker); w <= 0 || w > maxDelay {
		t.Fatalf("wait %s, want at most %s", w, maxDelay)
	}
	// Spread over many addresses, guessing one account is slowed too.
	for i := range 100 {
		g.failed("spread@example.test", fmt.Sprintf("192.0.2.%d", i))
	}
	if g.wait("spread@example.test", "192.0.2.250") == 0 {
		t.Fatal("guessing from many addresses is not slowed")
	}
}
