package listing

import (
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Who may change the catalog. Visibility comes first (the store's reads):
// a product p cannot see is not found; a product p sees but may not change
// is forbidden.

// mayChange refuses p's change of a product (its details, its plans, its
// ARM template) unless p is its vendor or the platform.
func mayChange(p mercato.Principal, prod catalog.Product) error {
	if !p.IsPlatform() && prod.VendorID != p.OrgID {
		return mercato.Errorf(mercato.EFORBIDDEN, "product %d belongs to another vendor", prod.ID)
	}
	return nil
}

// mayCreateFor refuses p's new product for vendorID unless p is that
// vendor or the platform.
func mayCreateFor(p mercato.Principal, vendorID int64) error {
	if !p.IsPlatform() && p.OrgID != vendorID {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the vendor or the platform creates its products")
	}
	return nil
}

// mayReview refuses p's review unless p is an admin or manager of a
// customer (whether the customer bought the product is checked against its
// subscriptions).
func mayReview(p mercato.Principal) error {
	if p.OrgKind != mercato.KindCustomer || !p.CanWrite() {
		return mercato.Errorf(mercato.EFORBIDDEN, "only a customer's admins and managers review products")
	}
	return nil
}
