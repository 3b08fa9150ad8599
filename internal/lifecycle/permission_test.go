package lifecycle

import (
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Every action of the state machine has its row in the permission table:
// a new action without one would be refused to everyone.
func TestEveryActionHasPermissions(t *testing.T) {
	for _, a := range subscription.Actions {
		if allowed[a] == 0 {
			t.Errorf("action %s: nobody may do it", a)
		}
	}
	if len(allowed) != len(subscription.Actions) {
		t.Errorf("%d permission rows for %d actions", len(allowed), len(subscription.Actions))
	}
}

func TestCapacityOf(t *testing.T) {
	sub := subscription.Subscription{ID: 1, CustomerID: 40}
	prod := catalog.Product{VendorID: 20}
	for _, c := range []struct {
		name string
		p    mercato.Principal
		want Capacity
	}{
		{"platform", mercato.Principal{OrgID: 1, OrgKind: mercato.KindPlatform, Role: mercato.RoleAdmin}, Platform},
		{"the product's vendor", mercato.Principal{OrgID: 20, OrgKind: mercato.KindVendor, Role: mercato.RoleAdmin}, Provider},
		{"another vendor", mercato.Principal{OrgID: 21, OrgKind: mercato.KindVendor, Role: mercato.RoleAdmin}, 0},
		{"distributor", mercato.Principal{OrgID: 30, OrgKind: mercato.KindDistributor, Role: mercato.RoleAdmin}, Seller},
		{"reseller", mercato.Principal{OrgID: 31, OrgKind: mercato.KindReseller, Role: mercato.RoleAdmin}, Seller},
		{"the customer", mercato.Principal{OrgID: 40, OrgKind: mercato.KindCustomer, Role: mercato.RoleAdmin}, Customer},
		{"a vendor's sandbox", mercato.Principal{OrgID: 20, OrgKind: mercato.KindVendor, Role: mercato.RoleAdmin}, Provider},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sub
			if c.name == "a vendor's sandbox" {
				s.CustomerID = 20
				c.want |= Customer
			}
			if got := CapacityOf(c.p, s, prod); got != c.want {
				t.Fatalf("CapacityOf = %b, want %b", got, c.want)
			}
		})
	}
	viewer := mercato.Principal{OrgID: 40, OrgKind: mercato.KindCustomer, Role: mercato.RoleViewer}
	if err := authorize(viewer, sub, prod, MayChange); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
		t.Fatalf("a viewer changes: %v", err)
	}
	customer := mercato.Principal{OrgID: 40, OrgKind: mercato.KindCustomer, Role: mercato.RoleManager}
	if err := authorize(customer, sub, prod, allowed[subscription.ActionApprove]); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
		t.Fatalf("a customer approves: %v", err)
	}
	if err := authorize(customer, sub, prod, allowed[subscription.ActionTerminate]); err != nil {
		t.Fatalf("a customer terminates: %v", err)
	}
}

// May and MayAct answer as the services decide: the vendor may deploy
// but not change seats, the customer the other way round, a viewer
// nothing.
func TestMay(t *testing.T) {
	sub := subscription.Subscription{ID: 1, CustomerID: 40}
	prod := catalog.Product{VendorID: 20}
	vendor := mercato.Principal{OrgID: 20, OrgKind: mercato.KindVendor, Role: mercato.RoleAdmin}
	customer := mercato.Principal{OrgID: 40, OrgKind: mercato.KindCustomer, Role: mercato.RoleAdmin}
	viewer := mercato.Principal{OrgID: 40, OrgKind: mercato.KindCustomer, Role: mercato.RoleViewer}
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"vendor changes", May(vendor, sub, prod, MayChange), false},
		{"customer changes", May(customer, sub, prod, MayChange), true},
		{"viewer changes", May(viewer, sub, prod, MayChange), false},
		{"vendor deploys", MayAct(vendor, sub, prod, subscription.ActionDeploy), true},
		{"customer deploys", MayAct(customer, sub, prod, subscription.ActionDeploy), false},
		{"unknown action", MayAct(vendor, sub, prod, subscription.Action("nothing")), false},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
}
