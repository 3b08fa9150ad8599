package mercato

// Page asks for one page of a list ordered by id: the rows after an id, at
// most Limit of them.
type Page struct {
	After int64 // return rows with an id greater than this
	Limit int   // at most this many (default 50, at most 200)
}

// Size is the number of rows the page holds at most: Limit within 1 to
// 200, 50 when unset.
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
}
