package billing

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/pricing"
)

// Money formats an amount with its currency's decimals: "1234.50".
func Money(d decimal.Decimal, currency string) string {
	n, ok := pricing.MinorUnits(currency)
	if !ok {
		n = 2
	}
	return d.StringFixed(n)
}

// title is the document's name as printed.
func (inv Invoice) title() string {
	if inv.Kind == KindCreditNote {
		return "CREDIT NOTE"
	}
	return "INVOICE"
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// The DejaVu Sans font (Bitstream Vera licence, fonts/LICENSE) is
// embedded in every PDF, subset to the characters used, so that names in
// any Latin, Greek or Cyrillic script print as written: the PDF core fonts
// know only cp1252.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// font is the family name the embedded font is registered under.
const font = "DejaVu"

// WritePDF renders inv as an A4 PDF: the seller (legal name, address, VAT
// id) and the buyer (name, address, VAT id), number and dates, a table of
// lines (product and plan, description, quantity, unit price, amount), the
// totals, the tax note, the payment terms and instructions.
func WritePDF(w io.Writer, inv Invoice) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes(font, "", fontRegular)
	pdf.AddUTF8FontFromBytes(font, "B", fontBold)
	pdf.SetTitle(inv.title()+" "+inv.Number, true)
	pdf.SetAuthor(inv.Issuer.Name, true)
	pdf.SetCreationDate(inv.CreatedAt)
	pdf.SetMargins(18, 18, 18)
	pdf.SetAutoPageBreak(true, 20)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont(font, "", 8)
		pdf.SetTextColor(120, 120, 120)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s %s · page %d", inv.title(), inv.Number, pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	// Seller, top left; document title, top right.
	pdf.SetFont(font, "B", 14)
	pdf.SetTextColor(30, 30, 30)
	pdf.CellFormat(110, 8, inv.Issuer.Name, "", 0, "L", false, 0, "")
	pdf.SetFont(font, "B", 18)
	pdf.SetTextColor(40, 70, 140)
	pdf.CellFormat(0, 8, inv.title(), "", 1, "R", false, 0, "")
	pdf.SetFont(font, "", 9)
	pdf.SetTextColor(80, 80, 80)
	for _, s := range append(addressLines(inv.Issuer), inv.Issuer.Email, vatLine(inv.Issuer)) {
		if s != "" {
			pdf.CellFormat(0, 4.5, s, "", 1, "L", false, 0, "")
		}
	}
	pdf.Ln(6)

	// Bill to, left; references, right.
	top := pdf.GetY()
	pdf.SetFont(font, "B", 9)
	pdf.SetTextColor(30, 30, 30)
	pdf.CellFormat(95, 5, "Bill to", "", 1, "L", false, 0, "")
	pdf.SetFont(font, "", 10)
	for _, s := range append(append([]string{inv.Customer.Name}, addressLines(inv.Customer)...), inv.Customer.Email, vatLine(inv.Customer)) {
		if s != "" {
			pdf.CellFormat(95, 5, s, "", 1, "L", false, 0, "")
		}
	}
	left := pdf.GetY()
	pdf.SetY(top)
	refs := [][2]string{{"Number", orDraft(inv.Number)}, {"Issue date", day(inv.IssuedAt)}, {"Due date", day(inv.DueAt)}, {"Billing period", inv.Period}, {"Currency", inv.Currency}}
	if inv.Kind == KindCreditNote {
		refs = append(refs, [2]string{"Credits invoice", strconv.FormatInt(inv.CreditedInvoiceID, 10)})
	}
	for _, r := range refs {
		pdf.SetX(120)
		pdf.SetFont(font, "", 9)
		pdf.CellFormat(32, 5, r[0], "", 0, "L", false, 0, "")
		pdf.SetFont(font, "B", 9)
		pdf.CellFormat(0, 5, r[1], "", 1, "R", false, 0, "")
	}
	pdf.SetY(max(left, pdf.GetY()) + 8)

	// Lines.
	widths := []float64{98, 18, 28, 30}
	pdf.SetFillColor(40, 70, 140)
	pdf.SetTextColor(255, 255, 255)
	pdf.SetFont(font, "B", 9)
	for i, h := range []string{"Product, plan and description", "Qty", "Unit price", "Amount"} {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(widths[i], 7, h, "", 0, align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetTextColor(30, 30, 30)
	pdf.SetFont(font, "", 9)
	for i, l := range inv.Lines {
		fill := i%2 == 1
		pdf.SetFillColor(243, 245, 250)
		desc := l.Description
		if name := productPlan(l); name != "" {
			desc = name + "\n" + desc
		}
		lines := wrap(pdf, desc, widths[0]-2.5)
		h := 5.5 * float64(max(len(lines), 1))
		if pdf.GetY()+h > 270 {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		pdf.MultiCell(widths[0], 5.5, strings.Join(lines, "\n"), "", "L", fill)
		pdf.SetXY(x+widths[0], y)
		pdf.CellFormat(widths[1], h, l.Quantity.String(), "", 0, "R", fill, 0, "")
		pdf.CellFormat(widths[2], h, l.UnitAmount.String(), "", 0, "R", fill, 0, "")
		pdf.CellFormat(widths[3], h, Money(l.Amount, inv.Currency), "", 1, "R", fill, 0, "")
	}
	pdf.Ln(4)

	// Totals, right aligned.
	total := func(label, value string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetX(18 + widths[0] + widths[1] - 20)
		pdf.SetFont(font, style, 10)
		pdf.CellFormat(widths[2]+20, 6, label, "", 0, "R", false, 0, "")
		pdf.CellFormat(widths[3], 6, value, "", 1, "R", false, 0, "")
	}
	total("Subtotal", Money(inv.Subtotal, inv.Currency), false)
	total("Tax "+inv.TaxRate.String()+"%", Money(inv.Tax, inv.Currency), false)
	total("Total "+inv.Currency, Money(inv.Total, inv.Currency), true)
	pdf.Ln(6)
	pdf.SetFont(font, "", 9)
	pdf.SetTextColor(80, 80, 80)
	if inv.TaxNote != "" {
		pdf.MultiCell(0, 4.5, inv.TaxNote, "", "L", false)
	}
	if inv.Kind == KindInvoice && inv.DueAt != nil {
		terms := "Payment terms: due on " + day(inv.DueAt)
		if inv.IssuedAt != nil {
			if days := int(inv.DueAt.Sub(*inv.IssuedAt).Hours() / 24); days > 0 {
				terms = fmt.Sprintf("Payment terms: %d days, due on %s", days, day(inv.DueAt))
			}
		}
		pdf.MultiCell(0, 4.5, terms+".", "", "L", false)
		pdf.MultiCell(0, 4.5, fmt.Sprintf("Please pay %s %s by %s, quoting %s.", inv.Currency, Money(inv.Total, inv.Currency), day(inv.DueAt), orDraft(inv.Number)), "", "L", false)
	}
	if inv.Kind == KindInvoice && inv.Issuer.PaymentInstructions != "" {
		pdf.Ln(2)
		pdf.SetFont(font, "B", 9)
		pdf.MultiCell(0, 4.5, "Payment instructions", "", "L", false)
		pdf.SetFont(font, "", 9)
		pdf.MultiCell(0, 4.5, inv.Issuer.PaymentInstructions, "", "L", false)
	}
	if inv.Status == StatusPaid {
		pdf.MultiCell(0, 4.5, "Paid on "+day(inv.PaidAt)+". Thank you.", "", "L", false)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("invoice %d pdf: %w", inv.ID, err)
	}
	return nil
}

// wrap breaks text into lines no wider than w at the current font, at line
// breaks and between words (a word wider than w alone on its line is cut).
// fpdf's SplitText reads widths of the first 256 code points only, and
// panics past them with a UTF-8 font.
func wrap(pdf *fpdf.Fpdf, text string, w float64) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if pdf.GetStringWidth(try) <= w {
				line = try
				continue
			}
			if line != "" {
				out = append(out, line)
			}
			line = ""
			for _, r := range word { // cut a word longer than the line
				if line != "" && pdf.GetStringWidth(line+string(r)) > w {
					out = append(out, line)
					line = ""
				}
				line += string(r)
			}
		}
		out = append(out, line)
	}
	return out
}

