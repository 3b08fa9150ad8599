package listing

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// CreateProduct creates a product for a vendor: the vendor itself (whose
// id it defaults to) or the platform may.
func (s *Service) CreateProduct(ctx context.Context, p mercato.Principal, prod catalog.Product) (catalog.Product, error) {
	if prod.Metadata == nil {
		prod.Metadata = map[string]string{}
	}
	if prod.Parameters == nil {
		prod.Parameters = []catalog.Parameter{}
	}
	if prod.VendorID == 0 && p.OrgKind == mercato.KindVendor {
		prod.VendorID = p.OrgID
	}
	if err := prod.Validate(); err != nil {
		return prod, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		// A vendor the caller cannot see is no vendor, as one that does
		// not exist: the answer tells nothing of other tenants.
		vendor, err := tx.Organization(ctx, p, prod.VendorID)
		if err != nil || vendor.Kind != mercato.KindVendor {
			return mercato.Invalid("invalid product", mercato.FieldError{Path: "vendor_id", Message: "no such vendor", Value: prod.VendorID})
		}
		if err := mayCreateFor(p, prod.VendorID); err != nil {
			return err
		}
		if err := tx.InsertProduct(ctx, &prod); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "product.create", "product", prod.ID, map[string]any{"vendor_id": prod.VendorID, "name": prod.Name, "type": prod.Type, "published": prod.Published})
	})
	if err != nil {
		return prod, fmt.Errorf("create product: %w", err)
	}
	return prod, nil
}

// ProductUpdate holds the fields a change of a product may set; nil ones
// keep their values.
type ProductUpdate struct {
	Name             *string
	Description      *string
	Published        *bool
	RequiresApproval *bool
	Metadata         *map[string]string
	Parameters       *[]catalog.Parameter
}

func (u ProductUpdate) apply(prod *catalog.Product) {
	mercato.Patch(&prod.Name, u.Name)
	mercato.Patch(&prod.Description, u.Description)
	mercato.Patch(&prod.Published, u.Published)
	mercato.Patch(&prod.RequiresApproval, u.RequiresApproval)
	mercato.Patch(&prod.Metadata, u.Metadata)
	mercato.Patch(&prod.Parameters, u.Parameters)
}

// UpdateProduct changes one of p's products (any product, for the
// platform).
func (s *Service) UpdateProduct(ctx context.Context, p mercato.Principal, id int64, u ProductUpdate) (catalog.Product, error) {
	return s.change(ctx, p, id, func(prod *catalog.Product) error {
		u.apply(prod)
		return nil
	})
}

// SetARMTemplate uploads the ARM template of one of p's arm_template
// products: the template, its parameter mapping and launch output go into
// the product's metadata, and the buyer's parameters become its checkout
// form (armproduct.Upload.Apply).
func (s *Service) SetARMTemplate(ctx context.Context, p mercato.Principal, id int64, u armproduct.Upload) (catalog.Product, error) {
	return s.change(ctx, p, id, func(prod *catalog.Product) error {
		meta, form, err := u.Apply(*prod)
		if err != nil {
			return err
		}
		prod.Metadata, prod.Parameters = meta, form
		return nil
	})
}

// change applies fn to a product p may change, validates and saves the
// result with its audit entry, in one transaction.
func (s *Service) change(ctx context.Context, p mercato.Principal, id int64, fn func(*catalog.Product) error) (catalog.Product, error) {
	var prod catalog.Product
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if prod, err = tx.Product(ctx, p, id); err != nil {
			return err
		}
		if err := mayChange(p, prod); err != nil {
			return err
		}
		if err := fn(&prod); err != nil {
			return err
		}
		if err := prod.Validate(); err != nil {
			return err
		}
		if err := tx.SaveProduct(ctx, &prod); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "product.update", "product", prod.ID, map[string]any{"name": prod.Name, "published": prod.Published, "requires_approval": prod.RequiresApproval})
	})
	if err != nil {
		return prod, fmt.Errorf("update product %d: %w", id, err)
	}
	return prod, nil
}

// DeleteProduct removes one of p's products that nobody has bought, with
// its plans; a product with subscriptions (in any status) is unpublished
// instead, so that their history keeps it.
func (s *Service) DeleteProduct(ctx context.Context, p mercato.Principal, id int64) error {
	err := s.inTx(ctx, func(tx Tx) error {
		prod, err := tx.Product(ctx, p, id)
		if err != nil {
			return err
		}
		if err := mayChange(p, prod); err != nil {
			return err
		}
		n, err := tx.ProductSubscriptions(ctx, id, 0)
		if err != nil {
			return err
		}
		if n > 0 {
			return mercato.Errorf(mercato.ECONFLICT, "product %d has %d subscriptions: unpublish it instead", id, n)
		}
		if err := tx.DeleteProduct(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "product.delete", "product", id, nil)
	})
	if err != nil {
		return fmt.Errorf("delete product %d: %w", id, err)
	}
	return nil
}
