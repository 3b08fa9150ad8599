package partnercenter

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Invoice is one of the partner's invoices from Microsoft.
type Invoice struct {
	ID                     string          `json:"id"`
	InvoiceDate            time.Time       `json:"invoiceDate"`
	BillingPeriodStartDate time.Time       `json:"billingPeriodStartDate"`
	BillingPeriodEndDate   time.Time       `json:"billingPeriodEndDate"`
	TotalCharges           decimal.Decimal `json:"totalCharges"`
	PaidAmount             decimal.Decimal `json:"paidAmount"`
	CurrencyCode           string          `json:"currencyCode"`
	InvoiceType            string          `json:"invoiceType"`
}

// InvoiceLineItem is a new-commerce billing line (provider onetime): what
// Microsoft charges the partner for a customer's subscription over a
// period, to match with the marketplace's own charges.
type InvoiceLineItem struct {
	CustomerID              string          `json:"customerId"`
	CustomerName            string          `json:"customerName"`
	InvoiceNumber           string          `json:"invoiceNumber"`
	OrderID                 string          `json:"orderId"`
	ProductID               string          `json:"productId"`
	SkuID                   string          `json:"skuId"`
	AvailabilityID          string          `json:"availabilityId"`
	SkuName                 string          `json:"skuName"`
	ChargeType              string          `json:"chargeType"`
	UnitPrice               decimal.Decimal `json:"unitPrice"`
	Quantity                int             `json:"quantity"`
	Subtotal                decimal.Decimal `json:"subtotal"`
	TaxTotal                decimal.Decimal `json:"taxTotal"`
	TotalForCustomer        decimal.Decimal `json:"totalForCustomer"`
	Currency                string          `json:"currency"`
	SubscriptionID          string          `json:"subscriptionId"`
	SubscriptionDescription string          `json:"subscriptionDescription"`
	ChargeStartDate         time.Time       `json:"chargeStartDate"`
	ChargeEndDate           time.Time       `json:"chargeEndDate"`
	TermAndBillingCycle     string          `json:"termAndBillingCycle"`
}

// Invoices lists the partner's invoices.
func (c *Client) Invoices(ctx context.Context) ([]Invoice, error) {
	var out collection[Invoice]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: "/invoices", out: &out})
	return out.Items, err
}

// InvoiceLineItems reads every new-commerce billing line of an invoice,
// following the continuation links.
func (c *Client) InvoiceLineItems(ctx context.Context, invoiceID string) ([]InvoiceLineItem, error) {
	return c.lineItems(ctx, "/invoices/"+url.PathEscape(invoiceID)+"/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=2000")
}

// UnbilledLineItems reads the new-commerce charges of the current period
// not invoiced yet, in a currency: the reconciliation before the invoice.
func (c *Client) UnbilledLineItems(ctx context.Context, currency string) ([]InvoiceLineItem, error) {
	return c.lineItems(ctx, "/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&period=current&size=2000&currencycode="+url.QueryEscape(currency))
}

func (c *Client) lineItems(ctx context.Context, path string) ([]InvoiceLineItem, error) {
	var all []InvoiceLineItem
	header := map[string]string{}
	for page := 0; page < 10000; page++ {
		var out collection[InvoiceLineItem]
		if _, _, err := c.do(ctx, call{method: http.MethodGet, path: path, out: &out, header: header}); err != nil {
			return nil, err
		}
		all = append(all, out.Items...)
		next, ok := out.Links["next"]
		if !ok || next.URI == "" {
			break
		}
		path = "/" + strings.TrimPrefix(strings.TrimPrefix(next.URI, "/v1"), "/")
		header = map[string]string{}
		for _, h := range next.Headers {
			header[h.Key] = h.Value
		}
	}
	return all, nil
}
