package billing

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// euInvoice is an issued invoice of two lines from an Italian seller with
// its address and payment instructions to customer.
func euInvoice(customer Party) Invoice {
	issued := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	due := issued.AddDate(0, 0, 30)
	seller := Seller{LegalName: "Mercato S.r.l.", Country: "IT", VATID: "IT01234567897",
		Address: mercato.Address{Line: "Via Roma 1", City: "Milano", PostalCode: "20121"}, PaymentInstructions: "Bank transfer\nIBAN IT60 X054 2811 1010 0000 0123 456"}
	charges := []Charge{
		{SubscriptionID: 7, Kind: pricing.KindRecurring, PeriodStart: issued, PeriodEnd: issued.AddDate(0, 1, 0), Product: "Mail Pro", Plan: "Business",
			Lines: []pricing.Line{{Description: "Seats (2026-03-01 – 2026-04-01): 3 seat × 10.00 — Ελληνικά, Łódź, a long description that wraps over more than one line of the table " + strings.Repeat("x", 90),
				Quantity: d("3"), UnitAmount: d("10"), Amount: d("30.00")}},
			Shares: []pricing.Share{{Role: "vendor", OrganizationID: 2, Amount: d("24")}, {Role: "platform", Amount: d("6")}}},
		{SubscriptionID: 8, Kind: pricing.KindRecurring, PeriodStart: issued, PeriodEnd: issued.AddDate(0, 1, 0), Product: "Backup", Version: `{"plan_id":3,"plan_name":"Basic 100 GB"}`, Plan: "Renamed",
			Lines:  []pricing.Line{{Description: "Storage", Quantity: d("1"), UnitAmount: d("10.01"), Amount: d("10.01")}},
			Shares: []pricing.Share{{Role: "vendor", OrganizationID: 3, Amount: d("8.01")}, {Role: "platform", Amount: d("2")}}},
	}
	inv := Assemble(Invoice{ID: 1, Currency: "EUR", Period: "2026-03", Issuer: seller.Issuer(mercato.Organization{ID: 1, Name: "platform"}), Customer: customer},
		charges, d("22"), "")
	inv.Number, inv.Status, inv.IssuedAt, inv.DueAt, inv.CreatedAt = "INV-2026-000001", StatusIssued, &issued, &due, issued
	return inv
}

// TestPDFUnicodeNames renders invoices for customers named in Polish,
// Czech, Romanian and Greek and reads the names back from the PDF: from
// its content streams (always), and through poppler's pdftotext, which
// maps glyphs back with the font's ToUnicode table (when installed;
// required under CI).
func TestPDFUnicodeNames(t *testing.T) {
	t.Parallel()
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil && os.Getenv("CI") != "" {
		t.Fatal("pdftotext (poppler-utils) is required under CI")
	}
	for _, name := range []string{"Łódź Żółć sp. z o.o.", "Příliš žluťoučký kůň s.r.o.", "Ștefan Țurcanu SRL", "Αθηνά Παπαδοπούλου"} {
		addr := &mercato.Address{Line: "ulica Świętokrzyska 12", City: "Kraków", PostalCode: "30-001"}
		inv := euInvoice(Party{ID: 5, Name: name, Country: "PL", Address: addr})
		var b bytes.Buffer
		if err := WritePDF(&b, inv); err != nil {
			t.Fatal(err)
		}
		want := []string{name, "Mercato S.r.l.", "Via Roma 1", "20121 Milano", "VAT IT01234567897", "ulica Świętokrzyska 12", "30-001 Kraków",
			"Mail Pro · Business", "Backup · Basic 100 GB", "Seats (2026-03-01 – 2026-04-01): 3 seat × 10.00 —", "Ελληνικά, Łódź, a long description", "Payment terms: 30 days, due on 2026-03-31", "IBAN IT60 X054 2811 1010 0000 0123 456"}
		text := pdfText(t, b.Bytes())
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("the PDF's content does not show %q:\n%s", w, text)
			}
		}
		if pdftotext == "" {
			continue
		}
		cmd := exec.Command(pdftotext, "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(b.Bytes())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		for _, w := range []string{name, "ulica Świętokrzyska 12", "Mail Pro · Business"} {
			if !strings.Contains(string(out), w) {
				t.Errorf("pdftotext does not read %q:\n%s", w, out)
			}
		}
	}
}

