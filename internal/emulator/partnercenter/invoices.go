package partnercenter

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Amount is money as Partner Center writes it: a JSON number.
type Amount struct{ decimal.Decimal }

// MarshalJSON writes the amount as a number.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// Invoice is a partner's invoice.
type Invoice struct {
	ID                     string          `json:"id"`
	InvoiceDate            time.Time       `json:"invoiceDate"`
	BillingPeriodStartDate time.Time       `json:"billingPeriodStartDate"`
	BillingPeriodEndDate   time.Time       `json:"billingPeriodEndDate"`
	TotalCharges           Amount          `json:"totalCharges"`
	PaidAmount             Amount          `json:"paidAmount"`
	CurrencyCode           string          `json:"currencyCode"`
	CurrencySymbol         string          `json:"currencySymbol"`
	InvoiceType            string          `json:"invoiceType"`
	DocumentType           string          `json:"documentType"`
	InvoiceDetails         []InvoiceDetail `json:"invoiceDetails"`
	Attributes             Attributes      `json:"attributes"`
}

// InvoiceDetail points to one kind of an invoice's line items.
type InvoiceDetail struct {
	InvoiceLineItemType string     `json:"invoiceLineItemType"`
	BillingProvider     string     `json:"billingProvider"`
	Links               InvoiceRef `json:"links"`
	Attributes          Attributes `json:"attributes"`
}

// InvoiceRef is the link to an invoice's line items.
type InvoiceRef struct {
	Self Link `json:"self"`
}

// InvoiceLineItem is a new-commerce (one-time provider) billing line of an
// invoice, or of the unbilled reconciliation: what the partner is charged
// for a subscription over a period.
type InvoiceLineItem struct {
	PartnerID               string     `json:"partnerId"`
	CustomerID              string     `json:"customerId"`
	CustomerName            string     `json:"customerName"`
	CustomerDomainName      string     `json:"customerDomainName"`
	CustomerCountry         string     `json:"customerCountry"`
	InvoiceNumber           string     `json:"invoiceNumber"`
	OrderID                 string     `json:"orderId"`
	OrderDate               time.Time  `json:"orderDate"`
	ProductID               string     `json:"productId"`
	SkuID                   string     `json:"skuId"`
	AvailabilityID          string     `json:"availabilityId"`
	ProductName             string     `json:"productName"`
	SkuName                 string     `json:"skuName"`
	ChargeType              string     `json:"chargeType"`
	UnitPrice               Amount     `json:"unitPrice"`
	EffectiveUnitPrice      Amount     `json:"effectiveUnitPrice"`
	UnitType                string     `json:"unitType"`
	Quantity                int        `json:"quantity"`
	BillableQuantity        int        `json:"billableQuantity"`
	Subtotal                Amount     `json:"subtotal"`
	TaxTotal                Amount     `json:"taxTotal"`
	TotalForCustomer        Amount     `json:"totalForCustomer"`
	Currency                string     `json:"currency"`
	PricingCurrency         string     `json:"pricingCurrency"`
	PCToBCExchangeRate      Amount     `json:"pcToBCExchangeRate"`
	SubscriptionID          string     `json:"subscriptionId"`
	SubscriptionDescription string     `json:"subscriptionDescription"`
	ChargeStartDate         time.Time  `json:"chargeStartDate"`
	ChargeEndDate           time.Time  `json:"chargeEndDate"`
	TermAndBillingCycle     string     `json:"termAndBillingCycle"`
	BillingFrequency        string     `json:"billingFrequency"`
	AlternateID             string     `json:"alternateId"`
	PublisherName           string     `json:"publisherName"`
	InvoiceLineItemType     string     `json:"invoiceLineItemType"`
	BillingProvider         string     `json:"billingProvider"`
	Attributes              Attributes `json:"attributes"`
}

// charge is a line not invoiced yet.
type charge struct{ line InvoiceLineItem }

type invoice struct {
	Invoice
	lines []InvoiceLineItem
}

