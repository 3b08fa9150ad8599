package mercato

// Page asks for one page of a list ordered by id. It is part of the
// shared vocabulary so that the application services can hand a
// transport's page on to their repositories without knowing the store.
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
