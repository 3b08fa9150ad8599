package notify

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The messages events cause (their templates are under templates/).
const (
	OrderConfirmation     = "order_confirmation"        // to the customer: a subscription was ordered
	NewSubscription       = "new_subscription"          // to the vendor: a subscription of its product was ordered
	SubscriptionDeployed  = "subscription_deployed"     // to the customer: it is live, with the launch link
	SubscriptionFailed    = "subscription_failed"       // to the customer: the provider could not set it up
	OrderRejected         = "order_rejected"            // to the customer: the operator rejected its order, with the reason
	InvoiceIssued         = "invoice_issued"            // to the billed organization: an invoice or credit note, its PDF attached
	PaymentSucceeded      = "payment_succeeded"         // to the billed organization: its invoice is paid (a receipt)
	PaymentFailed         = "payment_failed"            // to the billed organization: a payment failed, when it is retried, how to change the method
	CustomerPaymentFailed = "customer_payment_failed"   // to the customer's reseller: a payment of its customer failed
	EndpointDisabled      = "webhook_endpoint_disabled" // to the owner's admins: a webhook endpoint was disabled
	PasswordReset         = "password_reset"            // to a user who asked: the reset link
	RenewalReminder       = "renewal_reminder"          // to the customer: a subscription renews in a few days
	TrialEnding           = "trial_ending"              // to the customer: a trial ends in a few days
	RenewalPriceChange    = "renewal_price_change"      // to the customer: the renewal applies a new price, from its date
	Invitation            = "user_invitation"           // to a new user: the link that sets its password
	AddressInUse          = "address_in_use"            // to a user whose address another organization invited
)

// Templates lists every message the service builds.
var Templates = []string{OrderConfirmation, NewSubscription, SubscriptionDeployed, SubscriptionFailed, OrderRejected, InvoiceIssued,
	PaymentSucceeded, PaymentFailed, CustomerPaymentFailed, EndpointDisabled, PasswordReset, RenewalReminder, TrialEnding, RenewalPriceChange,
	Invitation, AddressInUse}

// Data is what a message's templates and catalogue entries read; each
// message fills what it tells.
type Data struct {
	Operator string // the platform organization's name, in every message
	Name     string // the recipient's name (may be empty)

	Product, Plan string
	Quantity      int64
	Total         string // an amount with its currency, e.g. "EUR 30.00"
	Customer      string // the customer organization's name

	InvoiceNumber string
	CreditNote    bool
	DueDate       string // YYYY-MM-DD, empty when none
	PaidDate      string // YYYY-MM-DD
	RetryDate     string // YYYY-MM-DD of a failed payment's next try, empty when none is left

	Endpoint string // a webhook endpoint's URL
	Reason   string // why it was disabled (in English: the dispatcher's words); why an order was rejected (the operator's words)

	Date    string // YYYY-MM-DD a subscription renews or its trial ends
	Minutes int    // how long a link works

	// LogoURL is the operator's logo (--mail-logo-url), empty for none.
	LogoURL string

	// A renewal notice: the period price now and from EffectiveDate
	// (YYYY-MM-DD), each with its currency.
	CurrentPrice, NextPrice, EffectiveDate string

	// Links: all on --public-url but LaunchURL, the provider's APP
	// endpoint of the subscription (https, checked when it was set).
	SubscriptionURL string
	InvoiceURL      string
	LaunchURL       string
	PaymentURL      string // where the customer changes its payment method
	WebhookURL      string // the endpoint's page, where it is enabled again
	ResetURL        string // a password-reset link (a secret)

	// An invitation: the inviting organization, the link that sets the
	// password (a secret) and for how many days it works; to the holder
	// of an address already in use, where it signs in.
	Organization string
	InviteURL    string
	Days         int
	SignInURL    string
}

// letter is one message to every user of an organization.
type letter struct {
	template    string
	orgID       int64
	data        Data
	attachments []mail.Attachment
}

// Event metadata the lifecycle service writes with a change of deployment
// status (internal/lifecycle), and the billing service with an invoice's.
const (
	metaStatus         = "deployment_status"
	metaPreviousStatus = "previous_status"
	metaInvoiceStatus  = "status"
	// MetaPayment is "failed" on the event a failed payment of an
	// invoice records (internal/payments), with MetaRetryAt, the date
	// (YYYY-MM-DD) of its next try, empty when no try is left.
	MetaPayment = "payment"
	MetaRetryAt = "retry_at"
	metaReason  = "reason" // of a MODIFIED event the billing run records
	// metaRejectionReason is the operator's reason on the event of a
	// rejected order (lifecycle.MetaRejectionReason).
	metaRejectionReason = "rejection_reason"
)

