package pricing

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// The property tests draw many random plans from a fixed seed, so a failure
// is reproducible; the failing plan is printed as JSON.

func newRand() *rand.Rand { return rand.New(rand.NewPCG(20250401, 1)) }

// randAmount returns a non-negative amount below max with up to places
// decimals.
func randAmount(r *rand.Rand, max int64, places int32) *decimal.Decimal {
	scale := decimal.New(1, places).IntPart()
	v := decimal.New(r.Int64N(max*scale), -places)
	return &v
}

func randTiers(r *rand.Rand) []Tier {
	n := 1 + r.IntN(5)
	tiers := make([]Tier, n)
	var upTo int64
	for i := range tiers {
		if i < n-1 {
			upTo += 1 + r.Int64N(50)
			tiers[i].UpTo = i64(upTo)
		}
		switch r.IntN(3) {
		case 0:
			tiers[i].UnitAmount = randAmount(r, 100, 4)
		case 1:
			tiers[i].FlatAmount = randAmount(r, 100, 2)
		default:
			tiers[i].UnitAmount = randAmount(r, 100, 4)
			tiers[i].FlatAmount = randAmount(r, 100, 2)
		}
	}
	return tiers
}

var randCurrencies = []string{"EUR", "JPY", "KWD", "USD"}

func randPlan(r *rand.Rand) Pricing {
	p := Pricing{Currency: randCurrencies[r.IntN(len(randCurrencies))], Unit: "seat"}
	switch p.Model = Models[r.IntN(len(Models))]; p.Model {
	case ModelFlat:
		p.Amount = randAmount(r, 1000, 2)
	case ModelPerUnit:
		p.UnitAmount = randAmount(r, 100, 6)
	case ModelPackage:
		p.Amount = randAmount(r, 1000, 2)
		p.PackageSize = 1 + r.Int64N(20)
	default:
		p.Tiers = randTiers(r)
	}
	if r.IntN(2) == 0 {
		p.SetupFee = randAmount(r, 500, 2)
	}
	if r.IntN(2) == 0 {
		p.Metrics = []Metric{{Name: "storage", Unit: "GB", Model: ModelGraduated, Tiers: randTiers(r)}}
	}
	return p
}

func dump(p any) string { b, _ := json.Marshal(p); return string(b) }

func TestPropertyGraduatedNeverDecreases(t *testing.T) {
	t.Parallel()
	r := newRand()
	for range 300 {
		p := Pricing{Currency: randCurrencies[r.IntN(len(randCurrencies))], Model: ModelGraduated, Tiers: randTiers(r)}
		prev := decimal.Zero
		for q := int64(1); q <= 300; q++ {
			lines, err := p.Recurring(q)
			if err != nil {
				t.Fatalf("%s: %v", dump(p), err)
			}
			total := Total(lines)
			if total.LessThan(prev) {
				t.Fatalf("%s: total at %d = %s < %s at %d", dump(p), q, total, prev, q-1)
			}
			prev = total
		}
	}
}

func TestPropertyOneTierVolumeIsPerUnit(t *testing.T) {
	t.Parallel()
	r := newRand()
	for range 300 {
		unit := randAmount(r, 100, 6)
		currency := randCurrencies[r.IntN(len(randCurrencies))]
		volume := Pricing{Currency: currency, Model: ModelVolume, Tiers: []Tier{{UnitAmount: unit}}}
		perUnit := Pricing{Currency: currency, Model: ModelPerUnit, UnitAmount: unit}
		for range 20 {
			q := 1 + r.Int64N(100_000)
			a, err1 := volume.Recurring(q)
			b, err2 := perUnit.Recurring(q)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !Total(a).Equal(Total(b)) {
				t.Fatalf("unit %s × %d %s: volume %s, per unit %s", unit, q, currency, Total(a), Total(b))
			}
		}
	}
}

func TestPropertySharesSumToTotal(t *testing.T) {
	t.Parallel()
	r := newRand()
	roles := []string{RoleDistributor, RoleReseller}
	quotes := 0
	for range 2000 {
		p := randPlan(r)
		req := QuoteRequest{
			Quantity:           1 + r.Int64N(200),
			IncludeSetup:       r.IntN(2) == 0,
			VendorID:           1,
			PlatformFeePercent: *randAmount(r, 100, 4),
		}
		if len(p.Metrics) > 0 {
			req.Usage = map[string]decimal.Decimal{"storage": *randAmount(r, 500, 3)}
		}
		for i := range r.IntN(3) {
			m := Markup{Kind: MarkupPercentage, Value: *randAmount(r, 50, 3)}
			if r.IntN(4) == 0 && (p.Model == ModelFlat || p.Model == ModelPerUnit) {
				// A fixed unit price high enough to stay above the previous
				// level (random unit prices are below 100, percentages
				// below 50%), rising along the chain.
				m = Markup{Kind: MarkupFixed, Value: *randAmount(r, 10, 2)}
				m.Value = m.Value.Add(decimal.NewFromInt(int64(2000 + 1000*i)))
			} else if r.IntN(4) == 0 {
				m = Markup{Kind: MarkupValue, Value: *randAmount(r, 20, 4)}
			}
			req.Channel = append(req.Channel, ChannelMarkup{Role: roles[i], OrganizationID: int64(10 + i), Markup: m})
		}
		q, err := p.Quote(req)
		if err != nil {
			t.Fatalf("%s %s: %v", dump(p), dump(req), err)
		}
		quotes++
		minor, _ := MinorUnits(p.Currency)
		sum := decimal.Zero
		for _, s := range q.Shares {
			if s.Amount.Sign() < 0 || !s.Amount.Equal(s.Amount.Truncate(minor)) {
				t.Fatalf("%s %s: share %+v", dump(p), dump(req), s)
			}
			sum = sum.Add(s.Amount)
		}
		if !sum.Equal(q.Total) || !Total(q.Lines).Equal(q.Total) {
			t.Fatalf("%s %s: shares %s, lines %s, total %s", dump(p), dump(req), sum, Total(q.Lines), q.Total)
		}
	}
	if quotes == 0 {
		t.Fatal("no quote was checked")
	}
}
