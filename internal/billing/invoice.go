package billing

import (
	"fmt"
	"strings"
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
	// KindDiscount is a coupon's discount line (a negative amount) within
	// a recurring charge (internal/coupon).
	KindDiscount = "discount"
)

// Line is one row of an invoice.
type Line struct {
	No             int             `json:"no"`
	SubscriptionID int64           `json:"subscription_id,omitempty"`
	Kind           string          `json:"kind"`
	Ref            string          `json:"ref,omitempty"` // metric name, order id: what makes the charge unique
	Part           int             `json:"part"`          // index within its charge (graduated tiers)
	Description    string          `json:"description"`
	Product        string          `json:"product,omitempty"` // the product's name, printed on every line
	Plan           string          `json:"plan,omitempty"`    // the plan's name as sold
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
	FullyCredited     bool // its credit notes cancel it in full: nothing is due
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
			kind := c.Kind
			if l.Kind == KindDiscount {
				kind = KindDiscount // shown as such; the key stays unique by its part
			}
			line := Line{
				No: len(inv.Lines) + 1, SubscriptionID: c.SubscriptionID, Kind: kind, Ref: c.Ref, Part: i,
				Description: l.Description, Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount,
				PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd, Product: c.Product, Plan: c.PlanName(),
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
	return PartialCreditNote(inv, nil, CreditRequest{Reason: reason})
}

// CreditRequest says what a credit note credits: chosen lines of the
// invoice (what remains of each), or an amount before tax spread over the
// invoice; neither: all that remains creditable.
type CreditRequest struct {
	Reason string
	Lines  []int            // line numbers
	Amount *decimal.Decimal // before tax, in the invoice's currency
}

// MaxReason bounds a credit note's reason.
const MaxReason = 500

// Remaining is what is left to credit of inv after its credit notes
// (negative totals): subtotal, tax and total.
func Remaining(inv Invoice, notes []Invoice) (sub, tax, total decimal.Decimal) {
	sub, tax = inv.Subtotal, inv.Tax
	for _, n := range notes {
		sub, tax = sub.Add(n.Subtotal), tax.Add(n.Tax)
	}
	return sub, tax, sub.Add(tax)
}

// lineRef is the Ref of a credit note's line that credits line no of the
// invoice id; an amount credit's line has "invoice:ID:amount".
func lineRef(id int64, no int) string { return fmt.Sprintf("invoice:%d:%d", id, no) }

// PartialCreditNote returns the draft credit note of inv (issued or paid)
// that credits what r asks, given the credit notes already issued for it
// (notes): chosen lines (each in full, once), or an amount before tax
// taxed at the invoice's rate, never more than what remains creditable;
// together the notes never exceed the invoice's total.
func PartialCreditNote(inv Invoice, notes []Invoice, r CreditRequest) (Invoice, error) {
	if inv.Kind != KindInvoice {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "a credit note cannot be credited")
	}
	if inv.Status != StatusIssued && inv.Status != StatusPaid {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "only an issued or paid invoice is credited, not a %s one", inv.Status)
	}
	if len(r.Reason) > MaxReason || !mercato.ValidText(r.Reason) {
		return Invoice{}, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "reason", Message: fmt.Sprintf("at most %d characters, without control characters", MaxReason)})
	}
	remSub, remTax, remTotal := Remaining(inv, notes)
	if !remTotal.IsPositive() && !remSub.IsPositive() {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "invoice %d is already credited in full", inv.ID)
	}
	credited := map[string]bool{}
	for _, n := range notes {
		for _, l := range n.Lines {
			credited[l.Ref] = true
		}
	}
	if r.Amount == nil && len(r.Lines) == 0 && (credited[fmt.Sprintf("invoice:%d:amount", inv.ID)] || refunded(notes)) {
		// All that remains after an amount credit (or a refund) is an
		// amount too.
		r.Amount = &remSub
	}
	cn := Invoice{
		Kind: KindCreditNote, Status: StatusDraft, Issuer: inv.Issuer, Customer: inv.Customer, ResellerID: inv.ResellerID,
		Period: inv.Period, Currency: inv.Currency, TaxRate: inv.TaxRate, TaxNote: inv.TaxNote, CreditedInvoiceID: inv.ID,
	}
	switch {
	case r.Amount != nil && len(r.Lines) > 0:
		return Invoice{}, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "amount", Message: "credit chosen lines or an amount, not both"})
	case r.Amount != nil:
		a := *r.Amount
		minor, ok := pricing.MinorUnits(inv.Currency)
		if !ok {
			minor = 2
		}
		if !a.IsPositive() || a.GreaterThan(remSub) || a.Exponent() < -int32(minor) {
			return Invoice{}, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "amount",
				Message: fmt.Sprintf("must be positive, with at most %d decimals, and at most the %s before tax that remains creditable", minor, Money(remSub, inv.Currency)), Value: a.String()})
		}
		tax := pricing.Round(a.Mul(inv.TaxRate).Shift(-2), inv.Currency)
		if a.Equal(remSub) {
			tax = remTax // the last credit closes the invoice to the cent
		}
		desc := "Credit on invoice " + orDraft(inv.Number)
		if r.Reason != "" {
			desc += " (" + r.Reason + ")"
		}
		cn.Lines = []Line{{No: 1, Kind: KindCredit, Ref: fmt.Sprintf("invoice:%d:amount", inv.ID), Description: desc,
			Quantity: decimal.NewFromInt(1), UnitAmount: a.Neg(), Amount: a.Neg(), TaxRate: inv.TaxRate, Tax: tax.Neg(),
			Product: productsOf(inv), Shares: prorate(inv, a.Neg())}}
		if len(inv.Lines) > 0 {
			cn.Lines[0].PeriodStart, cn.Lines[0].PeriodEnd = inv.Lines[0].PeriodStart, inv.Lines[len(inv.Lines)-1].PeriodEnd
		}
	default:
		chosen := map[int]bool{}
		for _, no := range r.Lines {
			if chosen[no] || no < 1 || no > len(inv.Lines) || credited[lineRef(inv.ID, no)] {
				return Invoice{}, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "lines",
					Message: "each a line number of the invoice, once, not credited before", Value: no})
			}
			chosen[no] = true
		}
		for _, l := range inv.Lines {
			if credited[lineRef(inv.ID, l.No)] || len(chosen) > 0 && !chosen[l.No] {
				continue
			}
			c := l
			c.No = len(cn.Lines) + 1
			c.Kind = KindCredit
			c.Ref = lineRef(inv.ID, l.No)
			c.Part = 0
			c.Description = "Credit: " + l.Description
			if r.Reason != "" && c.No == 1 {
				c.Description += " (" + r.Reason + ")"
			}
			c.Amount, c.Tax = l.Amount.Neg(), l.Tax.Neg()
			c.Shares = nil
			for _, s := range l.Shares {
				c.Shares = append(c.Shares, pricing.Share{Role: s.Role, OrganizationID: s.OrganizationID, Amount: s.Amount.Neg()})
			}
			cn.Lines = append(cn.Lines, c)
		}
		if len(cn.Lines) == 0 {
			return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "invoice %d has no line left to credit", inv.ID)
		}
	}
	cn = Totals(cn)
	if cn.Subtotal.Neg().GreaterThan(remSub) || cn.Total.Neg().GreaterThan(remTotal) {
		return Invoice{}, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "lines",
			Message: fmt.Sprintf("the credit (%s) exceeds what remains creditable (%s)", Money(cn.Total.Neg(), inv.Currency), Money(remTotal, inv.Currency))})
	}
	return cn, nil
}