func TestPartialCreditNotes(t *testing.T) {
	t.Parallel()
	inv := euInvoice(Party{ID: 5, Name: "Acme", Country: "IT"})
	if inv.Total.String() != "48.81" { // 40.01 + 8.80 (30 × 22% = 6.60, 10.01 × 22% = 2.2022 → 2.20)
		t.Fatalf("total %s", inv.Total)
	}
	var notes []Invoice
	credit := func(r CreditRequest) (Invoice, error) {
		cn, err := PartialCreditNote(inv, notes, r)
		if err == nil {
			if !Balanced(Entries(cn)) {
				t.Fatalf("credit note %+v does not balance", cn)
			}
			notes = append(notes, cn)
		}
		return cn, err
	}
	// The second line only.
	cn, err := credit(CreditRequest{Lines: []int{2}, Reason: "unused"})
	if err != nil || cn.Total.String() != "-12.21" || len(cn.Lines) != 1 || cn.Lines[0].Product != "Backup" || cn.Lines[0].Ref != "invoice:1:2" {
		t.Fatalf("line credit %v %+v", err, cn)
	}
	// A line is credited once.
	if _, err := credit(CreditRequest{Lines: []int{2}}); fieldOf(err) != "lines" {
		t.Fatalf("line 2 twice: %v", err)
	}
	for _, bad := range [][]int{{0}, {3}, {1, 1}} {
		if _, err := credit(CreditRequest{Lines: bad}); fieldOf(err) != "lines" {
			t.Fatalf("lines %v: %v", bad, err)
		}
	}
	// An amount: 10.00 before tax, taxed at the invoice's 22%.
	ten := d("10")
	if cn, err = credit(CreditRequest{Amount: &ten}); err != nil || cn.Total.String() != "-12.2" || cn.Lines[0].Product != "Mail Pro, Backup" {
		t.Fatalf("amount credit %v %+v", err, cn)
	}
	// What remains is 20.00 before tax: more is refused, and so are zero,
	// negative amounts and sub-cent precision, and both lines and amount.
	for _, a := range []string{"20.01", "0", "-1", "1.001"} {
		v := d(a)
		if _, err := credit(CreditRequest{Amount: &v}); fieldOf(err) != "amount" {
			t.Fatalf("amount %s: %v", a, err)
		}
	}
	if _, err := credit(CreditRequest{Amount: &ten, Lines: []int{1}}); fieldOf(err) != "amount" {
		t.Fatalf("both: %v", err)
	}
	// Line 1 in full (36.60) would exceed the 24.40 that remains.
	if _, err := credit(CreditRequest{Lines: []int{1}}); fieldOf(err) != "lines" {
		t.Fatalf("line 1 after the amount: %v", err)
	}
	// The rest closes the invoice to the cent.
	rest := d("20")
	if cn, err = credit(CreditRequest{Amount: &rest}); err != nil {
		t.Fatal(err)
	}
	sub, tax, total := Remaining(inv, notes)
	if !sub.IsZero() || !tax.IsZero() || !total.IsZero() {
		t.Fatalf("remaining %s %s %s", sub, tax, total)
	}
	if _, err := credit(CreditRequest{}); mercato.ErrorCode(err) != mercato.ECONFLICT {
		t.Fatalf("credited beyond the total: %v", err)
	}
	// A full credit of an uncredited invoice negates it.
	full, err := CreditNote(inv, "")
	if err != nil || !full.Total.Equal(inv.Total.Neg()) {
		t.Fatalf("full credit %v %s", err, full.Total)
	}
}

// TestPartialCreditsNeverExceed credits random amounts and lines until
// refused: the notes together never exceed the invoice's total, and each
// balances.
func TestPartialCreditsNeverExceed(t *testing.T) {
	t.Parallel()
	inv := euInvoice(Party{ID: 5, Name: "Acme", Country: "IT"})
	for seed := range 200 {
		var notes []Invoice
		for step := range 6 {
			r := CreditRequest{}
			switch (seed + step) % 3 {
			case 0:
				a := decimal.New(int64((seed*37+step*11)%3000+1), -2)
				r.Amount = &a
			case 1:
				r.Lines = []int{1 + (seed+step)%2}
			}
			cn, err := PartialCreditNote(inv, notes, r)
			if err != nil {
				continue
			}
			if !Balanced(Entries(cn)) {
				t.Fatalf("seed %d: unbalanced", seed)
			}
			notes = append(notes, cn)
			if _, _, total := Remaining(inv, notes); total.IsNegative() {
				t.Fatalf("seed %d: credited beyond the total (%s left)", seed, total)
			}
		}
	}
}

func fieldOf(err error) string {
	if f := mercato.Fields(err); len(f) > 0 {
		return f[0].Path
	}
	return fmt.Sprint(err)
}

