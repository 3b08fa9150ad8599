// Package dispatch delivers lifecycle events to webhook endpoints. Each
// process, and any number of processes on one database, keeps a pipeline
// of deliveries in flight (pipeline.go): it claims due deliveries from the
// store (leased, so that a process that dies mid-request loses nothing: the
// lease runs out and another claims them), posts them signed, and records
// each attempt with its consequence as it finishes, claiming more as slots
// free. No endpoint holds more than its share of the slots, and one that
// keeps failing is paused on its own, so a slow vendor does not slow the
// others.
package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/telemetry"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// Config tunes a dispatcher; zero values take the defaults.
type Config struct {
	Loops        int             // with Workers, the requests in flight: Loops×Workers (default 2)
	Batch        int             // deliveries claimed at once at most (default 256)
	Workers      int             // requests in flight per loop (default 64)
	PerEndpoint  int             // requests in flight to one endpoint at most (default 32)
	Breaker      int             // consecutive failures that pause an endpoint (default 5)
	Poll         time.Duration   // how often to look for due work without a wake-up (default 1s)
	Lease        time.Duration   // how long a claim lasts (default: the longest a batch can take, plus 30s)
	Schedule     []time.Duration // retry schedule (default syndication.Schedule)
	AllowPrivate bool            // allow private and loopback addresses (development, demo)
	Timeout      time.Duration   // per request (default syndication.Timeout)
	// Delivered, when set, is told of the events delivered (answered
	// 2xx) once their results are recorded (lifecycle.Service.Delivered:
	// a vendor's 2xx to DELETED ends a terminated subscription).
	Delivered func(ctx context.Context, events []subscription.Event) error
}

// Dispatcher delivers due webhooks until its context ends.
type Dispatcher struct {
	st     *store.Store
	log    *slog.Logger
	cfg    Config
	client *http.Client
	wake   chan struct{}
}

// New returns a dispatcher over st. Call Wake after events are recorded
// (store.OnEvents does it) so delivery starts at once.
func New(st *store.Store, log *slog.Logger, cfg Config) *Dispatcher {
	if cfg.Loops <= 0 {
		cfg.Loops = 2
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = 32
	}
	if cfg.Breaker <= 0 {
		cfg.Breaker = 5
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = syndication.Timeout
	}
	if cfg.Lease <= 0 {
		// A batch takes at most ⌈Batch/Workers⌉ timeouts; its lease must
		// outlast that, or another process would send it again meanwhile.
		rounds := (cfg.Batch + cfg.Workers - 1) / cfg.Workers
		cfg.Lease = time.Duration(rounds)*cfg.Timeout + 30*time.Second
	}
	if cfg.Schedule == nil {
		cfg.Schedule = syndication.Schedule
	}
	client := syndication.Client(cfg.AllowPrivate, cfg.Loops*cfg.Workers, cfg.Timeout)
	return &Dispatcher{st: st, log: log, cfg: cfg, client: client, wake: make(chan struct{}, 1)}
}

// Wake makes a waiting loop look for work now. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then finishes the deliveries in flight.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.newPipeline().run(ctx)
	d.client.CloseIdleConnections()
	return nil
}

// RunOnce claims one batch, delivers it and records the results; it
// returns how many deliveries it handled. It is Run's work in lockstep, for
// tests and tools that step delivery by hand.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	batch, err := d.st.ClaimDeliveries(ctx, d.cfg.Batch, d.cfg.Lease)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	// What was claimed is finished even when shutdown begins meanwhile.
	work := context.WithoutCancel(ctx)
	results := make([]store.Result, len(batch))
	sem := make(chan struct{}, d.cfg.Workers)
	var wg sync.WaitGroup
	for i := range batch {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = d.deliver(work, batch[i])
		})
	}
	wg.Wait()
	if err := d.st.RecordResults(work, results); err != nil {
		return 0, fmt.Errorf("record %d results: %w", len(results), err)
	}
	d.delivered(work, results)
	return len(batch), nil
}

// delivered tells cfg.Delivered of the recorded results' delivered events.
func (d *Dispatcher) delivered(ctx context.Context, results []store.Result) {
	if d.cfg.Delivered == nil {
		return
	}
	var events []subscription.Event
	for _, r := range results {
		if r.Delivered {
			events = append(events, r.Event)
		}
	}
	if len(events) == 0 {
		return
	}
	if err := d.cfg.Delivered(ctx, events); err != nil {
		// The periodic sweep (lifecycle.ConfirmAcknowledged) catches up.
		d.log.Error("webhook dispatch: after delivery", "n", len(events), "err", err)
	}
}

// Body is the notification an event becomes on the wire
// (syndication.Body).
func Body(ev subscription.Event) ([]byte, error) { return syndication.Body(ev) }

