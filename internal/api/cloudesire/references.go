package cloudesire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The resources a subscription refers to: its customer (company/{id}), its
// orders (order/{id}) and invoices (invoice/{id}). A vendor reads those of
// its products' subscriptions.

// Company is an organization (CompanyDTO).
type Company struct {
	ID           int64  `json:"id"`
	Self         string `json:"self"`
	Name         string `json:"name"`
	EmailAddress string `json:"emailAddress,omitempty"`
	TaxCode      string `json:"taxCode,omitempty" doc:"the VAT number"`
	Enabled      bool   `json:"enabled"`
}

func (h *Handler) company(ctx context.Context, p mercato.Principal, _ *http.Request, id int64) (any, error) {
	o, err := h.Lifecycle.SubscriberOrganization(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return companyOf(o), nil
}

func companyOf(o mercato.Organization) Company {
	return Company{ID: o.ID, Self: "company/" + strconv.FormatInt(o.ID, 10), Name: o.Name, EmailAddress: o.Email,
		TaxCode: o.VATID, Enabled: true}
}

// Order is an order (OrderDTO).
type Order struct {
	ID             int64  `json:"id"`
	Self           string `json:"self"`
	Type           string `json:"type" enum:"NORMAL,TRIAL,SANDBOX,BILLING_ITEM_UPGRADE,RENEWAL" doc:"a new subscription's type; BILLING_ITEM_UPGRADE for a change of seats or plan"`
	Subscription   *Ref   `json:"subscription"`
	ProductVersion *Ref   `json:"productVersion"`
	Date           Time   `json:"date"`
	Currency       string `json:"currency"`
	TotalPrice     Number `json:"totalPrice"`
}

var orderTypes = map[subscription.OrderType]string{subscription.OrderChange: "BILLING_ITEM_UPGRADE", subscription.OrderRenewal: "RENEWAL"}

func (h *Handler) order(ctx context.Context, p mercato.Principal, _ *http.Request, id int64) (any, error) {
	o, err := h.Orders.Order(ctx, p, id)
	if err != nil {
		return nil, err
	}
	typ, ok := orderTypes[o.Type]
	if !ok {
		// A new order is of its subscription's type (NORMAL, TRIAL,
		// SANDBOX), which whoever sees the order sees.
		sub, err := h.Lifecycle.Subscription(ctx, p, o.SubscriptionID)
		if err != nil {
			return nil, err
		}
		typ = string(sub.Type)
	}
	return Order{ID: o.ID, Self: "order/" + strconv.FormatInt(o.ID, 10), Type: typ, Subscription: ref("subscription", o.SubscriptionID),
		ProductVersion: ref("productVersion", o.PlanID), Date: Time(o.CreatedAt), Currency: o.Currency, TotalPrice: num(o.Total)}, nil
}

// VATPrice is an amount with its tax (VATPriceDTO): vatSpunOff is the tax
// on price, vat the rate in percent.
type VATPrice struct {
	Price      Number `json:"price"`
	Currency   string `json:"currency"`
	VatSpunOff Number `json:"vatSpunOff"`
	VAT        Number `json:"vat"`
}

// InvoiceLine is one line of an invoice (OrderLineDTO): the price of one
// unit, the quantity and what it is for.
type InvoiceLine struct {
	Price       VATPrice `json:"price"`
	Quantity    Number   `json:"quantity"`
	Description string   `json:"description"`
	Type        string   `json:"type" enum:"RECURRINGCOST,SETUPFEE,BILLINGITEMCOST,CUSTOM"`
}

// Invoice is an issued invoice (InvoiceDTO): a vendor's holds the lines
// billing its products and their totals.
type Invoice struct {
	ID              int64         `json:"id"`
	Self            string        `json:"self"`
	Company         *Ref          `json:"company" doc:"the customer"`
	Date            *Time         `json:"date,omitempty" doc:"when it was issued"`
	Type            string        `json:"type" enum:"NORMAL"`
	Status          string        `json:"status" enum:"UNPAID,PAID,EXPIRED" doc:"EXPIRED for an unpaid invoice credited in full (or one voided before credit notes replaced voiding)"`
	PaymentReceived *Time         `json:"paymentReceived,omitempty"`
	Subscription    *Ref          `json:"subscription,omitempty" doc:"the subscription its lines bill, when they bill only one"`
	Total           VATPrice      `json:"total"`
	Entries         []InvoiceLine `json:"entries"`
}

var (
	invoiceStatuses = map[billing.Status]string{billing.StatusIssued: "UNPAID", billing.StatusPaid: "PAID", billing.StatusVoid: "EXPIRED"}
	lineTypes       = map[string]string{pricing.KindRecurring: "RECURRINGCOST", pricing.KindSetup: "SETUPFEE", pricing.KindUsage: "BILLINGITEMCOST", billing.KindChange: "BILLINGITEMCOST"}
)

func invoiceOf(inv billing.Invoice) Invoice {
	out := Invoice{ID: inv.ID, Self: "invoice/" + strconv.FormatInt(inv.ID, 10), Company: ref("company", inv.Customer.ID),
		Date: timePtr(inv.IssuedAt), Type: "NORMAL", Status: invoiceStatuses[inv.Status], PaymentReceived: timePtr(inv.PaidAt),
		Total:   VATPrice{Price: num(inv.Subtotal), Currency: inv.Currency, VatSpunOff: num(inv.Tax), VAT: num(inv.TaxRate)},
		Entries: []InvoiceLine{}}
	if inv.Status == billing.StatusIssued && inv.FullyCredited {
		out.Status = "EXPIRED" // nothing of it is due
	}
	subs := map[int64]bool{}
	for _, l := range inv.Lines {
		typ, ok := lineTypes[l.Kind]
		if !ok {
			typ = "CUSTOM"
		}
		unitTax := l.UnitAmount.Mul(l.TaxRate).Div(decimal.NewFromInt(100)).Round(6)
		out.Entries = append(out.Entries, InvoiceLine{Price: VATPrice{Price: num(l.UnitAmount), Currency: inv.Currency, VatSpunOff: num(unitTax), VAT: num(l.TaxRate)},
			Quantity: num(l.Quantity), Description: l.Description, Type: typ})
		if l.SubscriptionID != 0 {
			subs[l.SubscriptionID] = true
		}
	}
	if len(subs) == 1 {
		for id := range subs {
			out.Subscription = ref("subscription", id)
		}
	}
	return out
}

func (h *Handler) invoice(ctx context.Context, p mercato.Principal, _ *http.Request, id int64) (any, error) {
	inv, err := h.Invoices.ProviderInvoice(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return invoiceOf(inv), nil
}
