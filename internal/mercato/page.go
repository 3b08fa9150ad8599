package mercato

// Page asks for one page of a list ordered by id. It is the domain's, not
// the store's, so that the application services can declare the list
// reads they need without importing the store.
type Page struct {
	After int64 // return rows with an id greater than this
	Limit int   // at most this many (default 50, at most 200)
}

// Size is how many rows the page holds at most: Limit, or 50 when it is
// not set, and never more than 200.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 200:
		return 200
	}
	return p.Limit
}

// NumberedPage asks for a page by number (from 1) and size, as
// Cloudesire's CMW-PageNumber and CMW-PageSize headers do.
type NumberedPage struct {
	Number, Size int
	// Sort names the field to order by ("" orders by id), one of those
	// the list takes (SortFields); Desc reverses it. Ties are in id order.
	Sort string
	Desc bool
}

// The fields numbered pages sort by, where the listed items have them.
const (
	SortID      = "id"
	SortName    = "name"
	SortEmail   = "email"
	SortCreated = "created"
	SortUpdated = "updated"
)
