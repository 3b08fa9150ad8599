package accounts

import "github.com/mercato-market/mercato/internal/mercato"

// The permission rules of accounts, in one place. Which organizations,
// users and tokens a caller reaches at all is the store's visibility; these
// rules say what a caller may do with what it reaches.

// channelChildren is, for each kind of organization with a channel below
// it, the kind it creates there: a distributor its resellers, a reseller
// its customers. The platform creates any kind (but a second platform),
// under any parent; nobody else creates organizations.
var channelChildren = map[mercato.OrgKind]mercato.OrgKind{
	mercato.KindDistributor: mercato.KindReseller,
	mercato.KindReseller:    mercato.KindCustomer,
}

// ChildKind is the kind of organization a channel of kind k creates under
// itself (false: it creates none), so that the control panel offers only
// the form the service accepts.
func ChildKind(k mercato.OrgKind) (mercato.OrgKind, bool) {
	child, ok := channelChildren[k]
	return child, ok
}

// mayCreateOrganization decides whether p may create o. The parent of an
// organization a channel creates is the channel itself: its own when o
// names none, and no other; and, as with a change (maySetTerms), only the
// platform sets what it pays and how it buys: terms says o was sent with a
// fee or buying on account.
func mayCreateOrganization(p mercato.Principal, o *mercato.Organization, terms bool) error {
	if p.IsPlatform() {
		return nil
	}
	if child, ok := channelChildren[p.OrgKind]; !ok || child != o.Kind {
		return mercato.Errorf(mercato.EFORBIDDEN, "a %s may not create %s organizations", p.OrgKind, o.Kind)
	}
	if terms {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform sets fees and buying on account")
	}
	if o.ParentID == nil {
		o.ParentID = &p.OrgID
	}
	if *o.ParentID != p.OrgID {
		return mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: "must be your own organization"})
	}
	return nil
}

// maySetTerms decides whether p may change what an organization pays and
// how it buys (the operator's fee, buying on account): the platform only.
// Everything else of an organization whoever sees it may change.
func maySetTerms(p mercato.Principal, u OrganizationUpdate) error {
	if (u.FeePercent != nil || u.OnAccount != nil) && !p.IsPlatform() {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform sets fees and buying on account")
	}
	return nil
}

// mayManageUsers decides whether p may manage the users (and other users'
// tokens) of an organization it sees: its own admins, and admins of the
// platform or of the organizations above it in the channel.
func mayManageUsers(p mercato.Principal) error {
	if p.Role != mercato.RoleAdmin {
		return mercato.Errorf(mercato.EFORBIDDEN, "only an admin manages users and tokens")
	}
	return nil
}

// mayDeleteUser adds to mayManageUsers that nobody removes itself, so that
// an organization keeps an admin.
func mayDeleteUser(p mercato.Principal, id int64) error {
	if err := mayManageUsers(p); err != nil {
		return err
	}
	if id == p.UserID {
		return mercato.Errorf(mercato.ECONFLICT, "you cannot delete yourself")
	}
	return nil
}

// mayUpdateUser adds to mayManageUsers that an admin does not demote
// itself, so that an organization keeps an admin.
func mayUpdateUser(p mercato.Principal, id int64, u UserUpdate) error {
	if err := mayManageUsers(p); err != nil {
		return err
	}
	if u.Role != nil && *u.Role != mercato.RoleAdmin && id == p.UserID {
		return mercato.Errorf(mercato.ECONFLICT, "you cannot demote yourself")
	}
	return nil
}

// mayIssueToken decides whether p may issue a token to a user it sees:
// its own user always, another user as an admin.
func mayIssueToken(p mercato.Principal, userID int64) error {
	if userID == p.UserID {
		return nil
	}
	return mayManageUsers(p)
}
