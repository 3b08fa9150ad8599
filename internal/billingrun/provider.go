package billingrun

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// ProviderInvoiceReads read the invoices of a subscription as its parties
// see them: its customer and channel the invoices visible to them, its
// product's vendor the lines that bill its products' subscriptions.
type ProviderInvoiceReads interface {
	// SubscriptionInvoices lists the issued invoices (void and paid ones
	// too, never drafts) with a line billing the subscription, oldest
	// first, without their lines.
	SubscriptionInvoices(ctx context.Context, p mercato.Principal, subID int64, page mercato.Page) ([]billing.Invoice, int64, error)
	// ProviderInvoice returns an issued invoice; a vendor's holds only the
	// lines billing its products' subscriptions (its totals are still the
	// whole invoice's).
	ProviderInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
}

// SubscriptionInvoices lists the issued invoices billing a subscription p
// sees, oldest first, without their lines.
func (s *Service) SubscriptionInvoices(ctx context.Context, p mercato.Principal, subID int64, page mercato.Page) ([]billing.Invoice, int64, error) {
	return s.reads.SubscriptionInvoices(ctx, p, subID, page)
}

// ProviderInvoice returns an issued invoice as p sees it. A vendor sees
// the lines billing its products and totals that are theirs: the other
// lines are other parties' business, and totals over lines it cannot see
// would tell it what they cost.
func (s *Service) ProviderInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	inv, err := s.reads.ProviderInvoice(ctx, p, id)
	if err != nil || p.OrgKind != mercato.KindVendor {
		return inv, err
	}
	inv.Subtotal, inv.Tax = decimal.Zero, decimal.Zero
	for _, l := range inv.Lines {
		inv.Subtotal, inv.Tax = inv.Subtotal.Add(l.Amount), inv.Tax.Add(l.Tax)
	}
	inv.Total = inv.Subtotal.Add(inv.Tax)
	return inv, nil
}
