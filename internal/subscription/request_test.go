package subscription_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	ok := subscription.OrderRequest{CustomerID: 1, PlanID: 2, Quantity: 3, Configuration: map[string]any{}}
	for _, c := range []struct {
		name string
		v    interface{ Validate() error }
		path string // "" when valid
	}{
		{"order", ok, ""},
		{"order at the bound", subscription.OrderRequest{CustomerID: 1, PlanID: 2, Quantity: subscription.MaxQuantity, Configuration: map[string]any{}}, ""},
		{"order of no seats", subscription.OrderRequest{CustomerID: 1, PlanID: 2, Configuration: map[string]any{}}, "quantity"},
		{"order beyond the bound", subscription.OrderRequest{CustomerID: 1, PlanID: 2, Quantity: 9_000_000_000_000_000_000, Configuration: map[string]any{}}, "quantity"},
		{"order without a plan", subscription.OrderRequest{CustomerID: 1, Quantity: 1, Configuration: map[string]any{}}, "plan_id"},
		{"order without a customer", subscription.OrderRequest{PlanID: 2, Quantity: 1, Configuration: map[string]any{}}, "customer_id"},
		{"order without a configuration", subscription.OrderRequest{CustomerID: 1, PlanID: 2, Quantity: 1}, "configuration"},
		{"renewal setting", subscription.Change{AutoRenew: ptr(false)}, ""},
		{"seats", subscription.Change{Quantity: ptr[int64](5)}, ""},
		{"no seats", subscription.Change{Quantity: ptr[int64](0)}, "quantity"},
		{"seats beyond the bound", subscription.Change{Quantity: ptr[int64](subscription.MaxQuantity + 1)}, "quantity"},
		{"plan zero", subscription.Change{PlanID: ptr[int64](0)}, "plan_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.Validate()
			if c.path == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if mercato.ErrorCode(err) != mercato.EINVALID {
				t.Fatalf("Validate = %v, want invalid", err)
			}
			fields := mercato.Fields(err)
			if len(fields) != 1 || fields[0].Path != c.path {
				t.Fatalf("field errors %+v, want one on %s", fields, c.path)
			}
		})
	}
}