// chargeLocked records what qty seats of s cost for its first billing
// period (chargeType new or addQuantity), or, negative, the credit of a
// cancellation (cancelImmediate).
func (e *Emulator) chargeLocked(s *Subscription, chargeType string, qty int, now time.Time) {
	c := s.catalog
	if c == nil || c.azurePlan {
		return
	}
	price, months, end := c.monthlyPrice, 1, s.EffectiveStartDate.AddDate(0, 1, 0).AddDate(0, 0, -1)
	if s.TermDuration == "P1M" {
		price = price.Mul(decimal.RequireFromString("1.2")).Round(2)
	}
	if s.BillingCycle == "annual" {
		months, end = 12, s.EffectiveStartDate.AddDate(1, 0, 0).AddDate(0, 0, -1)
	}
	unit := price.Mul(decimal.NewFromInt(int64(months)))
	subtotal := unit.Mul(decimal.NewFromInt(int64(qty)))
	cust := e.customers[s.customerID]
	var name, domain, country string
	if cust != nil {
		name, domain, country = cust.BillingProfile.CompanyName, cust.CompanyProfile.Domain, cust.BillingProfile.DefaultAddress.Country
	}
	var orderDate time.Time
	alt := ""
	if o := e.orders[s.OrderID]; o != nil {
		orderDate, alt = o.CreationDate, o.AlternateID
	}
	cur := c.availability.DefaultCurrency.Code
	e.charges = append(e.charges, charge{line: InvoiceLineItem{
		PartnerID: "emulated-partner", CustomerID: s.customerID, CustomerName: name, CustomerDomainName: domain, CustomerCountry: country,
		OrderID: s.OrderID, OrderDate: orderDate, ProductID: c.product.ID, SkuID: c.sku.ID, AvailabilityID: c.availability.ID,
		ProductName: c.product.Title, SkuName: c.sku.Title, ChargeType: chargeType, UnitPrice: Amount{unit}, EffectiveUnitPrice: Amount{unit},
		UnitType: c.unitType, Quantity: qty, BillableQuantity: qty, Subtotal: Amount{subtotal}, TaxTotal: Amount{decimal.Zero},
		TotalForCustomer: Amount{subtotal}, Currency: cur, PricingCurrency: cur, PCToBCExchangeRate: Amount{decimal.NewFromInt(1)},
		SubscriptionID: s.ID, SubscriptionDescription: s.FriendlyName, ChargeStartDate: now, ChargeEndDate: end,
		TermAndBillingCycle: termText(s.TermDuration, s.BillingCycle), BillingFrequency: s.BillingCycle, AlternateID: alt,
		PublisherName: "Microsoft Corporation", InvoiceLineItemType: "billinglineitems", BillingProvider: "one_time",
		Attributes: Attributes{ObjectType: "OneTimeInvoiceLineItem"},
	}})
}

// creditLocked reverses every charge of s not invoiced yet and, for the
// invoiced ones, adds a cancelImmediate credit.
func (e *Emulator) creditLocked(s *Subscription, now time.Time) {
	total := decimal.Zero
	var template *InvoiceLineItem
	for _, inv := range e.invoices {
		for i := range inv.lines {
			if inv.lines[i].SubscriptionID == s.ID {
				total = total.Add(inv.lines[i].Subtotal.Decimal)
				template = &inv.lines[i]
			}
		}
	}
	for i := range e.charges {
		if e.charges[i].line.SubscriptionID == s.ID {
			total = total.Add(e.charges[i].line.Subtotal.Decimal)
			template = &e.charges[i].line
		}
	}
	if template == nil || total.IsZero() {
		return
	}
	l := *template
	l.InvoiceNumber, l.ChargeType, l.ChargeStartDate = "", "cancelImmediate", now
	l.Quantity, l.BillableQuantity = s.Quantity, s.Quantity
	l.Subtotal, l.TotalForCustomer = Amount{total.Neg()}, Amount{total.Neg()}
	e.charges = append(e.charges, charge{line: l})
}

func termText(term, cycle string) string {
	t := "One-Year commitment"
	if term == "P1M" {
		t = "One-Month commitment"
	} else if term == "P3Y" {
		t = "Three-Year commitment"
	}
	return t + " for " + cycle + " billing"
}