func TestRatesOn(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	rates := []TaxRate{{Country: "RO", Rate: d("19"), ValidFrom: day("2017-01-01")}, {Country: "RO", Rate: d("21"), ValidFrom: day("2025-08-01")},
		{Country: "IT", Rate: d("22"), ValidFrom: day("2013-10-01")}}
	for _, c := range []struct{ on, ro string }{{"2025-07-31", "19"}, {"2025-08-01", "21"}, {"2026-01-01", "21"}} {
		if got := RatesOn(rates, day(c.on)).Rates["RO"]; got.String() != c.ro {
			t.Errorf("RO on %s: %s, want %s", c.on, got, c.ro)
		}
	}
	if _, ok := RatesOn(rates, day("2010-01-01")).Rates["IT"]; ok {
		t.Error("IT's rate applies before its date")
	}
	for _, bad := range []TaxRate{{Country: "XX", Rate: d("20"), ValidFrom: day("2026-01-01")}, {Country: "IT", Rate: d("100"), ValidFrom: day("2026-01-01")},
		{Country: "IT", Rate: d("-1"), ValidFrom: day("2026-01-01")}, {Country: "IT", Rate: d("22.001"), ValidFrom: day("2026-01-01")},
		{Country: "IT", Rate: d("22"), ValidFrom: day("2026-01-01").Add(time.Hour)}} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestSellerValidate(t *testing.T) {
	t.Parallel()
	ok := Seller{LegalName: "Mercato S.r.l.", Country: "IT", VATID: "IT01234567897", PaymentTermsDays: 30, PaymentInstructions: "IBAN\r\nIT60"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, s := range map[string]Seller{
		"legal_name":           {Country: "IT"},
		"country":              {LegalName: "x"},
		"vat_id":               {LegalName: "x", Country: "IT", VATID: "IT01234567890"},
		"payment_terms_days":   {LegalName: "x", Country: "IT", PaymentTermsDays: 366},
		"payment_instructions": {LegalName: "x", Country: "IT", PaymentInstructions: "a\x00b"},
		"address.postal_code":  {LegalName: "x", Country: "IT", Address: mercato.Address{PostalCode: strings.Repeat("1", 21)}},
	} {
		if got := fieldOf(s.Validate()); got != field {
			t.Errorf("%s: %s", field, got)
		}
	}
}

// TestRefundNote: a refund charge becomes a credit note of the invoice of
// its period, with the charge's key, line and split, taxed at the
// invoice's rate; never more than remains creditable; a later credit of
// "all that remains" credits the rest as an amount.
func TestRefundNote(t *testing.T) {
	t.Parallel()
	inv := euInvoice(Party{ID: 5, Name: "Acme", Country: "IT"})
	at := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	refund := func(amount string) Charge {
		a := d(amount)
		return Charge{ID: 9, SubscriptionID: 7, Kind: KindRefund, Ref: "termination", PeriodStart: at, PeriodEnd: at.AddDate(0, 0, 28), Currency: "EUR",
			Product: "Mail Pro", Lines: []pricing.Line{{Description: "Business: refund", Kind: KindRefund, Quantity: d("1"), UnitAmount: a, Amount: a}},
			Shares: []pricing.Share{{Role: "vendor", OrganizationID: 2, Amount: a.Mul(d("0.8"))}, {Role: "platform", Amount: a.Mul(d("0.2"))}}}
	}
	cn, err := RefundNote(inv, nil, []Charge{refund("-27.10")})
	if err != nil {
		t.Fatal(err)
	}
	l := cn.Lines[0]
	if cn.Kind != KindCreditNote || cn.CreditedInvoiceID != inv.ID || cn.Total.String() != "-33.06" || l.Kind != KindRefund || l.Ref != "termination" ||
		!l.PeriodStart.Equal(at) || len(l.Shares) != 2 || !l.Tax.Equal(d("-5.96")) || !Balanced(Entries(cn)) {
		t.Fatalf("refund note %+v", cn)
	}
	// 40.01 - 27.10 = 12.91 remains: a refund of 12.92 is refused.
	if _, err := RefundNote(inv, []Invoice{cn}, []Charge{refund("-12.92")}); mercato.ErrorCode(err) != mercato.ECONFLICT {
		t.Fatalf("a refund beyond what remains: %v", err)
	}
	if _, err := RefundNote(inv, nil, []Charge{refund("10")}); err == nil {
		t.Fatal("a positive charge credited as a refund")
	}
	rest, err := PartialCreditNote(inv, []Invoice{cn}, CreditRequest{})
	if err != nil || !rest.Subtotal.Equal(d("-12.91")) {
		t.Fatalf("the rest after a refund: %v %+v", err, rest)
	}
	if sub, _, total := Remaining(inv, []Invoice{cn, rest}); !sub.IsZero() || !total.IsZero() {
		t.Fatalf("remaining %s %s", sub, total)
	}
}
