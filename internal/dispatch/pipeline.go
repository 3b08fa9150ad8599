package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/store"
)

// pipeline is Run's continuous delivery: one claimer keeps up to
// Loops×Workers requests in flight, at most PerEndpoint of them to any one
// endpoint, refilling as each request finishes; a recorder saves results
// in small batches as they come. A slow or failing endpoint holds at most
// its own share of the slots, and its circuit opens after a run of
// failures, so the other endpoints keep their rate.
//
// Every delivery the claimer keeps starts at once (claims beyond an
// endpoint's free share are released straight back), so a lease only has
// to outlast one request and the recording behind it.
type pipeline struct {
	d       *Dispatcher
	results chan store.Result
	freed   chan struct{} // a slot became free (buffered, never blocks)

	mu       sync.Mutex
	total    int                // deliveries claimed and not yet recorded
	claimed  map[int64]int      // per endpoint
	circuits map[int64]*circuit // per endpoint, only while failing
	slow     map[int64]bool     // endpoints whose last answer took slowAnswer or more
	now      func() time.Time
}

// circuit is an endpoint's breaker: after Breaker consecutive failures it
// opens for a cooldown that doubles with each trip (up to maxCooldown);
// then one request at a time probes it until one succeeds.
type circuit struct {
	failures int
	trips    int
	openTill time.Time
}

const (
	firstCooldown = 5 * time.Second
	maxCooldown   = 5 * time.Minute
	recordEvery   = 5 * time.Millisecond // longest a result waits to be recorded
	recordBatch   = 64                   // results recorded in one transaction at most
	// slowAnswer is how long an answer may take before its endpoint is
	// slow: it keeps 1/slowDivisor of its share (at least one request)
	// until it answers faster again, so that the requests it keeps waiting
	// do not hold the slots the other endpoints deliver with.
	slowAnswer  = time.Second
	slowDivisor = 8
)

func (d *Dispatcher) newPipeline() *pipeline {
	return &pipeline{d: d, results: make(chan store.Result, d.cfg.Loops*d.cfg.Workers), freed: make(chan struct{}, 1),
		claimed: map[int64]int{}, circuits: map[int64]*circuit{}, slow: map[int64]bool{}, now: time.Now}
}

// run claims and delivers until ctx ends, then finishes what it claimed.
func (p *pipeline) run(ctx context.Context) {
	work := context.WithoutCancel(ctx) // what was claimed is finished even during shutdown
	recorded := make(chan struct{})
	go func() { p.record(work); close(recorded) }()
	var inflight sync.WaitGroup
	for ctx.Err() == nil {
		n := p.claim(ctx, work, &inflight)
		if n > 0 {
			continue
		}
		select {
		case <-ctx.Done():
		case <-p.d.wake:
		case <-p.freed:
		case <-time.After(p.d.cfg.Poll):
		}
	}
	inflight.Wait()
	close(p.results)
	<-recorded
}

// claim takes as much due work as there are free slots, starts it, and
// returns how many deliveries it started.
func (p *pipeline) claim(ctx, work context.Context, inflight *sync.WaitGroup) int {
	capacity := p.d.cfg.Loops * p.d.cfg.Workers
	p.mu.Lock()
	free := capacity - p.total
	exclude := p.saturated()
	p.mu.Unlock()
	if free <= 0 {
		return 0
	}
	batch, err := p.d.st.ClaimDue(ctx, store.Claim{Limit: min(free, p.d.cfg.Batch), Lease: p.d.cfg.Lease, Exclude: exclude})
	if err != nil {
		if ctx.Err() == nil {
			p.d.log.Error("webhook dispatch: claim", "err", err)
		}
		return 0
	}
	var release []int64
	started := 0
	p.mu.Lock()
	for _, dd := range batch {
		ep := dd.Endpoint.ID
		if p.claimed[ep] >= p.share(ep) || p.total >= capacity {
			release = append(release, dd.ID)
			continue
		}
		p.claimed[ep]++
		p.total++
		started++
		inflight.Go(func() { p.results <- p.deliver(work, dd) })
	}
	p.mu.Unlock()
	if err := p.d.st.ReleaseDeliveries(work, release); err != nil {
		p.d.log.Warn("webhook dispatch: release", "err", err) // their lease runs out instead
	}
	return started
}

// saturated lists the endpoints to leave out of the next claim: those at
// their share, and those whose circuit is open. p.mu is held.
func (p *pipeline) saturated() []int64 {
	var out []int64
	now := p.now()
	for ep, n := range p.claimed {
		if n >= p.share(ep) {
			out = append(out, ep)
		}
	}
	for ep, c := range p.circuits {
		if now.Before(c.openTill) && p.claimed[ep] == 0 { // with some claimed, it is listed above (its share is 0)
			out = append(out, ep)
		}
	}
	return out
}

// share is how many deliveries an endpoint may have in flight: PerEndpoint,
// an eighth of it while the endpoint answers slowly, or one while its
// circuit is open or probing. p.mu is held.
func (p *pipeline) share(ep int64) int {
	if c := p.circuits[ep]; c != nil && c.failures >= p.d.cfg.Breaker {
		if p.now().Before(c.openTill) {
			return 0
		}
		return 1
	}
	if p.slow[ep] {
		return max(p.d.cfg.PerEndpoint/slowDivisor, 1)
	}
	return p.d.cfg.PerEndpoint
}

// deliver sends one delivery and keeps the endpoint's circuit.
func (p *pipeline) deliver(ctx context.Context, dd store.DueDelivery) store.Result {
	r := p.d.deliver(ctx, dd)
	ep := dd.Endpoint.ID
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.Attempt.Latency >= slowAnswer {
		p.slow[ep] = true
	} else {
		delete(p.slow, ep)
	}
	if r.Delivered {
		delete(p.circuits, ep)
		return r
	}
	c := p.circuits[ep]
	if c == nil {
		c = &circuit{}
		p.circuits[ep] = c
	}
	c.failures++
	if c.failures >= p.d.cfg.Breaker && !p.now().Before(c.openTill) {
		cooldown := min(firstCooldown<<min(c.trips, 10), maxCooldown)
		c.trips++
		c.openTill = p.now().Add(cooldown)
		p.d.log.Info("webhook endpoint failing: paused", "endpoint", ep, "failures", c.failures, "for", cooldown)
	}
	return r
}

// record saves results as they come, a few at a time, and frees their
// slots once they are saved (a later event of the same subscription is due
// only then).
func (p *pipeline) record(ctx context.Context) {
	var pending []store.Result
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if err := p.d.st.RecordResults(ctx, pending); err != nil {
			// Their leases run out and they are sent again: at least once.
			p.d.log.Error("webhook dispatch: record results", "n", len(pending), "err", err)
		} else {
			p.d.delivered(ctx, pending)
		}
		p.mu.Lock()
		for _, r := range pending {
			ep := r.Attempt.EndpointID
			if p.claimed[ep]--; p.claimed[ep] <= 0 {
				delete(p.claimed, ep)
			}
			p.total--
		}
		p.mu.Unlock()
		pending = pending[:0]
		select {
		case p.freed <- struct{}{}:
		default:
		}
	}
	timer := time.NewTimer(recordEvery)
	timer.Stop()
	for {
		select {
		case r, ok := <-p.results:
			if !ok {
				flush()
				return
			}
			if len(pending) == 0 {
				timer.Reset(recordEvery)
			}
			pending = append(pending, r)
			if len(pending) >= recordBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}
