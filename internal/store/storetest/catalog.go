package storetest

import (
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/store"
)

// Listing is the catalog service over st, which tests create and change
// products and plans through (the store only stores them).
func Listing(st *store.Store) *listing.Service {
	return listing.New(st, store.TxFunc[listing.Tx](st))
}

// Channel is the channel service over st, which tests set price lists
// through and read earnings from.
func Channel(st *store.Store) *channel.Service {
	return channel.New(st, store.TxFunc[channel.Tx](st))
}
