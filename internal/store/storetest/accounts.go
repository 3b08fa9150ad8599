package storetest

import (
	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/store"
)

// Accounts is the accounts service over st, for tests and worlds that
// create organizations and users as a caller would.
func Accounts(st *store.Store) *accounts.Service {
	return accounts.New(st, store.TxFunc[accounts.Tx](st))
}
