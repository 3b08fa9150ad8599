package billing

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Status is where an invoice is in its life: draft → issued → paid, or
// void. An issued invoice is never edited; a credit note corrects it.
type Status string

// Invoice statuses.
const (
	StatusDraft  Status = "draft"
	StatusIssued Status = "issued"
	StatusPaid   Status = "paid"
	StatusVoid   Status = "void"
)

// Kind tells invoices from credit notes.
type Kind string

// Document kinds.
const (
	KindInvoice    Kind = "invoice"
	KindCreditNote Kind = "credit_note"
)

// Line kinds beyond the pricing package's recurring, setup and usage.
const (
	KindChange = "change" // a prorated upgrade
	KindRefund = "refund" // a prorated refund (negative): a commitment terminated within its cancellation window
	KindCredit = "credit" // a credit note's line
)

// Line is one row of an invoice.
type Line struct {
	No             int             `json:"no"`
	SubscriptionID int64           `json:"subscription_id,omitempty"`
	Kind           string          `json:"kind"`
	Ref            string          `json:"ref,omitempty"` // metric name, order id: what makes the charge unique
	Part           int             `json:"part"`          // index within its charge (graduated tiers)
	Description    string          `json:"description"`
	Quantity       decimal.Decimal `json:"quantity"`
	UnitAmount     decimal.Decimal `json:"unit_amount"`
	Amount         decimal.Decimal `json:"amount"` // rounded once
	TaxRate        decimal.Decimal `json:"tax_rate"`
	Tax            decimal.Decimal `json:"tax"` // rounded once
	PeriodStart    time.Time       `json:"period_start"`
	PeriodEnd      time.Time       `json:"period_end"`
	// Shares splits the charge this line starts (Part 0) between the
	// parties; empty on the other parts of the same charge.
	Shares []pricing.Share `json:"shares,omitempty"`
}

// Invoice is an invoice or a credit note.
type Invoice struct {
	ID                int64
	Kind              Kind
	Number            string // empty while draft
	Issuer            Party
	Customer          Party
	ResellerID        int64 // the customer's reseller, if any
	Period            string
	Currency          string
	Status            Status
	TaxRate           decimal.Decimal
	TaxNote           string
	Subtotal          decimal.Decimal
	Tax               decimal.Decimal
	Total             decimal.Decimal
	IssuedAt          *time.Time
	DueAt             *time.Time
	PaidAt            *time.Time
	VoidedAt          *time.Time
	CreditedInvoiceID int64 // a credit note: the invoice it corrects
	Reminders         int
	Suspended         bool // dunning suspended the subscriptions it bills
	RunID             int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Lines             []Line
}

// Assemble builds a draft invoice from charges: lines numbered from 1 in
// order, each line's tax rounded once at rate, totals as sums of lines.
func Assemble(inv Invoice, charges []Charge, rate decimal.Decimal, note string) Invoice {
	inv.Kind, inv.Status = KindInvoice, StatusDraft
	inv.TaxRate, inv.TaxNote = rate, note
	inv.Lines = inv.Lines[:0]
	for _, c := range charges {
		for i, l := range c.Lines {
			line := Line{
				No: len(inv.Lines) + 1, SubscriptionID: c.SubscriptionID, Kind: c.Kind, Ref: c.Ref, Part: i,
				Description: l.Description, Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount,
				PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd,
			}
			if i == 0 {
				line.Shares = c.Shares
			}
			inv.Lines = append(inv.Lines, line)
		}
	}
	inv.Lines = TaxLines(inv.Lines, rate, inv.Currency)
	return Totals(inv)
}

// TaxLines sets every line's tax: amount × rate / 100, rounded once.
func TaxLines(lines []Line, rate decimal.Decimal, currency string) []Line {
	for i := range lines {
		lines[i].TaxRate = rate
		lines[i].Tax = pricing.Round(lines[i].Amount.Mul(rate).Shift(-2), currency)
	}
	return lines
}

// Totals sets subtotal, tax and total as the sums of the lines.
func Totals(inv Invoice) Invoice {
	inv.Subtotal, inv.Tax = decimal.Zero, decimal.Zero
	for _, l := range inv.Lines {
		inv.Subtotal = inv.Subtotal.Add(l.Amount)
		inv.Tax = inv.Tax.Add(l.Tax)
	}
	inv.Total = inv.Subtotal.Add(inv.Tax)
	return inv
}

// CreditNote returns the draft credit note that cancels inv in full: the
// same lines with negated amounts and tax, referring to it.
func CreditNote(inv Invoice, reason string) (Invoice, error) {
	if inv.Kind != KindInvoice {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "a credit note cannot be credited")
	}
	if inv.Status != StatusIssued && inv.Status != StatusPaid {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "only an issued or paid invoice is credited, not a %s one", inv.Status)
	}
	cn := Invoice{
		Kind: KindCreditNote, Status: StatusDraft, Issuer: inv.Issuer, Customer: inv.Customer, ResellerID: inv.ResellerID,
		Period: inv.Period, Currency: inv.Currency, TaxRate: inv.TaxRate, TaxNote: inv.TaxNote, CreditedInvoiceID: inv.ID,
	}
	for _, l := range inv.Lines {
		c := l
		c.No = len(cn.Lines) + 1
		c.Kind = KindCredit
		c.Ref = fmt.Sprintf("invoice:%d:%d", inv.ID, l.No)
		c.Part = 0
		c.Description = "Credit: " + l.Description
		if reason != "" && c.No == 1 {
			c.Description += " (" + reason + ")"
		}
		c.Amount, c.Tax = l.Amount.Neg(), l.Tax.Neg()
		c.Shares = nil
		for _, s := range l.Shares {
			c.Shares = append(c.Shares, pricing.Share{Role: s.Role, OrganizationID: s.OrganizationID, Amount: s.Amount.Neg()})
		}
		cn.Lines = append(cn.Lines, c)
	}
	return Totals(cn), nil
}

// Number formats an invoice number: INV-2026-000042, or CN-… for a credit
// note. Numbers are gapless per issuer, series and year.
func Number(kind Kind, year int, seq int64) string {
	prefix := "INV"
	if kind == KindCreditNote {
		prefix = "CN"
	}
	return fmt.Sprintf("%s-%d-%06d", prefix, year, seq)
}

// FileName is the name an invoice is downloaded under: its number, or
// draft-<id> while it has none, with the extension ext.
func (inv Invoice) FileName(ext string) string {
	if inv.Number == "" {
		return fmt.Sprintf("draft-%d.%s", inv.ID, ext)
	}
	return inv.Number + "." + ext
}