// IssueInvoice turns the charges not invoiced yet into an invoice dated
// now (an empty one when there is none) and returns it.
func (e *Emulator) IssueInvoice() Invoice {
	now := e.now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	id := fmt.Sprintf("G%09d", 1000+len(e.invoices))
	start := now.AddDate(0, -1, 0)
	if n := len(e.invoices); n > 0 {
		start = e.invoices[n-1].BillingPeriodEndDate
	}
	inv := &invoice{Invoice: Invoice{ID: id, InvoiceDate: now, BillingPeriodStartDate: start, BillingPeriodEndDate: now,
		CurrencyCode: "EUR", CurrencySymbol: "€", InvoiceType: "OneTime", DocumentType: "Invoice",
		InvoiceDetails: []InvoiceDetail{{InvoiceLineItemType: "BillingLineItems", BillingProvider: "OneTime",
			Links:      InvoiceRef{Self: Link{URI: "/invoices/" + id + "/lineitems?provider=onetime&invoicelineitemtype=billinglineitems", Method: http.MethodGet, Headers: []LinkHeader{}}},
			Attributes: Attributes{ObjectType: "InvoiceDetail"}}},
		Attributes: Attributes{ObjectType: "Invoice"}}}
	total := decimal.Zero
	for _, c := range e.charges {
		l := c.line
		l.InvoiceNumber = id
		total = total.Add(l.TotalForCustomer.Decimal)
		inv.lines = append(inv.lines, l)
	}
	e.charges = nil
	inv.TotalCharges, inv.PaidAmount = Amount{total}, Amount{decimal.Zero}
	e.invoices = append(e.invoices, inv)
	return inv.Invoice
}

func (e *Emulator) listInvoices(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	items := make([]Invoice, 0, len(e.invoices))
	for i := len(e.invoices) - 1; i >= 0; i-- {
		items = append(items, e.invoices[i].Invoice)
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, collection(items))
}

func (e *Emulator) invoiceByID(id string) *invoice {
	for _, inv := range e.invoices {
		if strings.EqualFold(inv.ID, id) {
			return inv
		}
	}
	return nil
}

func (e *Emulator) getInvoice(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	inv := e.invoiceByID(r.PathValue("inv"))
	var out Invoice
	if inv != nil {
		out = inv.Invoice
	}
	e.mu.Unlock()
	if inv == nil {
		writeError(w, http.StatusNotFound, "1007", fmt.Sprintf("Invoice %s was not found.", r.PathValue("inv")))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// invoiceLineItems answers …/invoices/{id}/lineitems and, for the id
// "unbilled", the reconciliation of the charges not invoiced yet
// (currencycode and period=current required). Only the one-time provider's
// billing line items exist; pages of size items follow links.next with
// an MS-ContinuationToken.
func (e *Emulator) invoiceLineItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := r.PathValue("inv")
	unbilled := strings.EqualFold(id, "unbilled")
	switch {
	case !strings.EqualFold(q.Get("provider"), "onetime"):
		writeError(w, http.StatusBadRequest, "400", "provider must be onetime (the emulator has only new-commerce billing).")
		return
	case !strings.EqualFold(q.Get("invoicelineitemtype"), "billinglineitems"):
		writeError(w, http.StatusBadRequest, "400", "invoicelineitemtype must be billinglineitems.")
		return
	case unbilled && (q.Get("currencycode") == "" || !strings.EqualFold(q.Get("period"), "current")):
		writeError(w, http.StatusBadRequest, "400", "The unbilled reconciliation needs currencycode and period=current.")
		return
	}
	size := 2000
	if v, err := strconv.Atoi(q.Get("size")); err == nil && v > 0 && v < size {
		size = v
	}
	offset, _ := strconv.Atoi(r.Header.Get("MS-ContinuationToken"))
	e.mu.Lock()
	var lines []InvoiceLineItem
	if unbilled {
		for _, c := range e.charges {
			if strings.EqualFold(c.line.Currency, q.Get("currencycode")) {
				lines = append(lines, c.line)
			}
		}
	} else if inv := e.invoiceByID(id); inv != nil {
		lines = append(lines, inv.lines...)
	} else {
		e.mu.Unlock()
		writeError(w, http.StatusNotFound, "1007", fmt.Sprintf("Invoice %s was not found.", id))
		return
	}
	e.mu.Unlock()
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].ChargeStartDate.Before(lines[j].ChargeStartDate) })
	offset = min(max(offset, 0), len(lines))
	page := lines[offset:min(offset+size, len(lines))]
	out := collection(page)
	if offset+size < len(lines) {
		next := pageURL(r) + "&seekOperation=Next"
		out.Links = map[string]Link{"next": {URI: next, Method: http.MethodGet, Headers: []LinkHeader{{Key: "MS-ContinuationToken", Value: strconv.Itoa(offset + size)}}}}
	}
	writeJSON(w, http.StatusOK, out)
}

// pageURL is the request's path after /v1 with its query, without a previous
// seekOperation.
func pageURL(r *http.Request) string {
	q := r.URL.Query()
	q.Del("seekOperation")
	return strings.TrimPrefix(r.URL.Path, "/v1") + "?" + q.Encode()
}
