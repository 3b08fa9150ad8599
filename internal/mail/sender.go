package mail

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Queue is the outbox as the sender sees it (*store.Store implements it).
type Queue interface {
	// Clock is the store's clock, which the schedule is kept in.
	Clock() time.Time
	// ClaimMail leases up to limit due queued messages for lease, the
	// longest waiting first; on PostgreSQL, concurrent claimers skip each
	// other's rows, and a lease that ran out makes a message due again.
	ClaimMail(ctx context.Context, limit int, lease time.Duration) ([]Message, error)
	// RecordMail records what became of a claimed message and ends its
	// lease.
	RecordMail(ctx context.Context, r Result) error
}

// Result is what became of a claimed message.
type Result struct {
	ID     int64
	Status Status // Sent, Refused, Kept; Queued: not sent, due again at RetryAt
	// Attempted counts an attempt (a message released unsent because its
	// batch ran out of time does not count one).
	Attempted bool
	RetryAt   time.Time
	Error     string
	// Notice, when set, tells the operator (a notification on the
	// platform's overview): a recipient refused for good.
	Notice string
}

// Transport sends one message with its rendered attachments; a permanent
// refusal of the recipient is a *Refusal.
type Transport interface {
	Send(ctx context.Context, m Message, files []File) error
}

// Attacher renders an attachment when its message is sent.
type Attacher func(ctx context.Context, a Attachment) (File, error)

// Config tunes a Sender; zero values take the defaults.
type Config struct {
	Batch int // messages claimed at once (default 20)
	// Lease is how long a claim lasts (default 5 minutes): longer than a
	// batch can take (it stops starting sends after a third of it) with a
	// send (each has another third).
	Lease time.Duration
	Poll  time.Duration // how often to look for due messages without a wake-up (default 5s)
	// FirstRetry is the delay after the first failure, doubled after each
	// further one up to MaxRetry (defaults 30s and an hour). A message is
	// never given up: an SMTP server that is down delays mail, it does not
	// lose it.
	FirstRetry time.Duration
	MaxRetry   time.Duration
	Attach     Attacher
}

// Sender empties the outbox through a Transport; without one it keeps
// every message for the operator to read.
type Sender struct {
	q    Queue
	t    Transport
	log  *slog.Logger
	cfg  Config
	wake chan struct{}
}

// NewSender returns the sender over q; t nil keeps messages instead of
// sending them.
func NewSender(q Queue, t Transport, log *slog.Logger, cfg Config) *Sender {
	// Zero or negative values take the defaults.
	cfg.Batch = cmp.Or(max(cfg.Batch, 0), 20)
	cfg.Lease = cmp.Or(max(cfg.Lease, 0), 5*time.Minute)
	cfg.Poll = cmp.Or(max(cfg.Poll, 0), 5*time.Second)
	cfg.FirstRetry = cmp.Or(max(cfg.FirstRetry, 0), 30*time.Second)
	cfg.MaxRetry = cmp.Or(max(cfg.MaxRetry, 0), time.Hour)
	if cfg.Attach == nil {
		cfg.Attach = func(_ context.Context, a Attachment) (File, error) {
			return File{}, fmt.Errorf("no renderer for %s attachments", a.Kind)
		}
	}
	return &Sender{q: q, t: t, log: log, cfg: cfg, wake: make(chan struct{}, 1)}
}

// Wake makes a waiting sender look for messages now. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Backoff is the delay before the next attempt after the n-th failed one.
func (s *Sender) Backoff(n int) time.Duration {
	d := s.cfg.FirstRetry
	for i := 1; i < n && d < s.cfg.MaxRetry; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxRetry)
}

// Run sends until ctx ends, then finishes the message in hand.
func (s *Sender) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "mail: send a batch", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Drain sends batches until none is due (or one fails) and returns how
// many messages it handled.
func (s *Sender) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.RunOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// RunOnce claims one batch and sends it, recording each outcome as it
// comes; it returns how many messages it handled. The batch starts no
// send once a third of its lease is spent (the rest are released unsent),
// and each send has a third at most, so that a claim never runs out while
// this process still sends under it.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	batch, err := s.q.ClaimMail(ctx, s.cfg.Batch, s.cfg.Lease)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	// What was claimed is finished even when shutdown begins meanwhile.
	work := context.WithoutCancel(ctx)
	cutoff := time.Now().Add(s.cfg.Lease / 3)
	var errs []error
	for _, m := range batch {
		r := Result{ID: m.ID, Status: Queued, RetryAt: s.q.Clock()}
		if time.Now().Before(cutoff) && ctx.Err() == nil {
			r = s.send(work, m)
		}
		if err := s.q.RecordMail(work, r); err != nil {
			errs = append(errs, fmt.Errorf("record mail %d: %w", m.ID, err))
			continue
		}
		if r.Attempted || r.Status == Kept {
			s.logResult(work, m, r)
		}
	}
	return len(batch), errors.Join(errs...)
}

// send makes one attempt at m and says what follows from it.
func (s *Sender) send(ctx context.Context, m Message) Result {
	r := Result{ID: m.ID}
	if s.t == nil {
		r.Status = Kept
		return r
	}
	r.Attempted = true
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Lease/3)
	defer cancel()
	files := make([]File, 0, len(m.Attachments))
	var err error
	for _, a := range m.Attachments {
		var f File
		if f, err = s.cfg.Attach(ctx, a); err != nil {
			err = fmt.Errorf("render attachment %s: %w", a.Name, err)
			break
		}
		files = append(files, f)
	}
	if err == nil {
		err = s.t.Send(ctx, m, files)
	}
	var refused *Refusal
	switch {
	case err == nil:
		r.Status = Sent
	case errors.As(err, &refused):
		r.Status, r.Error = Refused, err.Error()
		r.Notice = fmt.Sprintf("The mail server refused %s for good: message %d (%s) is not sent. Correct the address; the server said: %.300s",
			m.To, m.ID, m.Template, refused.Err)
	default:
		r.Status, r.Error = Queued, err.Error()
		r.RetryAt = s.q.Clock().Add(s.Backoff(m.Attempts + 1))
	}
	return r
}

// logResult logs what became of every message: to whom, which template,
// and its status (with the error and the next attempt when it failed).
func (s *Sender) logResult(ctx context.Context, m Message, r Result) {
	attrs := []any{"id", m.ID, "to", m.To, "template", m.Template, "status", string(r.Status), "attempts", m.Attempts + 1}
	switch r.Status {
	case Sent:
		s.log.InfoContext(ctx, "mail sent", attrs...)
	case Kept:
		s.log.InfoContext(ctx, "mail kept (no SMTP server configured: read it in the control panel's Outbox)", attrs[:8]...)
	case Refused:
		s.log.WarnContext(ctx, "mail refused by the SMTP server: not retried", append(attrs, "err", r.Error)...)
	default:
		s.log.WarnContext(ctx, "mail not sent: will retry", append(attrs, "err", r.Error, "retry_at", r.RetryAt)...)
	}
}
