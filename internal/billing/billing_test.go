package billing

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/pricing"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr(s string) *decimal.Decimal { v := d(s); return &v }

func TestWindowAt(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	month, _ := pricing.ParsePeriod("P1M")
	week, _ := pricing.ParsePeriod("P1W")
	for _, c := range []struct {
		anchor, at string
		p          pricing.Period
		from, to   string
	}{
		{"2026-03-10", "2026-03-10", month, "2026-03-10", "2026-04-10"},
		{"2026-03-10", "2026-04-09", month, "2026-03-10", "2026-04-10"},
		{"2026-03-10", "2026-04-10", month, "2026-04-10", "2026-05-10"},
		// Counted from the anchor: a period started on the 31st stays on month ends.
		{"2025-01-31", "2026-03-30", month, "2026-02-28", "2026-03-31"},
		{"2025-01-31", "2026-03-31", month, "2026-03-31", "2026-04-30"},
		{"2026-02-26", "2026-03-20", week, "2026-03-19", "2026-03-26"},
		{"2026-03-10", "2026-02-15", month, "2026-02-10", "2026-03-10"},
	} {
		w := WindowAt(at(c.anchor), c.p, at(c.at))
		if !w.From.Equal(at(c.from)) || !w.To.Equal(at(c.to)) {
			t.Errorf("%s from %s at %s: %s – %s, want %s – %s", c.p, c.anchor, c.at, w.From.Format("2006-01-02"), w.To.Format("2006-01-02"), c.from, c.to)
		}
	}
}

// TestPeriodIndex: the index of the period holding an instant, counted
// from the anchor (0 before it), the order a coupon counts periods in.
func TestPeriodIndex(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	month, _ := pricing.ParsePeriod("P1M")
	week, _ := pricing.ParsePeriod("P1W")
	for _, c := range []struct {
		anchor, at string
		p          pricing.Period
		want       int
	}{
		{"2026-03-10", "2026-03-10", month, 0},
		{"2026-03-10", "2026-04-09", month, 0},
		{"2026-03-10", "2026-04-10", month, 1},
		{"2025-01-31", "2026-03-30", month, 13},
		{"2025-01-31", "2026-03-31", month, 14},
		{"2026-02-26", "2026-03-20", week, 3},
		{"2026-03-10", "2026-02-15", month, 0},
	} {
		if got := PeriodIndex(at(c.anchor), c.p, at(c.at)); got != c.want {
			t.Errorf("%s from %s at %s: period %d, want %d", c.p, c.anchor, c.at, got, c.want)
		}
	}
}

