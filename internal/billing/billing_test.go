package billing

import (
	"bytes"
	"compress/zlib"
	"io"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/pricing"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr(s string) *decimal.Decimal { v := d(s); return &v }

var march = Month{2026, time.March}

func TestSchedule(t *testing.T) {
	t.Parallel()
	per := pricing.Pricing{Currency: "EUR", Model: pricing.ModelPerUnit, UnitAmount: ptr("10"), SetupFee: ptr("5")}
	at := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	for _, c := range []struct {
		name           string
		sub            Subscription
		recurring, use int
		setup          bool
	}{
		{"first period", Subscription{Type: "NORMAL", Status: "DEPLOYED", Start: at("2026-03-10"), End: at("2026-04-10"), AutoRenew: true, Pricing: per}, 1, 0, true},
		{"later period", Subscription{Type: "NORMAL", Status: "DEPLOYED", Start: at("2025-01-31"), End: at("2026-04-30"), AutoRenew: true, Pricing: per}, 1, 0, false},
		{"not started", Subscription{Type: "NORMAL", Status: "DEPLOYED", Start: at("2026-04-02"), End: at("2026-05-02"), Pricing: per}, 0, 0, false},
		{"ended term, no renewal", Subscription{Type: "NORMAL", Status: "DEPLOYED", Start: at("2026-02-01"), End: at("2026-03-01"), Pricing: per}, 0, 0, false},
		{"trial", Subscription{Type: "TRIAL", Status: "PENDING", Start: at("2026-03-01"), End: at("2026-03-15"), Pricing: per}, 0, 0, false},
		{"sandbox", Subscription{Type: "SANDBOX", Status: "DEPLOYED", Start: at("2026-03-01"), End: at("2026-04-01"), Pricing: per}, 0, 0, false},
		{"terminated", Subscription{Type: "NORMAL", Status: "UNDEPLOYED", Start: at("2026-02-05"), End: at("2026-03-05"), Pricing: per}, 0, 0, false},
		{"weekly", Subscription{Type: "NORMAL", Status: "DEPLOYED", Start: at("2026-02-26"), End: at("2026-03-05"), AutoRenew: true,
			Pricing: pricing.Pricing{Currency: "EUR", Model: pricing.ModelFlat, Amount: ptr("1"), Period: "P1W"}}, 4, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			due, err := Schedule(c.sub, march)
			if err != nil {
				t.Fatal(err)
			}
			if len(due.Recurring) != c.recurring || len(due.Usage) != c.use || due.Setup != c.setup {
				t.Fatalf("due %+v", due)
			}
		})
	}
}

func TestTaxRate(t *testing.T) {
	t.Parallel()
	p := DefaultTaxPolicy()
	platform := Party{Country: "IT"}
	for _, c := range []struct {
		customer Party
		rate     string
		note     string
	}{
		{Party{Country: "DE"}, "19", ""},
		{Party{Country: "DE", VATID: "DE123456789"}, "0", NoteReverseCharge},
		{Party{Country: "IT", VATID: "IT12345678901"}, "22", ""},
		{Party{Country: "US"}, "0", NoteOutsideEU},
		{Party{}, "0", ""},
	} {
		r, n := p.Rate(platform, c.customer)
		if r.String() != c.rate || n != c.note {
			t.Errorf("%+v: %s %q", c.customer, r, n)
		}
	}
}

