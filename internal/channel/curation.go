package channel

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// A distributor curates each of its resellers' catalog (issue 18): which
// products and plans the reseller may sell (catalog.Curation). The
// reseller's distributor and the platform set it; they and the reseller
// read it. A reseller of the platform is never curated. The curation
// keeps what the reseller and its customers list (internal/listing), quote
// and order (internal/ordering) and mark up (SetPrice) within it; what was
// sold before keeps running and renews.

// resellerOf reads the reseller whose curation p asks for: one p sees
// (else not found), and a reseller (else there is no catalog to curate).
func resellerOf(org mercato.Organization, err error) (mercato.Organization, error) {
	if err != nil {
		return org, err
	}
	if org.Kind != mercato.KindReseller {
		return org, mercato.NotFound("catalog of organization", strconv.FormatInt(org.ID, 10))
	}
	return org, nil
}

// mayCurate refuses p's change of a reseller's curation unless p writes
// and is the reseller's distributor or the platform.
func mayCurate(p mercato.Principal, reseller mercato.Organization) error {
	distributor := p.OrgKind == mercato.KindDistributor && reseller.ParentID != nil && *reseller.ParentID == p.OrgID
	if !p.CanWrite() || !(p.IsPlatform() || distributor) {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the reseller's distributor or the platform curates its catalog")
	}
	return nil
}

// Curation returns the curation of a reseller p sees: its distributor,
// the platform and the reseller itself read it.
func (s *Service) Curation(ctx context.Context, p mercato.Principal, resellerID int64) (catalog.Curation, error) {
	if _, err := resellerOf(s.reads.Organization(ctx, p, resellerID)); err != nil {
		return catalog.Curation{}, err
	}
	return s.reads.Curation(ctx, resellerID)
}

// SetCuration replaces a reseller's curation: everything the distributor
// sells (All) or the products and plans listed, each a published product
// or a live plan of one (else 422 naming product_ids[i] or plan_ids[i],
// nothing written). Only the reseller's distributor or the platform sets
// it, for a reseller of a distributor; a reseller outside p's view is not
// found.
func (s *Service) SetCuration(ctx context.Context, p mercato.Principal, c catalog.Curation) (catalog.Curation, error) {
	if c.ProductIDs == nil {
		c.ProductIDs = []int64{}
	}
	if c.PlanIDs == nil {
		c.PlanIDs = []int64{}
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		reseller, err := resellerOf(tx.Organization(ctx, p, c.ResellerID))
		if err != nil {
			return err
		}
		if err := mayCurate(p, reseller); err != nil {
			return err
		}
		if reseller.ParentID == nil {
			return mercato.Invalid("invalid catalog", mercato.FieldError{Path: "reseller_id", Message: "only a distributor's resellers are curated", Value: c.ResellerID})
		}
		if parent, err := tx.Organization(ctx, p, *reseller.ParentID); err != nil || parent.Kind != mercato.KindDistributor {
			return mercato.Invalid("invalid catalog", mercato.FieldError{Path: "reseller_id", Message: "only a distributor's resellers are curated", Value: c.ResellerID})
		}
		var fe mercato.FieldErrors
		for i, id := range c.ProductIDs {
			if prod, err := tx.Product(ctx, p, id); err != nil || !prod.Published {
				fe = append(fe, mercato.FieldError{Path: fmt.Sprintf("product_ids[%d]", i), Message: "no such product for sale", Value: id})
			}
		}
		for i, id := range c.PlanIDs {
			if _, prod, err := tx.Plan(ctx, p, id); err != nil || !prod.Published {
				fe = append(fe, mercato.FieldError{Path: fmt.Sprintf("plan_ids[%d]", i), Message: "no such plan for sale", Value: id})
			}
		}
		if err := fe.Err("invalid catalog"); err != nil {
			return err
		}
		if err := tx.PutCuration(ctx, c); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "catalog.curate", "organization", c.ResellerID, map[string]any{"all": c.All, "product_ids": c.ProductIDs, "plan_ids": c.PlanIDs})
	})
	if err != nil {
		return c, fmt.Errorf("set catalog: %w", err)
	}
	return c, nil
}
