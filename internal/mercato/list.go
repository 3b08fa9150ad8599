package mercato

// OrganizationFilter narrows a list of organizations.
type OrganizationFilter struct {
	Kind     OrgKind
	ParentID int64
}
