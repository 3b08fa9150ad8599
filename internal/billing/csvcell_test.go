package billing_test

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
)

// TestCSVFormulaInjection writes an invoice and a statement whose customer
// name and descriptions are spreadsheet formulas: every such cell reads
// back as text (an apostrophe first), while amounts, negative ones too,
// stay numbers.
func TestCSVFormulaInjection(t *testing.T) {
	t.Parallel()
	formulas := []string{`=HYPERLINK("https://evil.example","x")`, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"}
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range formulas {
		inv := billing.Invoice{Number: "INV-1", Kind: billing.KindInvoice, Currency: "EUR", Customer: billing.Party{Name: f},
			IssuedAt: &at, Lines: []billing.Line{{No: 1, Description: f, Quantity: decimal.NewFromInt(1), Amount: decimal.NewFromInt(-5)}}}
		var buf bytes.Buffer
		if err := billing.WriteCSV(&buf, inv); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[1][4]; got != "'"+f {
			t.Errorf("customer cell %q, want %q", got, "'"+f)
		}
		if got := rows[1][9]; got != "'"+f {
			t.Errorf("description cell %q, want %q", got, "'"+f)
		}
		if got := rows[1][14]; got != "-5.00" {
			t.Errorf("amount cell %q, want -5.00", got)
		}
		st := billing.Statement{Role: "vendor", Period: "2026-02", Currency: "EUR", Rows: []billing.StatementRow{{InvoiceNumber: "INV-1", IssuedAt: at, Description: f, Amount: decimal.NewFromInt(-3)}}}
		buf.Reset()
		if err := billing.WriteStatementCSV(&buf, st); err != nil {
			t.Fatal(err)
		}
		rows, err = csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[1][8]; got != "'"+f {
			t.Errorf("statement description %q, want %q", got, "'"+f)
		}
		if got := rows[1][10]; got != "-3.00" {
			t.Errorf("statement amount %q, want -3.00", got)
		}
	}
}
