package store

import (
	"context"
	"time"
)

// Tx is one database transaction handed to the application services
// (internal/ordering, internal/lifecycle, internal/billingrun, …): every
// repository method on it runs inside the transaction, so a change and the
// outbox rows it causes commit together or not at all. The events recorded
// through it wake the dispatcher once it commits.
//
// Each aggregate's repository methods on Tx live beside that aggregate's
// queries (tx_*.go); services see them through their own narrow interfaces.
type Tx struct {
	s *Store
	t *txn
}

// InTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	return s.tx(ctx, func(t *txn) error { return fn(&Tx{s: s, t: t}) })
}

// Now is the store's clock (UTC, microsecond precision), the one every
// timestamp written in the transaction uses.
func (tx *Tx) Now() time.Time { return tx.s.now() }
