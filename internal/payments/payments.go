// Package payments holds the use cases of collecting invoices through a
// payment provider (Stripe): a customer saving a payment method on the
// provider's hosted page, charging an issued invoice to it, and the
// provider's webhook events (money received, a failed payment, a refund,
// a dispute) recorded against the invoice. Mercato's records stay
// authoritative: the provider is told what to do, its verified events say
// what happened, and each event is processed once. The provider itself is
// a billing.PaymentProvider (internal/stripepay); the SQL is
// internal/store's.
package payments

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Reads are what the service reads and records outside a transaction.
type Reads interface {
	Clock() time.Time
	SystemPrincipal(ctx context.Context) (mercato.Principal, error)
	OrganizationByID(ctx context.Context, id int64) (mercato.Organization, error)
	// Invoice returns an invoice p sees, with its lines.
	Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	// ProviderCustomer is the provider's id of an organization's account,
	// empty when it has none.
	ProviderCustomer(ctx context.Context, orgID int64) (string, error)
	SaveProviderCustomer(ctx context.Context, orgID int64, ref string) error
	// InvoicesToCollect lists the issued invoices of issuerID whose
	// customer has an account at the provider and that were never asked
	// of it, oldest first.
	InvoicesToCollect(ctx context.Context, issuerID int64, limit int) ([]int64, error)
	// FailedCollections returns where the collection of each issued
	// invoice of issuerID with a failed payment stands.
	FailedCollections(ctx context.Context, issuerID int64) ([]billing.Collection, error)
	// ProviderCustomerOrganization returns the organization of an
	// account at the provider.
	ProviderCustomerOrganization(ctx context.Context, ref string) (id int64, found bool, err error)
	// OpenCollections returns where the collection of each issued
	// invoice of issuerID to customerID stands.
	OpenCollections(ctx context.Context, issuerID, customerID int64) ([]billing.Collection, error)
	// CreditsToRefund lists the credit notes of issuerID whose invoice
	// has payments by method and that were not refunded through it yet.
	CreditsToRefund(ctx context.Context, issuerID int64, method string) ([]int64, error)
	// MethodPayments returns an invoice's payments by method, newest
	// first.
	MethodPayments(ctx context.Context, invoiceID int64, method string) ([]billing.Payment, error)
	SaveCreditRefund(ctx context.Context, creditNoteID int64, provider string, amount decimal.Decimal) error
	// DunningSettings returns the operator's dunning settings; found is
	// false until they are saved.
	DunningSettings(ctx context.Context) (d billing.DunningSettings, found bool, err error)
}

