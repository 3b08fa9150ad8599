// Package billingrun holds the billing use cases over the store's
// repositories: the monthly run (renewals, the periods of terms as they
// begin, usage in arrears, invoices of the open charges, ledger, dunning),
// and what is done to one invoice (issue, mark paid, credit). The run
// never prices what was sold again: it invoices the charges written when
// it was sold (see internal/charging). The computations are
// internal/billing's; the SQL and the visibility rules are internal/store's.
// What this package decides is which subscriptions and invoices to act on,
// who may act, and what each step changes, and it runs every change with
// its outbox event in one transaction.
package billingrun

import (
	"context"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Reads are what the service reads and records outside a transaction.
type Reads interface {
	Clock() time.Time
	// AllPayments lists every payment recorded, newest first, with its
	// invoice and customer (billing.PaymentFilter).
	AllPayments(ctx context.Context, f billing.PaymentFilter) ([]billing.ListedPayment, error)
	SystemPrincipal(ctx context.Context) (mercato.Principal, error)
	OrganizationByID(ctx context.Context, id int64) (mercato.Organization, error)
	// Organization returns an organization visible to p.
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	SaveBillingProfile(ctx context.Context, orgID int64, self bool) error
	OperatorSettings(ctx context.Context) (billing.Seller, error)
	SaveOperatorSettings(ctx context.Context, s *billing.Seller) error
	// DunningSettings returns the operator's dunning settings; found is
	// false until they are saved.
	DunningSettings(ctx context.Context) (d billing.DunningSettings, found bool, err error)
	SaveDunningSettings(ctx context.Context, d *billing.DunningSettings) error
	TaxRates(ctx context.Context) ([]billing.TaxRate, error)
	InsertTaxRate(ctx context.Context, r *billing.TaxRate) error
	SelfBillingResellers(ctx context.Context) (map[int64]bool, error)
	StartBillingRun(ctx context.Context, run *billing.Run) (abandoned []int64, err error)
	// RenewBillingRun records a running run's progress and extends its
	// lease to run.LeaseUntil.
	RenewBillingRun(ctx context.Context, run billing.Run) error
	FinishBillingRun(ctx context.Context, run billing.Run) error
	BillingRuns(ctx context.Context, limit int) ([]billing.Run, error)
	BillingRun(ctx context.Context, id int64) (billing.Run, error)
	CountCustomersToBill(ctx context.Context) (int, error)
	CustomersToBill(ctx context.Context, after int64, limit int) ([]int64, error)
	SubscriptionsToRenew(ctx context.Context, asOf time.Time) ([]int64, error)
	// RenewalNoticesDue lists the live auto-renewing subscriptions whose
	// term ends in (from, to], not terminating, whose term's renewal
	// notice was not sent.
	RenewalNoticesDue(ctx context.Context, from, to time.Time) ([]int64, error)
	// SoldVersion is the version (JSON) a subscription is charged at.
	SoldVersion(ctx context.Context, subID int64) (string, error)
	OverdueInvoices(ctx context.Context, asOf time.Time) ([]int64, error)
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	PlanByID(ctx context.Context, id int64) (catalog.Plan, error)
	ProductByID(ctx context.Context, id int64) (catalog.Product, error)
	// ChannelPrices reads the vendor's fee and the channel's price-list
	// entries for a plan above a reseller (given, or the customer's).
	ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error)
	// Rates: a customer's currency and the exchange-rate table.
	charging.Rates
	InvoiceReads
}

