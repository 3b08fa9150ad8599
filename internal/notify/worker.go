package notify

import (
	"context"
	"log/slog"
	"time"
)

// Notifier runs the service's batches: at once when woken (after a commit
// that recorded events: store.OnEvents), and every poll interval anyway,
// so that events committed while it was down are considered too.
type Notifier struct {
	svc      *Service
	log      *slog.Logger
	poll     time.Duration
	onQueued func()
	wake     chan struct{}
}

// NewNotifier returns the worker over svc; onQueued (may be nil) is
// called after a batch that queued messages, to wake the sender.
func NewNotifier(svc *Service, log *slog.Logger, poll time.Duration, onQueued func()) *Notifier {
	if poll <= 0 {
		poll = 5 * time.Second
	}
	if onQueued == nil {
		onQueued = func() {}
	}
	return &Notifier{svc: svc, log: log, poll: poll, onQueued: onQueued, wake: make(chan struct{}, 1)}
}

// Wake makes a waiting notifier look for events now. It never blocks.
func (n *Notifier) Wake() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run considers events until ctx ends.
func (n *Notifier) Run(ctx context.Context) error {
	t := time.NewTicker(n.poll)
	defer t.Stop()
	for {
		out, err := n.svc.NotifyAll(ctx)
		if out.Queued > 0 {
			n.onQueued()
		}
		if err != nil && ctx.Err() == nil {
			n.log.ErrorContext(ctx, "notify: a batch of events failed; it is repeated", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-n.wake:
		case <-t.C:
		}
	}
}
