package listing

import (
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// TestPermissionTable checks the rules on their own, including the one the
// store's visibility hides today (a vendor sees no other vendor, so it
// cannot name one for a new product): the rules must hold if visibility
// ever widens.
func TestPermissionTable(t *testing.T) {
	t.Parallel()
	platform := mercato.Principal{OrgID: 1, OrgKind: mercato.KindPlatform, Role: mercato.RoleAdmin}
	vendor := mercato.Principal{OrgID: 2, OrgKind: mercato.KindVendor, Role: mercato.RoleAdmin}
	other := mercato.Principal{OrgID: 3, OrgKind: mercato.KindVendor, Role: mercato.RoleAdmin}
	customer := mercato.Principal{OrgID: 4, OrgKind: mercato.KindCustomer, Role: mercato.RoleManager}
	viewer := mercato.Principal{OrgID: 4, OrgKind: mercato.KindCustomer, Role: mercato.RoleViewer}
	reseller := mercato.Principal{OrgID: 5, OrgKind: mercato.KindReseller, Role: mercato.RoleAdmin}
	prod := catalog.Product{ID: 9, VendorID: vendor.OrgID}
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"the vendor changes its product", mayChange(vendor, prod), ""},
		{"the platform changes any product", mayChange(platform, prod), ""},
		{"another vendor may not", mayChange(other, prod), mercato.EFORBIDDEN},
		{"a customer may not", mayChange(customer, prod), mercato.EFORBIDDEN},
		{"a vendor creates for itself", mayCreateFor(vendor, vendor.OrgID), ""},
		{"the platform creates for any vendor", mayCreateFor(platform, vendor.OrgID), ""},
		{"a vendor may not create for another", mayCreateFor(other, vendor.OrgID), mercato.EFORBIDDEN},
		{"a customer's manager reviews", mayReview(customer), ""},
		{"a customer's viewer may not", mayReview(viewer), mercato.EFORBIDDEN},
		{"a vendor may not review", mayReview(vendor), mercato.EFORBIDDEN},
		{"a reseller may not review", mayReview(reseller), mercato.EFORBIDDEN},
		{"the platform may not review", mayReview(platform), mercato.EFORBIDDEN},
	} {
		if got := mercato.ErrorCode(c.err); got != c.want {
			t.Errorf("%s: %q (%v), want %q", c.name, got, c.err, c.want)
		}
	}
}