// refunded reports whether a credit note among notes carries a refund
// (RefundNote): it credits no line of the invoice as such.
func refunded(notes []Invoice) bool {
	for _, n := range notes {
		for _, l := range n.Lines {
			if l.Kind == KindRefund {
				return true
			}
		}
	}
	return false
}

// RefundNote returns the draft credit note of inv (issued or paid) that
// carries refund charges (negative: a commitment terminated within its
// cancellation window gives back the rest of a period inv billed), given
// the credit notes already issued for it: a line per charge line, with the
// charge's key and its split (each party gives back its share), taxed at
// the invoice's rate. A refund is never invoiced as a negative invoice; it
// never credits more than remains of inv (a conflict).
func RefundNote(inv Invoice, notes []Invoice, charges []Charge) (Invoice, error) {
	if inv.Kind != KindInvoice || inv.Status != StatusIssued && inv.Status != StatusPaid {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "invoice %d is a %s %s: only an issued or paid invoice is credited", inv.ID, inv.Status, inv.Kind)
	}
	cn := Invoice{
		Kind: KindCreditNote, Status: StatusDraft, Issuer: inv.Issuer, Customer: inv.Customer, ResellerID: inv.ResellerID,
		Period: inv.Period, Currency: inv.Currency, TaxRate: inv.TaxRate, TaxNote: inv.TaxNote, CreditedInvoiceID: inv.ID,
	}
	for _, c := range charges {
		if c.Currency != inv.Currency || c.Total().Sign() >= 0 {
			return Invoice{}, fmt.Errorf("charge %d (%s %s) is not a refund of invoice %d in %s", c.ID, c.Total(), c.Currency, inv.ID, inv.Currency)
		}
		for i, l := range c.Lines {
			line := Line{No: len(cn.Lines) + 1, SubscriptionID: c.SubscriptionID, Kind: c.Kind, Ref: c.Ref, Part: i,
				Description: l.Description + " (on invoice " + orDraft(inv.Number) + ")", Quantity: l.Quantity, UnitAmount: l.UnitAmount, Amount: l.Amount,
				PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd, Product: c.Product, Plan: c.PlanName()}
			if i == 0 {
				line.Shares = c.Shares
			}
			cn.Lines = append(cn.Lines, line)
		}
	}
	if len(cn.Lines) == 0 {
		return Invoice{}, fmt.Errorf("invoice %d: no refund to credit", inv.ID)
	}
	cn.Lines = TaxLines(cn.Lines, inv.TaxRate, inv.Currency)
	cn = Totals(cn)
	remSub, _, remTotal := Remaining(inv, notes)
	if cn.Subtotal.Neg().GreaterThan(remSub) || cn.Total.Neg().GreaterThan(remTotal) {
		return Invoice{}, mercato.Errorf(mercato.ECONFLICT, "the refund (%s) exceeds what remains creditable of invoice %d (%s)",
			Money(cn.Total.Neg(), inv.Currency), inv.ID, Money(remTotal, inv.Currency))
	}
	return cn, nil
}

