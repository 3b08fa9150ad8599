package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Store is what the pruner needs of storage: the policy, and deletions of
// at most limit of the oldest rows before a cutoff, each in a short
// transaction of its own.
type Store interface {
	RetentionPolicy(ctx context.Context) (Policy, error)
	PruneDeliveries(ctx context.Context, before time.Time, limit int) (int64, error)
	PruneAttempts(ctx context.Context, before time.Time, limit int) (int64, error)
	PruneEvents(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Pruner deletes what the policy no longer keeps, a batch at a time, so
// that no lock is held long and writers (orders, the dispatcher) go on.
type Pruner struct {
	st  Store
	log *slog.Logger
	// Now is the clock the cutoffs are taken from (tests inject it).
	Now func() time.Time
	// Batch is the rows deleted in one statement at most (default 500).
	Batch int
	// Every is how often Run prunes (default an hour).
	Every time.Duration
	// Pause is how long to wait between batches, leaving the database to
	// other writers (default 10ms; none when not positive).
	Pause time.Duration
}

// NewPruner returns a pruner over st with the defaults.
func NewPruner(st Store, log *slog.Logger) *Pruner {
	return &Pruner{st: st, log: log, Now: time.Now, Batch: 500, Every: time.Hour, Pause: 10 * time.Millisecond}
}

// Pruned counts the rows one pass deleted.
type Pruned struct {
	Deliveries, Attempts, Events int64
}

// Once deletes everything past the policy's cutoffs: delivered deliveries
// first (their attempts with them), then attempts, then events no longer
// referred to.
func (p *Pruner) Once(ctx context.Context) (Pruned, error) {
	policy, err := p.st.RetentionPolicy(ctx)
	if err != nil {
		return Pruned{}, err
	}
	cut := policy.Cutoffs(p.Now())
	var out Pruned
	for _, step := range []struct {
		n      *int64
		before time.Time
		prune  func(context.Context, time.Time, int) (int64, error)
	}{
		{&out.Deliveries, cut.Deliveries, p.st.PruneDeliveries},
		{&out.Attempts, cut.Attempts, p.st.PruneAttempts},
		{&out.Events, cut.Events, p.st.PruneEvents},
	} {
		for {
			n, err := step.prune(ctx, step.before, p.Batch)
			*step.n += n
			if err != nil {
				return out, err
			}
			if n < int64(p.Batch) {
				break
			}
			if err := p.pause(ctx); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func (p *Pruner) pause(ctx context.Context) error {
	if p.Pause <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(p.Pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run prunes at once, then every p.Every, until ctx ends.
func (p *Pruner) Run(ctx context.Context) error {
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		n, err := p.Once(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			p.log.Error("retention: prune", "err", fmt.Errorf("after %+v: %w", n, err))
		case n != Pruned{}:
			p.log.Info("retention: pruned", "deliveries", n.Deliveries, "attempts", n.Attempts, "events", n.Events)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
