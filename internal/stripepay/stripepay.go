// Package stripepay is the billing.PaymentProvider on Stripe, through the
// official library (github.com/stripe/stripe-go): a Stripe customer per
// customer organization, Checkout in setup mode where the customer saves a
// card or a SEPA debit mandate, a PaymentIntent per issued invoice charged
// off session to the saved method, and refunds. The API's base URL is
// configurable so that tests and the demo run against stripe-mock.
package stripepay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	stripe "github.com/stripe/stripe-go/v82"

	"github.com/mercato-market/mercato/internal/billing"
)

// Name is the method of the payments Stripe collected.
const Name = "stripe"

// Config configures the provider. The secret key comes from the
// environment only and is never logged.
type Config struct {
	SecretKey string
	// APIBase is the API's base URL; empty is Stripe's own.
	APIBase    string
	HTTPClient *http.Client
}

// Provider is a billing.PaymentProvider on Stripe.
type Provider struct {
	sc  *stripe.Client
	key string // to keep it out of the errors Stripe echoes it in
}

var _ billing.PaymentProvider = (*Provider)(nil)

// New returns the provider, or an error without a secret key.
func New(cfg Config) (*Provider, error) {
	if cfg.SecretKey == "" {
		return nil, errors.New("stripe: no secret key")
	}
	bc := &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(strings.TrimRight(cfg.APIBase, "/"))
	}
	backends := stripe.NewBackendsWithConfig(bc)
	return &Provider{sc: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(backends)), key: cfg.SecretKey}, nil
}

// Name returns "stripe".
func (p *Provider) Name() string { return Name }

// CreateCustomer creates the Stripe customer of an organization; its id
// is in the metadata so that Stripe's dashboard leads back to it.
func (p *Provider) CreateCustomer(ctx context.Context, orgID int64, name, email string) (string, error) {
	params := &stripe.CustomerCreateParams{Name: stripe.String(name)}
	if email != "" {
		params.Email = stripe.String(email)
	}
	params.AddMetadata("organization_id", strconv.FormatInt(orgID, 10))
	// A retried creation must not leave two customers for one organization.
	params.SetIdempotencyKey("mercato-customer-" + strconv.FormatInt(orgID, 10))
	c, err := p.sc.V1Customers.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: create customer of organization %d: %w", orgID, p.redact(err))
	}
	return c.ID, nil
}

// SetupURL starts a Checkout session in setup mode (a card or a SEPA
// debit mandate, saved for charges without the customer present) and
// returns the page's address.
func (p *Provider) SetupURL(ctx context.Context, customerRef, currency, successURL, cancelURL string) (string, error) {
	params := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModeSetup)),
		Customer:           stripe.String(customerRef),
		Currency:           stripe.String(strings.ToLower(currency)),
		PaymentMethodTypes: stripe.StringSlice([]string{"card", "sepa_debit"}),
		SuccessURL:         stripe.String(successURL),
		CancelURL:          stripe.String(cancelURL),
	}
	s, err := p.sc.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: setup session of %s: %w", customerRef, p.redact(err))
	}
	return s.URL, nil
}

// Collect creates and confirms a PaymentIntent for the invoice's total,
// off session, to the customer's most recent saved payment method. The
// idempotency key is the invoice's number (with its issuer, as numbers are
// per issuer, and the try after the first), so asking again returns the
// first answer and never charges twice; the invoice's id and number are in
// the metadata, for Stripe's dashboard.
func (p *Provider) Collect(ctx context.Context, customerRef string, inv billing.Invoice, try int) (string, error) {
	if inv.Number == "" {
		return "", fmt.Errorf("stripe: invoice %d is not issued", inv.ID)
	}
	amount, err := MinorUnits(inv.Total, inv.Currency)
	if err != nil {
		return "", fmt.Errorf("stripe: invoice %s: %w", inv.Number, err)
	}
	pm, err := p.savedMethod(ctx, customerRef)
	if err != nil {
		return "", err
	}
	params := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(amount),
		Currency:           stripe.String(strings.ToLower(inv.Currency)),
		Customer:           stripe.String(customerRef),
		PaymentMethod:      stripe.String(pm),
		PaymentMethodTypes: stripe.StringSlice([]string{"card", "sepa_debit"}),
		OffSession:         stripe.Bool(true),
		Confirm:            stripe.Bool(true),
		Description:        stripe.String("Invoice " + inv.Number),
	}
	params.AddMetadata("invoice_id", strconv.FormatInt(inv.ID, 10))
	params.AddMetadata("invoice_number", inv.Number)
	params.SetIdempotencyKey(IdempotencyKey(inv, try))
	pi, err := p.sc.V1PaymentIntents.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: charge invoice %s: %w", inv.Number, p.redact(err))
	}
	return pi.ID, nil
}