// productsOf names the products an invoice bills, for a line that credits
// an amount of all of it.
func productsOf(inv Invoice) string {
	var names []string
	seen := map[string]bool{}
	for _, l := range inv.Lines {
		if l.Product != "" && !seen[l.Product] {
			seen[l.Product] = true
			names = append(names, l.Product)
		}
	}
	return strings.Join(names, ", ")
}

// prorate splits amount (negative, a credit) between the parties in the
// proportions of their shares of the whole invoice, rounded to the
// currency; the rounding difference goes to the largest share, so that
// the shares add up to amount exactly and the ledger balances.
func prorate(inv Invoice, amount decimal.Decimal) []pricing.Share {
	type key struct {
		role string
		org  int64
	}
	sums := map[key]decimal.Decimal{}
	var order []key
	for _, l := range inv.Lines {
		for _, s := range l.Shares {
			k := key{s.Role, s.OrganizationID}
			if _, ok := sums[k]; !ok {
				order = append(order, k)
			}
			sums[k] = sums[k].Add(s.Amount)
		}
	}
	if len(order) == 0 || inv.Subtotal.IsZero() {
		return nil
	}
	out := make([]pricing.Share, 0, len(order))
	sum, largest := decimal.Zero, 0
	for i, k := range order {
		a := pricing.Round(sums[k].Mul(amount).Div(inv.Subtotal), inv.Currency)
		out = append(out, pricing.Share{Role: k.role, OrganizationID: k.org, Amount: a})
		sum = sum.Add(a)
		if sums[k].Abs().GreaterThan(sums[order[largest]].Abs()) {
			largest = i
		}
	}
	out[largest].Amount = out[largest].Amount.Add(amount.Sub(sum))
	return out
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