// productPlan names a line's product and plan: "Product · Plan".
func productPlan(l Line) string {
	switch {
	case l.Product != "" && l.Plan != "":
		return l.Product + " · " + l.Plan
	case l.Product != "":
		return l.Product
	}
	return l.Plan
}

// addressLines are a party's postal address as printed: the street line,
// then postal code and city, then the country.
func addressLines(p Party) []string {
	var out []string
	if p.Address != nil {
		if p.Address.Line != "" {
			out = append(out, p.Address.Line)
		}
		if pc := strings.TrimSpace(p.Address.PostalCode + " " + p.Address.City); pc != "" {
			out = append(out, pc)
		}
	}
	if p.Country != "" {
		out = append(out, p.Country)
	}
	return out
}

func vatLine(p Party) string {
	if p.VATID == "" {
		return ""
	}
	return "VAT " + p.VATID
}

func orDraft(n string) string {
	if n == "" {
		return "DRAFT"
	}
	return n
}

// WriteCSV writes inv as CSV: a header row, one row per line, then the
// subtotal, tax and total rows.
func WriteCSV(w io.Writer, inv Invoice) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"number", "kind", "issue_date", "due_date", "customer", "currency", "line", "subscription_id", "line_kind", "description",
		"period_start", "period_end", "quantity", "unit_price", "amount", "tax_rate", "tax"}}
	for _, l := range inv.Lines {
		rows = append(rows, []string{inv.Number, string(inv.Kind), day(inv.IssuedAt), day(inv.DueAt), TextCell(inv.Customer.Name), inv.Currency,
			strconv.Itoa(l.No), strconv.FormatInt(l.SubscriptionID, 10), l.Kind, TextCell(l.Description),
			l.PeriodStart.UTC().Format(time.RFC3339), l.PeriodEnd.UTC().Format(time.RFC3339),
			l.Quantity.String(), l.UnitAmount.String(), Money(l.Amount, inv.Currency), l.TaxRate.String(), Money(l.Tax, inv.Currency)})
	}
	for _, t := range [][2]string{{"subtotal", Money(inv.Subtotal, inv.Currency)}, {"tax", Money(inv.Tax, inv.Currency)}, {"total", Money(inv.Total, inv.Currency)}} {
		row := make([]string, 17)
		row[0], row[1], row[5], row[9], row[14] = inv.Number, string(inv.Kind), inv.Currency, t[0], t[1]
		rows = append(rows, row)
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("invoice %d csv: %w", inv.ID, err)
	}
	return nil
}

