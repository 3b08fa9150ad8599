package channel

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The operator's fee rules: its fee on a vendor's sales by vendor and
// product type (catalog.FeeRule). Only the platform reads and sets them.
// The fee of a sale is resolved when the sale is priced and kept in its
// price version with the charges (see internal/charging): a rule set now
// applies to what is sold from now on, never to a charge already written.

// mayManageFees: the fee rules are the platform's.
func mayManageFees(p mercato.Principal, write bool) error {
	if !p.IsPlatform() || (write && !p.CanWrite()) {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform's operator manages its fee rules")
	}
	return nil
}

// FeeRules lists the operator's fee rules, the default first, then by
// product type, by vendor, and by vendor and type (the platform only).
func (s *Service) FeeRules(ctx context.Context, p mercato.Principal) ([]catalog.FeeRule, error) {
	if err := mayManageFees(p, false); err != nil {
		return nil, err
	}
	rules, err := s.reads.FeeRules(ctx)
	if err != nil {
		return nil, err
	}
	rank := func(r catalog.FeeRule) int {
		switch {
		case r.IsDefault():
			return 0
		case r.VendorID == 0:
			return 1
		case r.ProductType == "":
			return 2
		}
		return 3
	}
	slices.SortFunc(rules, func(a, b catalog.FeeRule) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.VendorName, b.VendorName), cmp.Compare(a.VendorID, b.VendorID),
			cmp.Compare(slices.Index(catalog.ProductTypes, a.ProductType), slices.Index(catalog.ProductTypes, b.ProductType)))
	})
	return rules, nil
}

// SetFeeRule sets the fee of a scope (a vendor or every vendor, a product
// type or every type), replacing the rule it had (the platform's writers
// only). The rule is validated, and its vendor must be a vendor, before
// anything is written; the change is audited.
func (s *Service) SetFeeRule(ctx context.Context, p mercato.Principal, r catalog.FeeRule) (catalog.FeeRule, error) {
	if err := mayManageFees(p, true); err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if err := feeVendor(ctx, tx, p, &r); err != nil {
			return err
		}
		if err := tx.PutFeeRule(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "fee_rule.set", "organization", r.VendorID, map[string]any{"vendor_id": r.VendorID,
			"product_type": string(r.ProductType), "percent": r.Percent.String()})
	})
	if err != nil {
		return r, fmt.Errorf("set fee rule: %w", err)
	}
	return r, nil
}

// DeleteFeeRule removes the rule of a scope, so that the next less
// specific one applies to new sales (the platform's writers only). The
// default rule is changed, never removed; a scope without a rule is not
// found.
func (s *Service) DeleteFeeRule(ctx context.Context, p mercato.Principal, vendorID int64, productType catalog.ProductType) error {
	if err := mayManageFees(p, true); err != nil {
		return err
	}
	r := catalog.FeeRule{VendorID: vendorID, ProductType: productType}
	if r.IsDefault() {
		return mercato.Invalid("invalid fee rule", mercato.FieldError{Path: "vendor_id", Message: "the default rule is changed, not removed"})
	}
	if err := r.Validate(); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		found, err := tx.DeleteFeeRule(ctx, vendorID, productType)
		if err != nil {
			return err
		}
		if !found {
			return mercato.Errorf(mercato.ENOTFOUND, "no fee rule for that vendor and product type")
		}
		return tx.Audit(ctx, p, "fee_rule.delete", "organization", vendorID, map[string]any{"vendor_id": vendorID, "product_type": string(productType)})
	})
	if err != nil {
		return fmt.Errorf("delete fee rule: %w", err)
	}
	return nil
}

// feeVendor checks that a rule's vendor is a vendor and fills in its name.
func feeVendor(ctx context.Context, tx Tx, p mercato.Principal, r *catalog.FeeRule) error {
	if r.VendorID == 0 {
		return nil
	}
	org, err := tx.Organization(ctx, p, r.VendorID)
	if mercato.ErrorCode(err) == mercato.ENOTFOUND {
		return mercato.Invalid("invalid fee rule", mercato.FieldError{Path: "vendor_id", Message: "no such vendor", Value: r.VendorID})
	}
	if err != nil {
		return err
	}
	if org.Kind != mercato.KindVendor {
		return mercato.Invalid("invalid fee rule", mercato.FieldError{Path: "vendor_id", Message: "is not a vendor", Value: r.VendorID})
	}
	r.VendorName = org.Name
	return nil
}
