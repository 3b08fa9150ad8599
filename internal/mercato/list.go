package mercato

// Page is one page of a list in id order: the rows after a cursor (the
// last id of the previous page), at most Limit of them.
type Page struct {
	After int64 // return rows with an id greater than this
	Limit int   // at most this many (default 50, at most 200)
}

// Size is the number of rows the page holds at most: Limit, 50 when it is
// not set, never more than 200.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 200:
		return 200
	}
	return p.Limit
}

// OrganizationFilter narrows a list of organizations.
type OrganizationFilter struct {
	Kind     OrgKind
	ParentID int64
}