// deliver makes one attempt and decides what follows from it.
func (d *Dispatcher) deliver(ctx context.Context, dd store.DueDelivery) store.Result {
	now, began := d.st.Now(), time.Now() // the store's clock; latency on the monotonic one
	a := syndication.Attempt{DeliveryID: dd.ID, EndpointID: dd.Endpoint.ID, EventID: dd.Event.ID, AttemptedAt: now}
	status, header, excerpt, err := d.post(ctx, dd.Endpoint, dd.Event, now)
	a.Latency, a.StatusCode, a.Response = time.Since(began), status, excerpt
	if err != nil {
		a.Error = err.Error()
	}
	r := store.Result{Attempt: a, Event: dd.Event}
	telemetry.WebhookLatency.Observe(a.Latency.Seconds())
	outcome, wait := syndication.Classify(status, header, err, now)
	label := "retry"
	switch outcome {
	case syndication.Delivered:
		r.Delivered, label = true, "delivered"
	case syndication.Gone:
		r.Disable = "it answered 410 Gone"
		r.NextAttempt, label = now, "gone"
	case syndication.RetryAfter:
		// A receiver may ask to wait, but not forever: 429s count toward
		// disabling like any failure, once they have lasted as long as the
		// whole retry schedule.
		if failing := now.Sub(dd.FirstTryAt); failing >= syndication.Span(d.cfg.Schedule) {
			r.Disable = fmt.Sprintf("it answered 429 Too Many Requests for %s", failing.Round(time.Minute))
			r.NextAttempt, label = now, "exhausted"
		} else {
			r.NextAttempt, label = now.Add(wait), "retry_after"
		}
	default:
		if backoff, ok := syndication.Backoff(dd.Attempts+1, d.cfg.Schedule); ok {
			r.NextAttempt = now.Add(backoff)
		} else {
			r.Disable = fmt.Sprintf("every delivery attempt failed for %s", now.Sub(dd.FirstTryAt).Round(time.Minute))
			r.NextAttempt, label = now, "exhausted"
		}
	}
	telemetry.WebhookDeliveries.WithLabelValues(label).Inc()
	if !r.Delivered {
		d.log.Debug("webhook not delivered", "endpoint", dd.Endpoint.ID, "event", dd.Event.ID, "status", status, "err", err, "next", r.NextAttempt)
	}
	return r
}

// post sends one signed notification and returns the status, headers and
// the first KiB of the answer.
func (d *Dispatcher) post(ctx context.Context, e syndication.Endpoint, ev subscription.Event, now time.Time) (int, http.Header, string, error) {
	body, err := Body(ev)
	if err != nil {
		return 0, nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Mercato-Webhooks/1")
	if err := sign(req.Header, e.Secrets(now), syndication.MessageID(ev.ID), now, body); err != nil {
		return 0, nil, "", fmt.Errorf("sign: %w", err)
	}
	res, err := d.client.Do(req)
	if err != nil {
		var ue interface{ Timeout() bool }
		if errors.As(err, &ue) && ue.Timeout() {
			return 0, nil, "", fmt.Errorf("no answer within %s", d.cfg.Timeout)
		}
		return 0, nil, "", err
	}
	defer res.Body.Close()
	head := make([]byte, 1024)
	n, _ := io.ReadFull(res.Body, head)
	// Read a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, res.Header, string(bytes.ToValidUTF8(head[:n], []byte("?"))), nil
}

// SendTest posts a test event to an endpoint now and reports the answer;
// nothing is stored. The event is a Subscription MODIFIED (metadata
// test=true) naming a real subscription the endpoint receives events of
// (store.TestSubject), so a handler that fetches what an event points at,
// as Cloudesire's templates do, finds it. Without any such subscription
// nothing is sent and the attempt says why.
func (d *Dispatcher) SendTest(ctx context.Context, e syndication.Endpoint) syndication.Attempt {
	now, began := d.st.Now(), time.Now()
	id, found, err := d.st.TestSubject(ctx, e)
	if err != nil || !found {
		a := syndication.Attempt{EndpointID: e.ID, AttemptedAt: now, Error: "nothing to test with: no subscription of this endpoint's products yet (place a sandbox order first)"}
		if err != nil {
			a.Error = err.Error()
		}
		return a
	}
	ev := subscription.Event{Entity: subscription.EntitySubscription, EntityID: id, Type: subscription.EventModified, OccurredAt: now, Metadata: map[string]string{"test": "true"}}
	status, _, excerpt, err := d.post(ctx, e, ev, now)
	a := syndication.Attempt{EndpointID: e.ID, AttemptedAt: now, StatusCode: status, Latency: time.Since(began), Response: excerpt}
	if err != nil {
		a.Error = err.Error()
	}
	return a
}

// sign signs a delivery with the endpoint's secrets, newest first: both
// schemes with "whsec_" secrets; a Cloudesire secret its owner set signs
// CMW-Event-Signature only, which is all a Cloudesire receiver verifies
// (Standard Webhooks needs a "whsec_" key), and is left out of
// webhook-signature while it is the previous one.
func sign(h http.Header, secrets []string, msgID string, now time.Time, body []byte) error {
	if len(secrets) > 0 && !syndication.StandardSecret(secrets[0]) {
		h.Set(webhook.HeaderCMWSignature, webhook.SignCMW(secrets[0], body))
		return nil
	}
	return webhook.Sign(h, slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return !syndication.StandardSecret(s) }), msgID, now, body)
}
