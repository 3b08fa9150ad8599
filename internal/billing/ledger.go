package billing

import (
	"github.com/shopspring/decimal"
)

// Ledger accounts.
const (
	AccountReceivable = "receivable" // what the customer owes the issuer
	AccountTax        = "tax"        // tax the issuer owes the state
	AccountEarnings   = "earnings"   // what each party earned
)

// Entry is one side of a ledger posting. For an invoice the customer's
// receivable is debited with the total, tax and each party's earnings are
// credited; a credit note posts the reverse.
type Entry struct {
	LineNo         int // 0: the invoice as a whole
	Account        string
	Role           string // customer, issuer, vendor, platform, distributor, reseller
	OrganizationID int64  // 0: the platform
	Debit          decimal.Decimal
	Credit         decimal.Decimal
}

// Entries returns the balanced ledger entries of an invoice or credit note:
// debits equal credits to the cent, because the lines' shares add up to
// their amounts and the total is the sum of amounts and tax.
func Entries(inv Invoice) []Entry {
	var out []Entry
	post := func(e Entry, amount decimal.Decimal, debit bool) {
		// A credit note (negative amounts) posts on the other side.
		if amount.Sign() < 0 {
			amount, debit = amount.Neg(), !debit
		}
		if debit {
			e.Debit, e.Credit = amount, decimal.Zero
		} else {
			e.Debit, e.Credit = decimal.Zero, amount
		}
		out = append(out, e)
	}
	post(Entry{Account: AccountReceivable, Role: "customer", OrganizationID: inv.Customer.ID}, inv.Total, true)
	if !inv.Tax.IsZero() {
		post(Entry{Account: AccountTax, Role: "issuer", OrganizationID: inv.Issuer.ID}, inv.Tax, false)
	}
	for _, l := range inv.Lines {
		for _, s := range l.Shares {
			if s.Amount.IsZero() {
				continue
			}
			post(Entry{LineNo: l.No, Account: AccountEarnings, Role: s.Role, OrganizationID: s.OrganizationID}, s.Amount, false)
		}
	}
	return out
}

// Balanced reports whether entries' debits equal their credits.
func Balanced(entries []Entry) bool {
	d, c := decimal.Zero, decimal.Zero
	for _, e := range entries {
		d, c = d.Add(e.Debit), c.Add(e.Credit)
	}
	return d.Equal(c)
}