// Tx is what the service does inside one transaction: billingrun's, as a
// payment settles the invoice as billing does, and its own records.
type Tx interface {
	billingrun.Tx
	InsertPaymentAttempt(ctx context.Context, provider, reference string, invoiceID int64, try int) error
	// AttemptInvoice returns the invoice of a collection attempt; found
	// is false for one Mercato did not make.
	AttemptInvoice(ctx context.Context, reference string) (id int64, found bool, err error)
	// InsertPaymentEvent records a processed event and reports false,
	// recording nothing, when it was processed before.
	InsertPaymentEvent(ctx context.Context, ev billing.PaymentEvent, invoiceID int64, amount decimal.Decimal) (bool, error)
	// RecordedAmount sums what earlier events of a type recorded about
	// one provider object.
	RecordedAmount(ctx context.Context, typ billing.PaymentEventType, reference string) (decimal.Decimal, error)
	// InvoiceCollection returns where an invoice's collection stands.
	InvoiceCollection(ctx context.Context, invoiceID int64) (billing.Collection, error)
	// FailedPayment records the event of an invoice's failed payment,
	// with the date of its next try (empty: none), which tells the
	// customer (internal/notify).
	FailedPayment(ctx context.Context, invoiceID int64, retryAt string) error
	// DunningSettings returns the operator's dunning settings; found is
	// false until they are saved.
	DunningSettings(ctx context.Context) (d billing.DunningSettings, found bool, err error)
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service collects invoices through a provider.
type Service struct {
	reads    Reads
	inTx     InTx
	provider billing.PaymentProvider // nil: payments through a provider are off
	retries  billing.PaymentRetries
	log      *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// WithProvider collects through provider; without it payments through a
// provider are off (customers pay on account, as without one).
func WithProvider(provider billing.PaymentProvider) Option {
	return func(s *Service) { s.provider = provider }
}

// WithRetries sets the days after a first failure on which a collection
// is tried again until the operator saves its dunning settings, which win
// (default billing.DefaultPaymentRetries).
func WithRetries(r billing.PaymentRetries) Option { return func(s *Service) { s.retries = r } }

// WithLog logs the webhook events processed to log (default slog's).
func WithLog(log *slog.Logger) Option { return func(s *Service) { s.log = log } }

// New returns the service over its repositories.
func New(reads Reads, inTx InTx, opts ...Option) *Service {
	s := &Service{reads: reads, inTx: inTx, retries: billing.DefaultPaymentRetries(), log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Enabled reports whether a provider is configured.
func (s *Service) Enabled() bool { return s.provider != nil }

func (s *Service) on() error {
	if s.provider == nil {
		return mercato.Errorf(mercato.ECONFLICT, "payments by card or direct debit are not configured on this marketplace")
	}
	return nil
}

// StartSetup (a customer organization's admin or manager) returns the
// address of the provider's page where the customer saves a payment
// method, creating its account at the provider the first time.
func (s *Service) StartSetup(ctx context.Context, p mercato.Principal, successURL, cancelURL string) (string, error) {
	if err := s.on(); err != nil {
		return "", err
	}
	if p.OrgKind != mercato.KindCustomer || !p.CanWrite() {
		return "", mercato.Errorf(mercato.EFORBIDDEN, "only a customer's admins and managers save its payment method")
	}
	org, err := s.reads.OrganizationByID(ctx, p.OrgID)
	if err != nil {
		return "", fmt.Errorf("payment setup: %w", err)
	}
	ref, err := s.customer(ctx, org)
	if err != nil {
		return "", err
	}
	url, err := s.provider.SetupURL(ctx, ref, org.Currency, successURL, cancelURL)
	if err != nil {
		return "", fmt.Errorf("payment setup of organization %d: %w", org.ID, err)
	}
	return url, nil
}

// customer returns the organization's account at the provider, creating
// and recording it the first time.
func (s *Service) customer(ctx context.Context, org mercato.Organization) (string, error) {
	ref, err := s.reads.ProviderCustomer(ctx, org.ID)
	if err != nil || ref != "" {
		return ref, err
	}
	if ref, err = s.provider.CreateCustomer(ctx, org.ID, org.Name, org.Email); err != nil {
		return "", fmt.Errorf("payment setup: %w", err)
	}
	if err := s.reads.SaveProviderCustomer(ctx, org.ID, ref); err != nil {
		return "", fmt.Errorf("payment setup: %w", err)
	}
	return ref, nil
}

// ChargeInvoice (the platform) asks the provider to collect an issued
// invoice from the customer's saved payment method and records the
// attempt; the outcome arrives through the webhook. Asking again is safe:
// the provider's idempotency key is the invoice's number.
func (s *Service) ChargeInvoice(ctx context.Context, p mercato.Principal, id int64) (string, error) {
	return s.charge(ctx, p, id, 0)
}

// charge makes try number try of an invoice's collection.
func (s *Service) charge(ctx context.Context, p mercato.Principal, id int64, try int) (string, error) {
	if err := s.on(); err != nil {
		return "", err
	}
	if !p.IsPlatform() || !p.CanWrite() {
		return "", mercato.Errorf(mercato.EFORBIDDEN, "only the platform charges invoices")
	}
	inv, err := s.reads.Invoice(ctx, p, id)
	if err != nil {
		return "", fmt.Errorf("charge invoice %d: %w", id, err)
	}
	if inv.Kind != billing.KindInvoice || inv.Status != billing.StatusIssued {
		return "", mercato.Errorf(mercato.ECONFLICT, "invoice %d is %s and cannot be charged", inv.ID, inv.Status)
	}
	if inv.Issuer.ID != p.OrgID {
		// A self-billing reseller's invoice is paid to the reseller, not
		// through the marketplace's provider account.
		return "", mercato.Errorf(mercato.ECONFLICT, "invoice %d is issued by a reseller and is paid to it", inv.ID)
	}
	ref, err := s.reads.ProviderCustomer(ctx, inv.Customer.ID)
	if err != nil {
		return "", fmt.Errorf("charge invoice %d: %w", id, err)
	}
	if ref == "" {
		return "", mercato.Errorf(mercato.ECONFLICT, "the customer of invoice %d has saved no payment method", inv.ID)
	}
	// What is left to pay: a partial credit note lowers it, and so does a
	// payment received in part.
	var due decimal.Decimal
	if err := s.inTx(ctx, func(tx Tx) error {
		var err error
		due, err = billingrun.Due(ctx, tx, inv)
		return err
	}); err != nil {
		return "", fmt.Errorf("charge invoice %d: %w", id, err)
	}
	if !due.IsPositive() {
		return "", mercato.Errorf(mercato.ECONFLICT, "invoice %d has nothing left to pay", inv.ID)
	}
	inv.Total = due
	attempt, err := s.provider.Collect(ctx, ref, inv, try)
	if err != nil {
		return "", fmt.Errorf("charge invoice %d: %w", id, err)
	}
	err = s.inTx(ctx, func(tx Tx) error { return tx.InsertPaymentAttempt(ctx, s.provider.Name(), attempt, inv.ID, try) })
	if err != nil {
		return "", fmt.Errorf("charge invoice %d: %w", id, err)
	}
	return attempt, nil
}

// collectBatch bounds the invoices one CollectDue pass asks for.
const collectBatch = 100

// CollectDue charges the issued invoices of the platform whose customer
// saved a payment method and that were never charged, and tries again
// those whose last try failed once the retry schedule says so (before
// suspension: dunning's reminders go on meanwhile). It returns how many
// tries it asked the provider for. An invoice that cannot be charged is
// logged and left for the next pass (and for dunning).
func (s *Service) CollectDue(ctx context.Context) (int, error) {
	if s.provider == nil {
		return 0, nil
	}
	sp, err := s.reads.SystemPrincipal(ctx)
	if err != nil {
		return 0, fmt.Errorf("collect invoices: %w", err)
	}
	ids, err := s.reads.InvoicesToCollect(ctx, sp.OrgID, collectBatch)
	if err != nil {
		return 0, fmt.Errorf("collect invoices: %w", err)
	}
	tries := make(map[int64]int, len(ids))
	for _, id := range ids {
		tries[id] = 0
	}
	failed, err := s.reads.FailedCollections(ctx, sp.OrgID)
	if err != nil {
		return 0, fmt.Errorf("collect invoices: %w", err)
	}
	retries, err := s.retriesOf(ctx, s.reads)
	if err != nil {
		return 0, fmt.Errorf("collect invoices: %w", err)
	}
	now := s.reads.Clock()
	for _, c := range failed {
		if retries.Due(c, now) {
			ids, tries[c.InvoiceID] = append(ids, c.InvoiceID), c.Tries
		}
	}
	n := 0
	for _, id := range ids {
		if _, err := s.charge(ctx, sp, id, tries[id]); err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			s.log.WarnContext(ctx, "invoice not charged", "invoice", id, "try", tries[id], "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// retriesOf returns the payment retry days: the operator's dunning
// settings once saved, else the service's configuration.
func (s *Service) retriesOf(ctx context.Context, db interface {
	DunningSettings(ctx context.Context) (billing.DunningSettings, bool, error)
}) (billing.PaymentRetries, error) {
	d, found, err := db.DunningSettings(ctx)
	if err != nil {
		return nil, err
	}
	if found {
		return d.RetryDays, nil
	}
	return s.retries, nil
}
