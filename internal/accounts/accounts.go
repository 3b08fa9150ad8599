// Package accounts holds the use cases of accounts and their rules: who
// creates which kind of organization where (the platform any kind, a
// distributor its resellers, a reseller its customers), who changes an
// organization and its terms (fees and buying on account: the platform
// only), who manages users and API tokens (admins, never demoting or
// removing themselves), control-panel sign-in (bcrypt passwords compared
// in the same time whether or not the account exists, sessions) and
// password resets (a new link ends the older ones, a link works once and
// is checked before any bcrypt, a reset ends every session). Values are
// checked by the domain types' Validate; which rows a caller reaches at
// all is the store's visibility (scope.go). Every change is written with
// its audit entry (and, for users, its outbox event) in one transaction.
package accounts

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
)

// Reads are what the service reads outside a transaction.
type Reads interface {
	Clock() time.Time
	ListOrganizations(ctx context.Context, p mercato.Principal, f mercato.OrganizationFilter, page mercato.Page) ([]mercato.Organization, int64, error)
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	ListUsers(ctx context.Context, p mercato.Principal, orgID int64, page mercato.Page) ([]mercato.User, int64, error)
	// UserPage and OrganizationPage are the lists by numbered page, with
	// their totals.
	UserPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.User, int, error)
	OrganizationPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.Organization, int, error)
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	// SubscriberUser returns a user visible to p or, for a vendor, a
	// user of a customer subscribed to one of its products.
	SubscriberUser(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	// ListTokens lists the tokens of p's own user.
	ListTokens(ctx context.Context, p mercato.Principal) ([]mercato.Token, error)
	ListAudit(ctx context.Context, p mercato.Principal, f mercato.AuditFilter, page mercato.Page) ([]mercato.AuditEntry, int64, error)
	// UserByEmail returns the user that holds this address whoever may
	// see it (not found when there is none).
	UserByEmail(ctx context.Context, email string) (mercato.User, error)
	// PasswordHash returns the principal of the user with this email
	// and its password hash; an unknown email is an empty hash.
	PasswordHash(ctx context.Context, email string) (mercato.Principal, string, error)
	// PasswordResetUsable reports whether a reset link is unused and
	// unexpired.
	PasswordResetUsable(ctx context.Context, secret string) (bool, error)
	// IdentityPrincipal returns the principal of the user an identity
	// at a provider is linked to, false when none is.
	IdentityPrincipal(ctx context.Context, issuer, subject string) (mercato.Principal, bool, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	Now() time.Time
	// Organization returns an organization visible to p.
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	InsertOrganization(ctx context.Context, o *mercato.Organization) error
	SaveOrganization(ctx context.Context, o *mercato.Organization) error
	// User returns a user visible to p.
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	// InsertUserIfFree adds a user holding its address, or returns false
	// and writes nothing when another user holds it; a user name another
	// user has is a conflict.
	InsertUserIfFree(ctx context.Context, u *mercato.User) (bool, error)
	// InsertPendingUser adds a user, in the same statement, that does
	// not hold its address (another user does).
	InsertPendingUser(ctx context.Context, u *mercato.User) error
	// UserByEmail returns the user that holds this address whoever may
	// see it.
	UserByEmail(ctx context.Context, email string) (mercato.User, error)
	// AddressSeen reports whether a user visible to p has this address,
	// held or not.
	AddressSeen(ctx context.Context, p mercato.Principal, email string) (bool, error)
	// UserAddress returns a user's address whoever may see it, and
	// whether it holds it.
	UserAddress(ctx context.Context, userID int64) (string, bool, error)
	// ClaimAddress makes a user hold its address (a conflict when another
	// user does); ReleaseAddress lets a user's address go, keeping the user.
	ClaimAddress(ctx context.Context, userID int64) error
	ReleaseAddress(ctx context.Context, userID int64) error
	SaveUser(ctx context.Context, u *mercato.User) error
	// DeleteUser removes a user with its API tokens.
	DeleteUser(ctx context.Context, id int64) error
	InsertToken(ctx context.Context, userID int64, name, secret string) (mercato.Token, error)
	// DeleteToken revokes a token of the user (not found otherwise).
	DeleteToken(ctx context.Context, userID, id int64) error
	InsertSession(ctx context.Context, userID int64, secret string, expires time.Time) error
	DeleteExpiredSessions(ctx context.Context, userID int64) error
	DeleteSession(ctx context.Context, secret string) error
	DeleteSessions(ctx context.Context, userID int64) error
	// EndPasswordResets marks the user's unused reset links used.
	EndPasswordResets(ctx context.Context, userID int64) error
	InsertPasswordReset(ctx context.Context, userID int64, secret string, expires time.Time) error
	// UsePasswordReset marks a reset link used and returns its user, or
	// false when it is unknown, used or expired.
	UsePasswordReset(ctx context.Context, secret string) (int64, bool, error)
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	// LinkIdentity links an identity at a provider to a user (a
	// conflict when it is linked already).
	LinkIdentity(ctx context.Context, userID int64, issuer, subject string) error
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
	RecordEvent(ctx context.Context, entity string, id int64, typ string, metadata map[string]string) error
	// The outbox, for the messages the service queues itself (a reset
	// link): see ResetMail.
	notify.MailTx
}

// ResetMail queues (queue true), in tx, the message carrying a reset
// link with secret to u, valid for ttl; with queue false it does the
// same work and queues nothing (an address without an account). The
// notify service's QueuePasswordReset.
type ResetMail func(ctx context.Context, tx notify.MailTx, u mercato.User, secret string, ttl time.Duration, queue bool) error

// InviteMail queues, in tx, the invitation of a new user (or, when the
// address is another tenant's, the notice to its holder). The notify
// service's QueueInvitation.
type InviteMail func(ctx context.Context, tx notify.MailTx, in notify.Invite) error

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs the accounts use cases.
type Service struct {
	reads      Reads
	inTx       InTx
	resetMail  ResetMail
	inviteMail InviteMail
}

// Option configures the service.
type Option func(*Service)

// WithResetMail sends reset links by e-mail; without it a reset request
// makes the link and sends it nowhere.
func WithResetMail(fn ResetMail) Option { return func(s *Service) { s.resetMail = fn } }

// WithInviteMail invites new users by e-mail: a single-use link valid
// for InvitationTTL, where they set their password. Without it a new user
// has no password until a reset or SetPassword gives it one.
func WithInviteMail(fn InviteMail) Option { return func(s *Service) { s.inviteMail = fn } }

// New returns the service over its repositories.
func New(reads Reads, inTx InTx, opts ...Option) *Service {
	s := &Service{reads: reads, inTx: inTx}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ListAudit lists the audit log, oldest first: the platform sees every
// entry, anyone else the changes its own organization's users made.
func (s *Service) ListAudit(ctx context.Context, p mercato.Principal, f mercato.AuditFilter, page mercato.Page) ([]mercato.AuditEntry, int64, error) {
	return s.reads.ListAudit(ctx, p, f, page)
}