// decide returns the letters an event causes (often none).
func (s *Service) decide(ctx context.Context, tx Tx, ev subscription.Event) ([]letter, error) {
	switch {
	case ev.Entity == subscription.EntitySubscription && ev.Type == subscription.EventCreated:
		f, err := tx.SubscriptionFacts(ctx, ev.EntityID)
		if err != nil {
			return nil, err
		}
		d := s.subscriptionData(f)
		out := []letter{{template: OrderConfirmation, orgID: f.CustomerID, data: d}}
		if f.VendorID != f.CustomerID { // a vendor's own (sandbox) order tells it once
			out = append(out, letter{template: NewSubscription, orgID: f.VendorID, data: d})
		}
		return out, nil

	case ev.Entity == subscription.EntitySubscription && ev.Type == subscription.EventModified && ev.Metadata[metaReason] == billing.ReasonRenewalNotice:
		f, err := tx.SubscriptionFacts(ctx, ev.EntityID)
		if err != nil {
			return nil, err
		}
		d := s.subscriptionData(f)
		cur := ev.Metadata["currency"]
		d.CurrentPrice, d.NextPrice = cur+" "+ev.Metadata["current_period_price"], cur+" "+ev.Metadata["next_period_price"]
		if at, err := time.Parse(time.RFC3339, ev.Metadata["effective_at"]); err == nil {
			d.EffectiveDate = at.UTC().Format("2006-01-02")
		}
		return []letter{{template: RenewalPriceChange, orgID: f.CustomerID, data: d}}, nil

	case ev.Entity == subscription.EntitySubscription && ev.Type == subscription.EventDeleted && ev.Metadata[metaRejectionReason] != "":
		// The operator rejected an order (it ends with nothing
		// provisioned): the customer is told why. A cancellation, the
		// customer's own doing, is not told.
		f, err := tx.SubscriptionFacts(ctx, ev.EntityID)
		if err != nil {
			return nil, err
		}
		d := s.subscriptionData(f)
		d.Reason = ev.Metadata[metaRejectionReason]
		return []letter{{template: OrderRejected, orgID: f.CustomerID, data: d}}, nil

	case ev.Entity == subscription.EntitySubscription && ev.Type == subscription.EventModified:
		var template string
		switch subscription.Status(ev.Metadata[metaStatus]) {
		case subscription.Deployed:
			// A resumption after a suspension is no news: only a
			// deployment (from PENDING or POST_CONFIGURATION) is told.
			if prev := subscription.Status(ev.Metadata[metaPreviousStatus]); prev == subscription.Stopped {
				return nil, nil
			}
			template = SubscriptionDeployed
		case subscription.Failed:
			template = SubscriptionFailed
		default:
			return nil, nil
		}
		f, err := tx.SubscriptionFacts(ctx, ev.EntityID)
		if err != nil {
			return nil, err
		}
		d := s.subscriptionData(f)
		if d.LaunchURL == "" {
			d.LaunchURL = d.SubscriptionURL
		}
		return []letter{{template: template, orgID: f.CustomerID, data: d}}, nil

	case ev.Entity == subscription.EntityInvoice && ev.Type == subscription.EventModified &&
		billing.Status(ev.Metadata[metaInvoiceStatus]) == billing.StatusIssued:
		inv, err := tx.InvoiceForMail(ctx, ev.EntityID)
		if err != nil {
			return nil, err
		}
		d := Data{InvoiceNumber: inv.Number, CreditNote: inv.Kind == billing.KindCreditNote,
			Total: inv.Currency + " " + billing.Money(inv.Total, inv.Currency), InvoiceURL: s.link("/invoices/%d", inv.ID)}
		if inv.DueAt != nil && !d.CreditNote {
			d.DueDate = inv.DueAt.UTC().Format("2006-01-02")
		}
		pdf := mail.Attachment{Kind: mail.AttachInvoicePDF, ID: inv.ID, Name: inv.Number + ".pdf"}
		return []letter{{template: InvoiceIssued, orgID: inv.Customer.ID, data: d, attachments: []mail.Attachment{pdf}}}, nil

	case ev.Entity == subscription.EntityInvoice && ev.Type == subscription.EventModified &&
		billing.Status(ev.Metadata[metaInvoiceStatus]) == billing.StatusPaid:
		inv, err := tx.InvoiceForMail(ctx, ev.EntityID)
		if err != nil || inv.Kind != billing.KindInvoice {
			return nil, err
		}
		d := s.invoiceData(inv)
		if inv.PaidAt != nil {
			d.PaidDate = inv.PaidAt.UTC().Format("2006-01-02")
		}
		return []letter{{template: PaymentSucceeded, orgID: inv.Customer.ID, data: d}}, nil

	case ev.Entity == subscription.EntityInvoice && ev.Type == subscription.EventModified && ev.Metadata[MetaPayment] == "failed":
		inv, err := tx.InvoiceForMail(ctx, ev.EntityID)
		if err != nil {
			return nil, err
		}
		d := s.invoiceData(inv)
		d.RetryDate, d.PaymentURL, d.Customer = ev.Metadata[MetaRetryAt], s.link("/invoices#payment-method"), inv.Customer.Name
		out := []letter{{template: PaymentFailed, orgID: inv.Customer.ID, data: d}}
		if inv.ResellerID != 0 && inv.ResellerID != inv.Customer.ID {
			rd := d
			rd.InvoiceURL = s.link("/channel/organizations")
			out = append(out, letter{template: CustomerPaymentFailed, orgID: inv.ResellerID, data: rd})
		}
		return out, nil
	}
	return nil, nil
}

// invoiceData is what every message about an invoice tells.
func (s *Service) invoiceData(inv billing.Invoice) Data {
	return Data{InvoiceNumber: inv.Number, Total: inv.Currency + " " + billing.Money(inv.Total, inv.Currency),
		InvoiceURL: s.link("/invoices/%d", inv.ID)}
}

// subscriptionData is what every message about a subscription tells.
func (s *Service) subscriptionData(f SubscriptionFacts) Data {
	return Data{Product: f.ProductName, Plan: f.PlanName, Quantity: f.Quantity, Customer: f.CustomerName,
		Total:           f.Currency + " " + billing.Money(f.Total, f.Currency),
		SubscriptionURL: s.link("/subscriptions/%d", f.ID), LaunchURL: f.LaunchURL}
}
