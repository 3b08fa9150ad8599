package coupon_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

var d = decimal.RequireFromString

// lines and shares of a period of 33.33 through a reseller: vendor 24.00,
// platform 6.00, reseller 3.33, plus a setup fee that no coupon discounts.
func sale() ([]pricing.Line, []pricing.Share) {
	return []pricing.Line{
			{Kind: pricing.KindRecurring, Amount: d("33.33")},
			{Kind: pricing.KindSetup, Amount: d("50.00")},
		}, []pricing.Share{
			{Role: pricing.RoleVendor, OrganizationID: 7, Amount: d("64.00")},
			{Role: pricing.RolePlatform, Amount: d("16.00")},
			{Role: pricing.RoleReseller, OrganizationID: 9, Amount: d("3.33")},
		}
}

func TestDiscount(t *testing.T) {
	for _, c := range []struct {
		name   string
		terms  coupon.Terms
		amount string
		shares [3]string
	}{
		// 10% of 33.33 = 3.333 → 3.33, from the reseller's margin.
		{"reseller percent", coupon.Terms{Code: "R", Kind: coupon.KindPercent, Value: d("10"), GranterRole: "reseller", GranterID: 9}, "-3.33", [3]string{"64.00", "16.00", "0.00"}},
		// 15% = 4.9995 → 5.00: beyond the reseller's margin, still its own.
		{"beyond the margin", coupon.Terms{Code: "R", Kind: coupon.KindPercent, Value: d("15"), GranterRole: "reseller", GranterID: 9}, "-5.00", [3]string{"64.00", "16.00", "-1.67"}},
		{"vendor amount", coupon.Terms{Code: "V", Kind: coupon.KindAmount, Value: d("5"), Currency: "EUR", GranterRole: "vendor", GranterID: 7}, "-5.00", [3]string{"59.00", "16.00", "3.33"}},
		// An amount off is at most the period's price.
		{"amount capped", coupon.Terms{Code: "P", Kind: coupon.KindAmount, Value: d("100"), Currency: "EUR", GranterRole: "platform"}, "-33.33", [3]string{"64.00", "-17.33", "3.33"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines, shares := sale()
			line, out, ok, err := c.terms.Discount(lines, shares, "EUR")
			if err != nil || !ok {
				t.Fatalf("%v %v", ok, err)
			}
			if line.Kind != coupon.KindDiscount || line.Amount.StringFixed(2) != c.amount {
				t.Fatalf("line %+v, want %s", line, c.amount)
			}
			sum := decimal.Zero
			for i, s := range out {
				sum = sum.Add(s.Amount)
				if s.Amount.StringFixed(2) != c.shares[i] {
					t.Errorf("share %s %s, want %s", s.Role, s.Amount, c.shares[i])
				}
			}
			if want := pricing.Total(append(lines, line)); !sum.Equal(want) {
				t.Errorf("shares sum %s, lines %s", sum, want)
			}
			if shares[2].Amount.StringFixed(2) != "3.33" {
				t.Errorf("the quote's shares were changed")
			}
		})
	}
	lines, shares := sale()
	if _, _, _, err := (coupon.Terms{Code: "X", Kind: coupon.KindPercent, Value: d("10"), GranterRole: "distributor", GranterID: 3}).Discount(lines, shares, "EUR"); err == nil {
		t.Error("a granter outside the sale bore a discount")
	}
}

func TestLasts(t *testing.T) {
	for _, c := range []struct {
		terms coupon.Terms
		used  int
		want  bool
	}{
		{coupon.Terms{Duration: coupon.Once}, 0, true},
		{coupon.Terms{Duration: coupon.Once}, 1, false},
		{coupon.Terms{Duration: coupon.Repeating, Periods: 3}, 2, true},
		{coupon.Terms{Duration: coupon.Repeating, Periods: 3}, 3, false},
		{coupon.Terms{Duration: coupon.Forever}, 1000, true},
	} {
		if got := c.terms.Lasts(c.used); got != c.want {
			t.Errorf("%s %d after %d: %v", c.terms.Duration, c.terms.Periods, c.used, got)
		}
	}
}

func TestCheck(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	base := coupon.Coupon{Code: "C", Kind: coupon.KindPercent, Value: d("10"), Duration: coupon.Once, Active: true, GranterKind: mercato.KindReseller, GranterID: 9}
	sale := coupon.Sale{ProductID: 1, PlanID: 2, VendorID: 7, Currency: "EUR", Channel: []pricing.ChannelMarkup{{Role: "reseller", OrganizationID: 9}}}
	if err := base.Check(sale, now); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*coupon.Coupon){
		"inactive":      func(c *coupon.Coupon) { c.Active = false },
		"expired":       func(c *coupon.Coupon) { c.ExpiresAt = now },
		"used up":       func(c *coupon.Coupon) { c.MaxRedemptions, c.Redemptions = 2, 2 },
		"other product": func(c *coupon.Coupon) { c.ProductIDs = []int64{3} },
		"other plan":    func(c *coupon.Coupon) { c.PlanIDs = []int64{3} },
		"other channel": func(c *coupon.Coupon) { c.GranterID = 10 },
		"other vendor":  func(c *coupon.Coupon) { c.GranterKind, c.GranterID = mercato.KindVendor, 8 },
		"other currency": func(c *coupon.Coupon) {
			c.Kind, c.Currency = coupon.KindAmount, "USD"
		},
	} {
		c := base
		mod(&c)
		err := c.Check(sale, now)
		if f := mercato.Fields(err); len(f) != 1 || f[0].Path != "coupon" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