// Statement is a party's earnings over a period: one row per invoice line
// share (negative for credit notes), in a currency.
type Statement struct {
	Role           string
	OrganizationID int64 // 0: the platform
	Period         string
	Currency       string
	Rows           []StatementRow
	Total          decimal.Decimal
}

// StatementRow is one share of one invoice line.
type StatementRow struct {
	InvoiceID      int64
	InvoiceNumber  string
	IssuedAt       time.Time
	CustomerID     int64
	SubscriptionID int64
	LineNo         int
	Description    string
	Amount         decimal.Decimal
}

// WriteStatementCSV writes an earnings statement as CSV, ending with its
// total.
func WriteStatementCSV(w io.Writer, st Statement) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"period", "role", "organization_id", "invoice", "issue_date", "customer_id", "subscription_id", "line", "description", "currency", "amount"}}
	for _, r := range st.Rows {
		rows = append(rows, []string{st.Period, st.Role, strconv.FormatInt(st.OrganizationID, 10), r.InvoiceNumber, r.IssuedAt.UTC().Format("2006-01-02"),
			strconv.FormatInt(r.CustomerID, 10), strconv.FormatInt(r.SubscriptionID, 10), strconv.Itoa(r.LineNo), TextCell(r.Description), st.Currency, Money(r.Amount, st.Currency)})
	}
	rows = append(rows, []string{st.Period, st.Role, strconv.FormatInt(st.OrganizationID, 10), "", "", "", "", "", "total", st.Currency, Money(st.Total, st.Currency)})
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("statement csv: %w", err)
	}
	return nil
}
