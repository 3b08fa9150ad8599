package cloudesire

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Custom billing, as Cloudesire's vendor documentation describes it:
//
//	POST subscription/{id}/invoice            a custom invoice, issued at once (201, Location: invoice/{id});
//	                                          ?type=CASHED or ?cashed=true: its total was collected elsewhere
//	POST subscription/{id}/invoice/oneshot    one-shot costs for the next invoice (a new list replaces them; [] removes)
//	POST subscription/{id}/invoice/recurring  recurring costs billed with every period from now on ([] stops them)
//
// The lines are Cloudesire's ({description, identifier|tag, price{price,
// vat, currency}, quantity, unit, purchased}). Each list becomes a charge
// (internal/billingrun, custom.go): at the declared price in the
// subscription's currency, split between the vendor and the platform's
// fee. The invoice is taxed by the marketplace's tax rule, so a line's vat
// is not used; a currency other than the subscription's is refused.

// CustomBilling is the use case behind the custom billing endpoints
// (internal/billingrun).
type CustomBilling interface {
	SetOneshotCosts(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine) error
	SetRecurringCosts(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine) error
	CustomInvoice(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine, cashed bool) (billing.Invoice, error)
}

// CustomLine is a line of Cloudesire's custom billing (VendorOrderLineDTO,
// OneshotCostLineDTO, RecurringCostLineDTO share it). Fields a client may
// send that Mercato does not use (type, platformCost, cost, subscription,
// tags) are accepted and ignored.
type CustomLine struct {
	Description string            `json:"description"`
	Identifier  string            `json:"identifier,omitempty"`
	Tag         string            `json:"tag,omitempty"`
	Price       *CustomPrice      `json:"price"`
	Quantity    *decimal.Decimal  `json:"quantity"`
	Unit        string            `json:"unit,omitempty"`
	Purchased   *string           `json:"purchased,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// CustomPrice is a custom line's price (VATPriceDTO): the unit price, its
// VAT rate and currency.
type CustomPrice struct {
	Price    *decimal.Decimal `json:"price"`
	VAT      *decimal.Decimal `json:"vat,omitempty"`
	Currency string           `json:"currency,omitempty"`
}

// customLines reads the body's lines into the service's, naming the field
// of a wrong one ("[i].price.price").
func customLines(w http.ResponseWriter, r *http.Request) ([]billing.CustomLine, error) {
	var body []CustomLine
	if err := decode(w, r, &body); err != nil {
		return nil, err
	}
	var fe mercato.FieldErrors
	out := make([]billing.CustomLine, 0, len(body))
	for i, l := range body {
		path := fmt.Sprintf("[%d]", i)
		cl := billing.CustomLine{Description: l.Description, Identifier: l.Identifier, Unit: l.Unit, Quantity: decimal.NewFromInt(1)}
		if cl.Identifier == "" {
			cl.Identifier = l.Tag
		}
		if l.Quantity != nil {
			cl.Quantity = *l.Quantity
		}
		if l.Price == nil || l.Price.Price == nil {
			fe.Add(path+".price.price", "is required")
		} else {
			cl.UnitPrice, cl.Currency = *l.Price.Price, strings.ToUpper(l.Price.Currency)
		}
		if l.Purchased != nil && *l.Purchased != "" {
			t, err := time.Parse(time.RFC3339, *l.Purchased)
			if err != nil {
				fe.Add(path+".purchased", "must be a date and time (RFC 3339, e.g. 2021-11-19T00:00:00Z)")
			}
			cl.Purchased = t.UTC()
		}
		out = append(out, cl)
	}
	if err := fe.Err("invalid custom lines"); err != nil {
		return nil, err
	}
	return out, nil
}

func (h *Handler) postCustomInvoice(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	q := r.URL.Query()
	cashed := false
	switch t := strings.ToUpper(q.Get("type")); t {
	case "", "UPSELL":
	case "CASHED":
		cashed = true
	case "CHUNKED", "REFUND":
		return 0, nil, mercato.Invalid("invalid custom invoice", mercato.FieldError{Path: "type",
			Message: t + " is not supported: Mercato issues custom invoices at once (UPSELL, CASHED); a refund is a credit note the operator issues"})
	default:
		return 0, nil, mercato.Invalid("invalid custom invoice", mercato.FieldError{Path: "type", Message: "must be UPSELL or CASHED"})
	}
	if c := q.Get("cashed"); c != "" {
		b, err := strconv.ParseBool(c)
		if err != nil {
			return 0, nil, mercato.Invalid("invalid custom invoice", mercato.FieldError{Path: "cashed", Message: "must be true or false"})
		}
		cashed = cashed || b
	}
	lines, err := customLines(w, r)
	if err != nil {
		return 0, nil, err
	}
	inv, err := h.CustomBilling.CustomInvoice(ctx, p, id, lines, cashed)
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Location", Prefix+"invoice/"+strconv.FormatInt(inv.ID, 10))
	return http.StatusCreated, nil, nil
}

func (h *Handler) postOneshotCosts(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	return h.customCosts(ctx, p, w, r, h.CustomBilling.SetOneshotCosts)
}

func (h *Handler) postRecurringCosts(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	return h.customCosts(ctx, p, w, r, h.CustomBilling.SetRecurringCosts)
}

// customCosts replaces a subscription's one-shot or recurring costs and
// answers the documented empty object.
func (h *Handler) customCosts(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request,
	set func(ctx context.Context, p mercato.Principal, id int64, lines []billing.CustomLine) error) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	lines, err := customLines(w, r)
	if err != nil {
		return 0, nil, err
	}
	if err := set(ctx, p, id, lines); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Empty{}, nil
}