// IdempotencyKey is the key of the PaymentIntent of an invoice's try: the
// invoice's number, and the retry's number after the first.
func IdempotencyKey(inv billing.Invoice, try int) string {
	key := fmt.Sprintf("mercato-invoice-%d-%s", inv.Issuer.ID, inv.Number)
	if try > 0 {
		key += fmt.Sprintf("-retry-%d", try)
	}
	return key
}

// savedMethod returns the customer's most recently saved payment method
// (Stripe lists the newest first).
func (p *Provider) savedMethod(ctx context.Context, customerRef string) (string, error) {
	params := &stripe.CustomerListPaymentMethodsParams{Customer: stripe.String(customerRef)}
	params.Limit = stripe.Int64(1)
	for pm, err := range p.sc.V1Customers.ListPaymentMethods(ctx, params) {
		if err != nil {
			return "", fmt.Errorf("stripe: payment methods of %s: %w", customerRef, p.redact(err))
		}
		return pm.ID, nil
	}
	return "", fmt.Errorf("stripe: customer %s has no saved payment method", customerRef)
}

// Refund refunds amount of the PaymentIntent reference, under the
// idempotency key key.
func (p *Provider) Refund(ctx context.Context, reference string, amount decimal.Decimal, currency, key string) (string, error) {
	minor, err := MinorUnits(amount, currency)
	if err != nil {
		return "", fmt.Errorf("stripe: refund of %s: %w", reference, err)
	}
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(reference), Amount: stripe.Int64(minor)}
	params.SetIdempotencyKey(key)
	r, err := p.sc.V1Refunds.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: refund of %s: %w", reference, p.redact(err))
	}
	return r.ID, nil
}

// zeroDecimal are the currencies Stripe counts in whole units.
var zeroDecimal = map[string]bool{
	"BIF": true, "CLP": true, "DJF": true, "GNF": true, "JPY": true, "KMF": true, "KRW": true, "MGA": true,
	"PYG": true, "RWF": true, "UGX": true, "VND": true, "VUV": true, "XAF": true, "XOF": true, "XPF": true,
}

// MinorUnits is an amount in the currency's smallest unit, as Stripe
// counts it; an amount with a fraction of that unit is an error rather
// than rounded, since it would charge other than the invoice says.
func MinorUnits(amount decimal.Decimal, currency string) (int64, error) {
	shift := int32(2)
	if zeroDecimal[strings.ToUpper(currency)] {
		shift = 0
	}
	m := amount.Shift(shift)
	if !m.Equal(m.Truncate(0)) {
		return 0, fmt.Errorf("%s %s has a fraction of the smallest unit", currency, amount)
	}
	return m.IntPart(), nil
}

// FromMinorUnits is the amount of Stripe's minor units in currency.
func FromMinorUnits(minor int64, currency string) decimal.Decimal {
	if zeroDecimal[strings.ToUpper(currency)] {
		return decimal.NewFromInt(minor)
	}
	return decimal.New(minor, -2)
}

// redacted is an API error whose text no longer holds the secret key:
// Stripe (and stripe-mock) quote the key a request was refused with, and
// errors end up in logs. The original stays reachable for errors.As.
type redacted struct {
	err error
	key string
}

func (r redacted) Error() string { return strings.ReplaceAll(r.err.Error(), r.key, "sk_…(redacted)") }
func (r redacted) Unwrap() error { return r.err }

func (p *Provider) redact(err error) error { return redacted{err: err, key: p.key} }
