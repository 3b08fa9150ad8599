package billingrun

import (
	"context"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// InvoiceReads read invoices and credit notes as the store's visibility
// rules let the caller see them (its customer, its issuer, the channel
// above, the platform).
type InvoiceReads interface {
	// ListInvoices lists invoices without their lines.
	ListInvoices(ctx context.Context, p mercato.Principal, f billing.InvoiceFilter, page mercato.Page) ([]billing.Invoice, int64, error)
	// Invoice returns an invoice with its lines.
	Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	ProviderInvoiceReads
}

// ListInvoices lists the invoices and credit notes p sees, without their
// lines.
func (s *Service) ListInvoices(ctx context.Context, p mercato.Principal, f billing.InvoiceFilter, page mercato.Page) ([]billing.Invoice, int64, error) {
	return s.reads.ListInvoices(ctx, p, f, page)
}

// Invoice returns an invoice or credit note p sees, with its lines.
func (s *Service) Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	return s.reads.Invoice(ctx, p, id)
}
