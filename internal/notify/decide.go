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
	OrderConfirmation    = "order_confirmation"    // to the customer: a subscription was ordered
	NewSubscription      = "new_subscription"      // to the vendor: a subscription of its product was ordered
	SubscriptionDeployed = "subscription_deployed" // to the customer: it is live, with the launch link
	SubscriptionFailed   = "subscription_failed"   // to the customer: the provider could not set it up
	InvoiceIssued        = "invoice_issued"        // to the billed organization: an invoice or credit note, its PDF attached
	RenewalPriceChange   = "renewal_price_change"  // to the customer: the renewal applies a new price, from its date
)

// Templates lists every message the service builds.
var Templates = []string{OrderConfirmation, NewSubscription, SubscriptionDeployed, SubscriptionFailed, InvoiceIssued, RenewalPriceChange}

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

	// A renewal notice: the period price now and from EffectiveDate
	// (YYYY-MM-DD), each with its currency.
	CurrentPrice, NextPrice, EffectiveDate string

	// Links: all on --public-url but LaunchURL, the provider's APP
	// endpoint of the subscription (https, checked when it was set).
	SubscriptionURL string
	InvoiceURL      string
	LaunchURL       string
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
	metaReason         = "reason" // of a MODIFIED event the billing run records
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
	}
	return nil, nil
}

// subscriptionData is what every message about a subscription tells.
func (s *Service) subscriptionData(f SubscriptionFacts) Data {
	return Data{Product: f.ProductName, Plan: f.PlanName, Quantity: f.Quantity, Customer: f.CustomerName,
		Total:           f.Currency + " " + billing.Money(f.Total, f.Currency),
		SubscriptionURL: s.link("/subscriptions/%d", f.ID), LaunchURL: f.LaunchURL}
}
