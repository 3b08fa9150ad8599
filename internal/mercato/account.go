package mercato

import (
	"context"
	"regexp"
	"time"
)

// OrgKind is the role an organization plays in the channel.
type OrgKind string

// Organization kinds.
const (
	KindPlatform    OrgKind = "platform"
	KindVendor      OrgKind = "vendor"
	KindDistributor OrgKind = "distributor"
	KindReseller    OrgKind = "reseller"
	KindCustomer    OrgKind = "customer"
)

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool {
	switch k {
	case KindPlatform, KindVendor, KindDistributor, KindReseller, KindCustomer:
		return true
	}
	return false
}

// ParentKinds lists the kinds an organization of kind k may belong to;
// an empty parent means the platform itself.
func (k OrgKind) ParentKinds() []OrgKind {
	switch k {
	case KindReseller:
		return []OrgKind{KindDistributor}
	case KindCustomer:
		return []OrgKind{KindReseller}
	}
	return nil
}

// Organization is a company on the marketplace.
type Organization struct {
	ID       int64
	Kind     OrgKind
	Name     string
	ParentID *int64 // distributor of a reseller, reseller of a customer
	Email    string
	Country  string // ISO 3166-1 alpha-2
	Currency string // ISO 4217, the currency it is billed in
	VATID    string
	// Address is where the organization is established, printed on the
	// invoices it receives (its country is Country). Optional.
	Address   Address
	OnAccount bool // buys on account: orders are cleared for provisioning at once
	// FeePercent is a vendor's own fee rule: the operator's fee on its
	// sales, in percent; empty: the operator's rules by product type, else
	// their default (catalog.FeeRules).
	FeePercent string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Address is a postal address; its country is the organization's.
type Address struct {
	Line       string `json:"line,omitempty"`
	City       string `json:"city,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
}

// Role is a user's role inside its organization.
type Role string

// Roles, from most to least powerful.
const (
	RoleAdmin   Role = "admin"   // everything, including users and tokens
	RoleManager Role = "manager" // everything but users and tokens
	RoleViewer  Role = "viewer"  // read only
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleManager || r == RoleViewer }

// User is a person (or an automation) acting for an organization.
type User struct {
	ID             int64
	OrganizationID int64
	Email          string
	Name           string
	Role           Role
	// Language is the language of the user's e-mail (one of
	// UserLanguages; empty when new: the default, English).
	Language string
	// UserName is an optional name to sign in with beside the e-mail (3 to
	// 64 letters, digits, '.', '_', '-'; no '@'), unique whatever the case.
	UserName string
	// Invited is true until the user sets a password through the link
	// of its invitation (read from the store; never written).
	Invited   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// userNameRE is the form of a user name: no '@', so that none reads as an
// e-mail.
var userNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$`)

// ValidUserName reports whether name is a well-formed user name.
func ValidUserName(name string) bool { return userNameRE.MatchString(name) }

// UserLanguages are the languages a user can choose for its e-mail and
// the control panel; the first is the default.
var UserLanguages = []string{"en", "it"}

// Token is an API token; its secret is shown once, at creation, and stored hashed.
type Token struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // the first characters of the secret, to recognise it
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// Principal is the authenticated caller of an operation.
type Principal struct {
	UserID  int64
	OrgID   int64
	OrgKind OrgKind
	Role    Role
}

// IsPlatform reports whether the caller acts for the operator.
func (p Principal) IsPlatform() bool { return p.OrgKind == KindPlatform }

// CanWrite reports whether the caller's role may change data.
func (p Principal) CanWrite() bool { return p.Role == RoleAdmin || p.Role == RoleManager }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