// TestLedgerBalances is the property test: for random plans, quantities,
// channel markups, fees and tax rates, every charge's shares add up to its
// lines, and an invoice's ledger entries balance to the cent, credit
// notes too.
func TestLedgerBalances(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	money := func(max int) string { return decimal.New(int64(rng.IntN(max*100)), -2).String() }
	q := NewQuoter()
	for i := range 2000 {
		var p pricing.Pricing
		switch rng.IntN(3) {
		case 0:
			p = pricing.Pricing{Currency: "EUR", Model: pricing.ModelPerUnit, UnitAmount: ptr(decimal.New(int64(rng.IntN(1000000)), -4).String())}
		case 1:
			p = pricing.Pricing{Currency: "EUR", Model: pricing.ModelGraduated, Tiers: []pricing.Tier{{UpTo: new(int64(5)), UnitAmount: ptr(money(50))}, {UnitAmount: ptr(money(30))}}}
		default:
			p = pricing.Pricing{Currency: "JPY", Model: pricing.ModelFlat, Amount: ptr(money(900))}
		}
		if rng.IntN(2) == 0 {
			p.SetupFee = ptr(money(100))
		}
		p.Metrics = []pricing.Metric{{Name: "calls", Unit: "call", Model: pricing.ModelPerUnit, UnitAmount: ptr("0.0013")}}
		ch := Channel{VendorID: 1, FeePercent: decimal.New(int64(rng.IntN(4000)), -2)}
		for _, role := range []string{pricing.RoleDistributor, pricing.RoleReseller} {
			if rng.IntN(3) > 0 {
				ch.Markups = append(ch.Markups, pricing.ChannelMarkup{Role: role, OrganizationID: int64(rng.IntN(9) + 2),
					Markup: pricing.Markup{Kind: pricing.MarkupPercentage, Value: decimal.New(int64(rng.IntN(5000)), -2)}})
			}
		}
		start := time.Date(2026, 3, 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC)
		s := Subscription{ID: int64(i), PlanID: int64(i), Type: "NORMAL", Status: "DEPLOYED", AutoRenew: true, Quantity: int64(rng.IntN(40) + 1),
			Start: start.AddDate(0, -1, 0), End: start.AddDate(0, 1, 0), Pricing: p}
		due, err := Schedule(s, march)
		if err != nil {
			t.Fatal(err)
		}
		usage := map[int64]map[string]decimal.Decimal{}
		for _, w := range due.Usage {
			usage[w.From.Unix()] = map[string]decimal.Decimal{"calls": decimal.New(int64(rng.IntN(100000)), -1)}
		}
		newPlan := p
		changes := []Change{{OrderID: 1, At: start.Add(time.Duration(rng.IntN(500)) * time.Hour), OldPlan: p, OldQty: s.Quantity, NewPlan: newPlan, NewQty: s.Quantity + int64(rng.IntN(9)+1)}}
		charges, err := q.Charges(s, ch, due, changes, usage)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		for _, c := range charges {
			sum := decimal.Zero
			for _, sh := range c.Shares {
				sum = sum.Add(sh.Amount)
			}
			if !sum.Equal(c.Total()) {
				t.Fatalf("case %d %s: shares %s, lines %s", i, c.Kind, sum, c.Total())
			}
		}
		inv := Assemble(Invoice{Currency: p.Currency, Customer: Party{ID: 5}, Issuer: Party{ID: 1}}, charges, decimal.New(int64(rng.IntN(2700)), -2), "")
		if !Balanced(Entries(inv)) {
			t.Fatalf("case %d: unbalanced %+v", i, Entries(inv))
		}
		inv.ID, inv.Status = 9, StatusIssued
		cn, err := CreditNote(inv, "")
		if err != nil || !Balanced(Entries(cn)) || !cn.Total.Equal(inv.Total.Neg()) {
			t.Fatalf("case %d: credit note %v", i, err)
		}
	}
}

// pdfText returns the text shown by a PDF's (Flate-compressed) content
// streams, joined: a minimal, pure-Go check that the document parses and
// says what it should.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.Contains(b, []byte("xref")) || !bytes.HasSuffix(bytes.TrimSpace(b), []byte("%%EOF")) {
		t.Fatalf("not a PDF: %.60q", b)
	}
	streams := regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`).FindAllSubmatch(b, -1)
	shown := regexp.MustCompile(`\(((?:\\.|[^\\)])*)\) ?Tj`)
	var out bytes.Buffer
	for _, s := range streams {
		r, err := zlib.NewReader(bytes.NewReader(s[1]))
		if err != nil {
			continue // fonts and images are not text
		}
		content, err := io.ReadAll(r)
		if err != nil {
			continue
		}
		for _, m := range shown.FindAllSubmatch(content, -1) {
			out.Write(m[1])
			out.WriteByte('\n')
		}
	}
	return out.String()
}

func TestInvoicePDF(t *testing.T) {
	t.Parallel()
	issued := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	due := issued.AddDate(0, 0, 14)
	charges := []Charge{{SubscriptionID: 7, Kind: pricing.KindRecurring, PeriodStart: issued, PeriodEnd: issued.AddDate(0, 1, 0),
		Lines:  []pricing.Line{{Description: "Seats (2026-03-01 – 2026-04-01): 3 seat × 10.00", Quantity: d("3"), UnitAmount: d("10"), Amount: d("30.00")}},
		Shares: []pricing.Share{{Role: "vendor", OrganizationID: 2, Amount: d("24")}, {Role: "platform", Amount: d("6")}}}}
	inv := Assemble(Invoice{ID: 1, Currency: "EUR", Period: "2026-03", Issuer: Party{ID: 1, Name: "Mercato Srl", Country: "IT"},
		Customer: Party{ID: 5, Name: "Acme GmbH", Country: "DE", VATID: "DE123456789"}}, charges, decimal.Zero, NoteReverseCharge)
	inv.Number, inv.Status, inv.IssuedAt, inv.DueAt, inv.CreatedAt = "INV-2026-000001", StatusIssued, &issued, &due, issued
	var b bytes.Buffer
	if err := WritePDF(&b, inv); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, b.Bytes())
	for _, want := range []string{"INVOICE", "INV-2026-000001", "Acme GmbH", "Subtotal", "Total EUR", "30.00", "Reverse charge", "2026-03-15"} {
		if !bytes.Contains([]byte(text), []byte(want)) {
			t.Errorf("the PDF does not show %q:\n%s", want, text)
		}
	}
	var c bytes.Buffer
	if err := WriteCSV(&c, inv); err != nil || !bytes.Contains(c.Bytes(), []byte("total")) {
		t.Fatalf("csv %v %s", err, c.String())
	}
}
