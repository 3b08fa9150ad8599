package webhooks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
)

// CreateEndpoint registers an endpoint. A vendor registers its own, for
// one of its products (ProductID) or all of them; the platform registers
// platform-wide ones (every event) or, naming the vendor (OwnerID) or one
// of its products, a vendor's. The owner defaults to the caller's
// organization. Without a secret the endpoint gets a new one, which the
// answer carries; a secret the owner chose is checked by Validate. The URL must have been checked against the operator's
// URL policy by the caller.
func (s *Service) CreateEndpoint(ctx context.Context, p mercato.Principal, e syndication.Endpoint) (syndication.Endpoint, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	if e.OwnerID == 0 {
		e.OwnerID = p.OrgID
	}
	if e.Secret == "" {
		secret, err := s.newSecret()
		if err != nil {
			return e, err
		}
		e.Secret = secret
	}
	if err := s.reads.LoadSecrets(ctx); err != nil {
		return e, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if e.ProductID != nil {
			// An unseen product is not found before anything else is said.
			prod, err := tx.VisibleProduct(ctx, p, *e.ProductID)
			if err != nil {
				return err
			}
			if !p.IsPlatform() && prod.VendorID != p.OrgID {
				return mercato.Errorf(mercato.EFORBIDDEN, "product %d belongs to another vendor", prod.ID)
			}
			e.OwnerID = prod.VendorID
		}
		if p.OrgKind != mercato.KindVendor && !p.IsPlatform() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only vendors and the platform receive webhooks")
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		// A vendor sees no other vendor, so it names only itself.
		owner, err := tx.Organization(ctx, p, e.OwnerID)
		if err != nil && mercato.ErrorCode(err) != mercato.ENOTFOUND {
			return err
		}
		if err != nil || (owner.Kind != mercato.KindVendor && owner.Kind != mercato.KindPlatform) {
			return mercato.Invalid("invalid endpoint", mercato.FieldError{Path: "owner_id", Message: "no such vendor", Value: e.OwnerID})
		}
		now := tx.Now()
		e.Enabled, e.DisabledReason, e.FailingSince = true, "", time.Time{}
		e.PreviousSecret, e.PreviousUntil = "", time.Time{}
		e.CreatedAt, e.UpdatedAt = now, now
		if err := tx.InsertEndpoint(ctx, &e); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "endpoint.create", "webhook_endpoint", e.ID, map[string]any{"url": e.URL, "product_id": e.ProductID, "events": e.Events})
	})
	if err != nil {
		return e, fmt.Errorf("create endpoint: %w", err)
	}
	return e, nil
}

// change runs fn on an endpoint p may change (its owner or the platform,
// with a role that writes) in one transaction, then saves it and audits
// the change that fn names.
func (s *Service) change(ctx context.Context, p mercato.Principal, id int64, fn func(tx Tx, e *syndication.Endpoint, now time.Time) (action string, details map[string]any, err error)) (syndication.Endpoint, error) {
	var e syndication.Endpoint
	if err := s.reads.LoadSecrets(ctx); err != nil {
		return e, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if e, err = tx.Endpoint(ctx, p, id); err != nil {
			return err
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		now := tx.Now()
		action, details, err := fn(tx, &e, now)
		if err != nil {
			return err
		}
		e.UpdatedAt = now
		if err := tx.SaveEndpoint(ctx, e); err != nil {
			return err
		}
		return tx.Audit(ctx, p, action, "webhook_endpoint", id, details)
	})
	if err != nil {
		return e, fmt.Errorf("update endpoint %d: %w", id, err)
	}
	return e, nil
}