// Tx is what the service does inside one transaction.
type Tx interface {
	charging.Tx

	// The charges of a chunk of customers (lo, hi].
	SchedulesDue(ctx context.Context, lo, hi int64, asOf time.Time) ([]billing.Due, error)
	SaveChargeSchedules(ctx context.Context, scs []billing.Schedule) error
	UsageDue(ctx context.Context, lo, hi int64, until time.Time) ([]billing.Charge, error)
	UsageToBill(ctx context.Context, lo, hi int64, to time.Time, windows []billing.UsageWindow) (billing.Usage, error)
	CloseUsage(ctx context.Context, ids []int64) error
	ChargesToInvoice(ctx context.Context, lo, hi int64, before time.Time) ([]billing.Charge, error)
	MarkInvoiced(ctx context.Context, invoiceID int64, ids []int64) error
	// NameCharges gives charges not written yet their subscription's
	// reseller, product and plan names, as ChargesToInvoice reads them.
	NameCharges(ctx context.Context, lo, hi int64, charges []billing.Charge) error
	// Custom billing (custom.go).
	SetCustomLines(ctx context.Context, subID int64, raw string) error
	CustomChargeCount(ctx context.Context, subID int64) (int, error)
	VoidCustomCharges(ctx context.Context, subID int64, prefix, reason string) error
	UninvoicedCharges(ctx context.Context, subID int64, kind, ref string) ([]billing.Charge, error)
	PlanByID(ctx context.Context, id int64) (catalog.Plan, error)
	ProductByID(ctx context.Context, id int64) (catalog.Product, error)
	OrganizationByID(ctx context.Context, id int64) (mercato.Organization, error)
	// ChannelPrices reads the vendor's fee and the channel's price-list
	// entries for a plan above a customer's reseller.
	ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error)
	// Rates: a customer's currency and the exchange-rate table.
	charging.Rates

	// Invoices.
	InsertInvoice(ctx context.Context, inv *billing.Invoice) error
	NextInvoiceNumber(ctx context.Context, issuerID int64, kind billing.Kind, year int) (int64, error)
	// NextInvoiceNumbers reserves n numbers at once and returns the first.
	NextInvoiceNumbers(ctx context.Context, issuerID int64, kind billing.Kind, year int, n int) (int64, error)
	// InsertRunInvoices writes the invoices of a chunk of a billing run,
	// their lines, charges invoiced, ledger entries and events at once.
	InsertRunInvoices(ctx context.Context, invs []billing.Invoice, charges [][]int64, entries [][]billing.Entry) error
	// OrganizationsByID reads organizations at once, whoever may see them.
	OrganizationsByID(ctx context.Context, ids []int64) (map[int64]mercato.Organization, error)
	SaveIssued(ctx context.Context, inv billing.Invoice, entries []billing.Entry) error
	LockInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	RemindInvoice(ctx context.Context, inv billing.Invoice, message string) error
	MarkInvoiceSuspended(ctx context.Context, id int64) error
	InsertPayment(ctx context.Context, pm billing.Payment, recordedBy int64) error
	// PaidAmount is the sum of an invoice's payments (refunds negative).
	PaidAmount(ctx context.Context, invoiceID int64) (decimal.Decimal, error)
	MarkInvoicePaid(ctx context.Context, inv billing.Invoice) error
	OtherSuspendingInvoices(ctx context.Context, subID, invoiceID int64) (int, error)
	// CreditNotesOf returns an invoice's credit notes with their lines.
	CreditNotesOf(ctx context.Context, invoiceID int64) ([]billing.Invoice, error)
	MarkFullyCredited(ctx context.Context, id int64) error
	// PeriodInvoices returns the issued or paid invoices that billed a
	// subscription's period ending at end: its recurring charge's first,
	// then its changes', newest first.
	PeriodInvoices(ctx context.Context, subID int64, end time.Time) ([]int64, error)
	// OperatorSettings: the operator's identity as the platform's seller.
	OperatorSettings(ctx context.Context) (billing.Seller, error)
	TaxRates(ctx context.Context) ([]billing.TaxRate, error)

	// Subscriptions.
	LockSubscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	InsertRenewalOrder(ctx context.Context, p mercato.Principal, o *subscription.Order) error
	ModifySubscription(ctx context.Context, sub *subscription.Subscription, reason string) error
	// RenewalNotice records that the renewal notice of the term ending at
	// end was sent, with its MODIFIED event (metadata).
	RenewalNotice(ctx context.Context, subID int64, end time.Time, metadata map[string]string) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs billing.
type Service struct {
	reads   Reads
	inTx    InTx
	dunning billing.DunningPolicy  // of runs and invoices that set none
	retries billing.PaymentRetries // the payment retries until the operator sets its own
	// customers is how many customers one transaction of a run bills when
	// its options say none (WithChunk).
	customers int
	// afterChunk is called after each chunk's progress is recorded
	// (WithAfterChunk).
	afterChunk func(ctx context.Context, run billing.Run)
	// The runs StartBilling started, which Background stops and waits.
	mu       sync.Mutex // orders StartBilling's Add with Background's Wait
	jobs     sync.WaitGroup
	jobCtx   context.Context
	stopJobs context.CancelFunc
}

// Option configures a Service.
type Option func(*Service)

// WithDunning sets the dunning policy of billing runs that set none and of
// invoices issued by hand (serve's configuration); the default is
// billing.DefaultDunning().
func WithDunning(p billing.DunningPolicy) Option { return func(s *Service) { s.dunning = p } }

// WithChunk sets how many customers one transaction of a run bills when
// the run's options say none (default 500).
func WithChunk(customers int) Option { return func(s *Service) { s.customers = customers } }

// WithAfterChunk sets a function every run calls after each chunk of
// customers, once the chunk is committed and the run's progress recorded
// (tests hold a run midway with it, deterministically).
func WithAfterChunk(fn func(ctx context.Context, run billing.Run)) Option {
	return func(s *Service) { s.afterChunk = fn }
}

// WithRetries sets the payment retry days shown as the dunning settings
// until the operator saves its own (serve's --payment-retry-days; the
// default is billing.DefaultPaymentRetries()).
func WithRetries(r billing.PaymentRetries) Option { return func(s *Service) { s.retries = r } }

// New returns the service over its repositories.
func New(reads Reads, inTx InTx, opts ...Option) *Service {
	s := &Service{reads: reads, inTx: inTx, dunning: billing.DefaultDunning(), retries: billing.DefaultPaymentRetries(), customers: 500}
	s.jobCtx, s.stopJobs = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	return s
}
