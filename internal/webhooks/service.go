// Package webhooks holds the use cases of webhook endpoints and their
// deliveries: a vendor registers endpoints for one of its products or all
// of them, the platform for every event or for any vendor; an endpoint is
// changed, disabled, re-enabled (what waited for it is sent at once), given
// a new secret (the old one keeps signing for RotationGrace) or deleted by
// its owner or the platform; its delivery log is read and its deliveries
// replayed. Who sees which endpoint is the store's scope (the owner's, or
// every one for the platform); the decisions are here, over repository
// interfaces the service declares. internal/syndication holds the domain
// types and their validation; internal/dispatch delivers.
package webhooks

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// RotationGrace is how long an old secret keeps signing after a rotation,
// so a receiver can switch its verifier over without losing events.
const RotationGrace = 24 * time.Hour

// EndpointFilter narrows a list of endpoints.
type EndpointFilter struct {
	ProductID int64
}

// AttemptFilter narrows the delivery log.
type AttemptFilter struct {
	EndpointID int64
	EventID    int64
}

// EventFilter narrows a list of events.
type EventFilter struct {
	Entity   string
	EntityID int64
}

// Reads are what the service reads outside a transaction. Every read on a
// caller's behalf sees only what the caller may see.
type Reads interface {
	// LoadSecrets loads (or the first time generates) the keys that seal
	// endpoint secrets; it may write, so it runs before a transaction.
	LoadSecrets(ctx context.Context) error
	Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error)
	ListEndpoints(ctx context.Context, p mercato.Principal, f EndpointFilter, page mercato.Page) ([]syndication.Endpoint, int64, error)
	// ListAttempts lists delivery attempts, newest first.
	ListAttempts(ctx context.Context, p mercato.Principal, f AttemptFilter, page mercato.Page) ([]syndication.Attempt, int64, error)
	ListEvents(ctx context.Context, p mercato.Principal, f EventFilter, page mercato.Page) ([]subscription.Event, int64, error)
	// DeliveryCounts counts every pending and delivered delivery.
	DeliveryCounts(ctx context.Context) (pending, delivered int64, err error)
	// Deliveries is where each endpoint's deliveries stand, by endpoint id
	// (an endpoint never tried with nothing waiting may be absent).
	Deliveries(ctx context.Context) (map[int64]Delivery, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	Now() time.Time
	// Organization returns an organization visible to p.
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	// VisibleProduct returns a product visible to p.
	VisibleProduct(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	// Endpoint returns an endpoint visible to p, its secrets opened.
	Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error)
	// InsertEndpoint saves a new endpoint (its secret sealed) and sets its id.
	InsertEndpoint(ctx context.Context, e *syndication.Endpoint) error
	// SaveEndpoint saves an endpoint's fields (its secrets sealed).
	SaveEndpoint(ctx context.Context, e syndication.Endpoint) error
	// ResumeDeliveries makes an endpoint's pending deliveries due now,
	// their attempts counted anew.
	ResumeDeliveries(ctx context.Context, endpointID int64) error
	// DeleteEndpoint deletes an endpoint, its deliveries and its log.
	DeleteEndpoint(ctx context.Context, id int64) error
	// ReplayDeliveries makes the deliveries to an endpoint that r names
	// pending and due now, and returns how many there were.
	ReplayDeliveries(ctx context.Context, endpointID int64, r syndication.Replay) (int64, error)
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service keeps webhook endpoints and their deliveries.
type Service struct {
	reads     Reads
	inTx      InTx
	newSecret func() (string, error)
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service {
	return &Service{reads: reads, inTx: inTx, newSecret: webhook.NewSecret}
}

// mayWrite refuses the roles that only read.
func mayWrite(p mercato.Principal) error {
	if !p.CanWrite() {
		return mercato.Errorf(mercato.EFORBIDDEN, "your role may not change webhook endpoints")
	}
	return nil
}
