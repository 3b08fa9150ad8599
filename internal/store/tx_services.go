package store

import (
	"context"
	"fmt"
)

// TxFunc adapts [Store.InTx] to an application service that sees the
// transaction through its own interface T, which *Tx implements:
//
//	billingrun.New(st, store.TxFunc[billingrun.Tx](st))
func TxFunc[T any](s *Store) func(context.Context, func(T) error) error {
	return func(ctx context.Context, fn func(T) error) error {
		return s.InTx(ctx, func(tx *Tx) error {
			t, ok := any(tx).(T)
			if !ok {
				var want T
				return fmt.Errorf("store.Tx does not implement %T", &want)
			}
			return fn(t)
		})
	}
}