// TestChanges prices changes of 10 seats at 4.00 a month (April: 720
// hours), with no channel: the difference of a period's price, prorated
// by the hours left of each window charged; nothing for a downgrade.
func TestChanges(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	april := Window{start, start.Add(720 * time.Hour)}
	may := Window{april.To, april.To.AddDate(0, 1, 0)}
	seats := pricing.Pricing{Currency: "EUR", Model: pricing.ModelPerUnit, Unit: "seat", UnitAmount: ptr("4")}
	pricier := pricing.Pricing{Currency: "EUR", Model: pricing.ModelPerUnit, Unit: "seat", UnitAmount: ptr("6")}
	cheaper := pricing.Pricing{Currency: "EUR", Model: pricing.ModelPerUnit, Unit: "seat", UnitAmount: ptr("3")}
	ch := Channel{VendorID: 1, FeePercent: d("20")}
	pr := NewPricer()
	for _, c := range []struct {
		name       string
		from, to   pricing.Pricing
		oldQ, newQ int64
		windows    []Window
		at         time.Time
		want       []string
	}{
		{"upgrade 10 → 15 with 360 of 720 hours left", seats, seats, 10, 15, []Window{april}, start.Add(360 * time.Hour), []string{"10.00"}},
		{"upgrade at the very end", seats, seats, 10, 15, []Window{april}, april.To, []string{"0.00"}},
		{"upgrade at the start pays the whole difference", seats, seats, 10, 15, []Window{april}, start, []string{"20.00"}},
		{"a window charged in advance is charged in full", seats, seats, 10, 15, []Window{april, may}, start.Add(360 * time.Hour), []string{"10.00", "20.00"}},
		{"downgrade is free now", seats, seats, 15, 10, []Window{april}, start.Add(360 * time.Hour), nil},
		{"same quantity", seats, seats, 10, 10, []Window{april}, start.Add(360 * time.Hour), nil},
		{"pricier plan: 10 × (6 − 4) over half a period", seats, pricier, 10, 10, []Window{april}, start.Add(360 * time.Hour), []string{"10.00"}},
		{"cheaper plan with more seats", seats, cheaper, 10, 11, []Window{april}, start.Add(360 * time.Hour), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, err := pr.Quote(Version{PlanID: 1, Quantity: c.oldQ, Pricing: c.from, Channel: ch}, false)
			if err != nil {
				t.Fatal(err)
			}
			to := Version{PlanID: 2, PlanName: "Seats", Quantity: c.newQ, Pricing: c.to, Channel: ch}
			after, err := pr.Quote(to, false)
			if err != nil {
				t.Fatal(err)
			}
			charges, err := Changes(7, 9, to, before, after, c.windows, c.at)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ch := range charges {
				got = append(got, ch.Total().StringFixed(2))
				sum := decimal.Zero
				for _, s := range ch.Shares {
					sum = sum.Add(s.Amount)
				}
				if !sum.Equal(ch.Total()) {
					t.Fatalf("shares %s of %s", sum, ch.Total())
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("charges %v, want %v", got, c.want)
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
		{Party{Country: "DE", VATID: "DE136695976"}, "0", NoteReverseCharge},
		{Party{Country: "DE", VATID: "DE136695977"}, "19", ""}, // a wrong check digit: no reverse charge
		{Party{Country: "DE", VATID: "not a VAT id"}, "19", ""},
		{Party{Country: "IT", VATID: "IT01234567897"}, "22", ""},
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
	pr := NewPricer()
	month, _ := pricing.ParsePeriod("P1M")
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
		anchor := time.Date(2026, 2, 1+rng.IntN(28), rng.IntN(24), 0, 0, 0, time.UTC)
		v := Version{PlanID: int64(i), PlanName: "Plan", Quantity: int64(rng.IntN(40) + 1), Pricing: p, Channel: ch}
		w := WindowAt(anchor, month, anchor.AddDate(0, 1, 0))
		charges, err := pr.Period(int64(i), v, w, rng.IntN(2) == 0)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		used, err := pr.Usage(int64(i), v, WindowAt(anchor, month, anchor), map[string]decimal.Decimal{"calls": decimal.New(int64(rng.IntN(100000)), -1)})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		charges = append(charges, used...)
		bigger := v
		bigger.Quantity += int64(rng.IntN(9) + 1)
		before, _ := pr.Quote(v, false)
		after, err := pr.Quote(bigger, false)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		changes, err := Changes(int64(i), 1, bigger, before, after, []Window{w}, w.From.Add(time.Duration(rng.IntN(500))*time.Hour))
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		charges = append(charges, changes...)
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
// says what it should. The embedded font is Identity-H encoded with
// Unicode code points as character ids (fpdf's UTF-8 fonts), so each
// shown string is UTF-16BE.
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
			out.WriteString(utf16Text(unescapePDF(m[1])))
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
		Customer: Party{ID: 5, Name: "Acme GmbH", Country: "DE", VATID: "DE136695976"}}, charges, decimal.Zero, NoteReverseCharge)
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

// unescapePDF undoes a PDF literal string's escapes (\\, \(, \), \r, \n
// and octal).
func unescapePDF(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		i++
		switch c := b[i]; {
		case c == 'r':
			out = append(out, '\r')
		case c == 'n':
			out = append(out, '\n')
		case c >= '0' && c <= '7':
			v, n := 0, 0
			for ; n < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7'; n++ {
				v, i = v*8+int(b[i]-'0'), i+1
			}
			i--
			out = append(out, byte(v))
		default:
			out = append(out, c)
		}
	}
	return out
}

// utf16Text decodes UTF-16BE (an odd length is not: it is returned as is).
func utf16Text(b []byte) string {
	if len(b)%2 != 0 {
		return string(b)
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}

// TestRefundInTheCustomersCurrency: the refund of a period sold to a
// customer billed in another currency than the plan's is in the customer's
// currency, as the period was (10 seats × 4.00 EUR at 1.10 = 44.00 USD;
// half of April's 720 hours left: -22.00 USD).
func TestRefundInTheCustomersCurrency(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	april := Window{start, start.Add(720 * time.Hour)}
	v := Version{PlanID: 1, PlanName: "Seats", Quantity: 10, Channel: Channel{VendorID: 1, FeePercent: d("20")},
		Pricing: pricing.Pricing{Currency: "EUR", Model: pricing.ModelPerUnit, Unit: "seat", UnitAmount: ptr("4")}}
	v = v.In(&pricing.ExchangeRate{Base: "EUR", Quote: "USD", Rate: d("1.10"), ValidFrom: start})
	cs, err := NewPricer().Refund(7, v, april, start.Add(360*time.Hour))
	if err != nil || len(cs) != 1 {
		t.Fatalf("refund %v %v", cs, err)
	}
	shares := decimal.Zero
	for _, s := range cs[0].Shares {
		shares = shares.Add(s.Amount)
	}
	if cs[0].Currency != "USD" || cs[0].Total().String() != "-22" || !shares.Equal(cs[0].Total()) ||
		cs[0].Converted == nil || cs[0].Converted.From != "EUR" || cs[0].Converted.Amount.String() != "-20" {
		t.Fatalf("refund %s %s, shares %v", cs[0].Currency, cs[0].Total(), cs[0].Shares)
	}
}
