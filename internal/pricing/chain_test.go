package pricing_test

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

func TestChannelPricesMarkups(t *testing.T) {
	ten := &pricing.Markup{Kind: pricing.MarkupPercentage, Value: decimal.NewFromInt(10)}
	reseller := &pricing.ChannelParty{OrganizationID: 3, Kind: mercato.KindReseller, Markup: ten}
	for _, c := range []struct {
		name       string
		prices     pricing.ChannelPrices
		resellerID int64
		want       string // the markups, or the error's field path
	}{
		{"sold directly", pricing.ChannelPrices{}, 0, "[]"},
		{"no such reseller", pricing.ChannelPrices{}, 9, "reseller_id"},
		{"not a reseller", pricing.ChannelPrices{Reseller: &pricing.ChannelParty{OrganizationID: 4, Kind: mercato.KindCustomer}}, 4, "reseller_id"},
		{"reseller without a price sells at the price it buys at", pricing.ChannelPrices{Reseller: &pricing.ChannelParty{OrganizationID: 3, Kind: mercato.KindReseller}}, 0, "[reseller 3 percentage 0]"},
		{"distributor first", pricing.ChannelPrices{Reseller: reseller, Distributor: &pricing.ChannelParty{OrganizationID: 2, Kind: mercato.KindDistributor}}, 3,
			"[distributor 2 percentage 0 reseller 3 percentage 10]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.prices.Markups(c.resellerID)
			if err != nil {
				if fs := mercato.Fields(err); mercato.ErrorCode(err) != mercato.EINVALID || len(fs) != 1 || fs[0].Path != c.want {
					t.Fatalf("Markups: %v, want %s", err, c.want)
				}
				return
			}
			var parts []any
			for _, m := range got {
				parts = append(parts, m.Role, m.OrganizationID, m.Markup.Kind, m.Markup.Value.String())
			}
			if s := fmt.Sprint(parts); s != c.want && !(c.want == "[]" && len(parts) == 0) {
				t.Fatalf("markups %s, want %s", s, c.want)
			}
		})
	}
}