// UpdateEndpoint changes an endpoint's URL, event filter, state or secret
// (one its owner chose, such as the Cloudesire secret its receiver already
// verifies with: syndication.ValidateSecret).
// Enabling a disabled endpoint clears why it was disabled and makes
// everything that waited for it due at once; disabling it says its owner
// did, unless a reason is known already.
func (s *Service) UpdateEndpoint(ctx context.Context, p mercato.Principal, id int64, c syndication.EndpointChange) (syndication.Endpoint, error) {
	if err := c.Validate(); err != nil {
		return syndication.Endpoint{}, err
	}
	return s.change(ctx, p, id, func(tx Tx, e *syndication.Endpoint, now time.Time) (string, map[string]any, error) {
		wasEnabled := e.Enabled
		details := map[string]any{}
		if c.Secret != nil && *c.Secret != e.Secret {
			// A secret the owner sets is a rotation: the current one keeps
			// signing for RotationGrace. The audit names no secret.
			e.PreviousSecret, e.PreviousUntil, e.Secret = e.Secret, now.Add(RotationGrace), *c.Secret
			details["secret_set"] = true
		}
		mercato.Patch(&e.URL, c.URL)
		mercato.Patch(&e.Events, c.Events)
		mercato.Patch(&e.Enabled, c.Enabled)
		if e.Enabled && !wasEnabled {
			e.DisabledReason, e.FailingSince = "", time.Time{}
			if err := tx.ResumeDeliveries(ctx, id); err != nil {
				return "", nil, err
			}
		}
		if !e.Enabled && wasEnabled && e.DisabledReason == "" {
			e.DisabledReason = "disabled by its owner"
		}
		details["url"], details["events"], details["enabled"] = e.URL, e.Events, e.Enabled
		return "endpoint.update", details, nil
	})
}

// RotateSecret gives an endpoint a new signing secret, which the answer
// carries; the current one keeps signing beside it for RotationGrace (a
// secret older than that stops signing at once).
func (s *Service) RotateSecret(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error) {
	secret, err := s.newSecret()
	if err != nil {
		return syndication.Endpoint{}, err
	}
	return s.change(ctx, p, id, func(_ Tx, e *syndication.Endpoint, now time.Time) (string, map[string]any, error) {
		e.PreviousSecret, e.PreviousUntil, e.Secret = e.Secret, now.Add(RotationGrace), secret
		return "endpoint.rotate_secret", map[string]any{"previous_valid_until": e.PreviousUntil}, nil
	})
}

// DeleteEndpoint removes an endpoint and what was owed to it: its pending
// deliveries and its delivery log.
func (s *Service) DeleteEndpoint(ctx context.Context, p mercato.Principal, id int64) error {
	if err := s.reads.LoadSecrets(ctx); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.Endpoint(ctx, p, id); err != nil {
			return err
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		if err := tx.DeleteEndpoint(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "endpoint.delete", "webhook_endpoint", id, nil)
	})
	if err != nil {
		return fmt.Errorf("delete endpoint %d: %w", id, err)
	}
	return nil
}

// Endpoint returns one endpoint p sees (its own; any for the platform).
func (s *Service) Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error) {
	return s.reads.Endpoint(ctx, p, id)
}

// ListEndpoints lists the endpoints p sees (its own; all for the
// platform).
func (s *Service) ListEndpoints(ctx context.Context, p mercato.Principal, f EndpointFilter, page mercato.Page) ([]syndication.Endpoint, int64, error) {
	return s.reads.ListEndpoints(ctx, p, f, page)
}

// PointProductEndpoint returns the endpoint of a product whose URL ends in
// suffix, pointed at url and enabled, or registers one with a new secret
// the first time: the in-process receivers of the demos listen on a new
// port at every start, and keep one endpoint (and secret) across starts.
func (s *Service) PointProductEndpoint(ctx context.Context, p mercato.Principal, productID int64, suffix, url string) (syndication.Endpoint, error) {
	eps, _, err := s.reads.ListEndpoints(ctx, p, EndpointFilter{ProductID: productID}, mercato.Page{Limit: 200})
	if err != nil {
		return syndication.Endpoint{}, err
	}
	for _, e := range eps {
		if strings.HasSuffix(e.URL, suffix) {
			enabled := true
			return s.UpdateEndpoint(ctx, p, e.ID, syndication.EndpointChange{URL: &url, Enabled: &enabled})
		}
	}
	return s.CreateEndpoint(ctx, p, syndication.Endpoint{ProductID: &productID, URL: url})
}
