package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/mercato"
)

// InvoiceParty is the issuer or the customer as printed on an invoice (as
// it was when the invoice was issued).
type InvoiceParty struct {
	ID                  int64    `json:"id"`
	Name                string   `json:"name" doc:"the legal name"`
	Email               string   `json:"email,omitempty"`
	Country             string   `json:"country,omitempty"`
	VATID               string   `json:"vat_id,omitempty"`
	Address             *Address `json:"address,omitempty"`
	PaymentInstructions string   `json:"payment_instructions,omitempty" doc:"the issuer's: how to pay"`
}

// Address is a postal address; its country is the organization's.
type Address struct {
	Line       string `json:"line,omitempty" maxLength:"200" example:"Via Roma 1"`
	City       string `json:"city,omitempty" maxLength:"200" example:"Milano"`
	PostalCode string `json:"postal_code,omitempty" maxLength:"20" example:"20121"`
}

func addressOf(a mercato.Address) *Address {
	if a == (mercato.Address{}) {
		return nil
	}
	return &Address{Line: a.Line, City: a.City, PostalCode: a.PostalCode}
}

func (a *Address) domain() mercato.Address {
	if a == nil {
		return mercato.Address{}
	}
	return mercato.Address{Line: a.Line, City: a.City, PostalCode: a.PostalCode}
}

// InvoiceLine is one row of an invoice.
type InvoiceLine struct {
	No             int             `json:"no"`
	SubscriptionID int64           `json:"subscription_id,omitempty"`
	Kind           string          `json:"kind" enum:"recurring,setup,usage,change,credit,discount"`
	Description    string          `json:"description"`
	Product        string          `json:"product,omitempty" doc:"the product's name"`
	Plan           string          `json:"plan,omitempty" doc:"the plan's name as sold"`
	Quantity       decimal.Decimal `json:"quantity"`
	UnitAmount     decimal.Decimal `json:"unit_amount"`
	Amount         decimal.Decimal `json:"amount" doc:"rounded once to the currency's minor unit"`
	TaxRate        decimal.Decimal `json:"tax_rate" doc:"percent"`
	Tax            decimal.Decimal `json:"tax"`
	PeriodStart    time.Time       `json:"period_start"`
	PeriodEnd      time.Time       `json:"period_end"`
	Shares         []Share         `json:"shares,omitempty" doc:"how the charge this line starts is split; sums to the charge's amount"`
}

// Invoice is an invoice or a credit note.
type Invoice struct {
	ID                int64         `json:"id"`
	Kind              string        `json:"kind" enum:"invoice,credit_note"`
	Number            string        `json:"number" doc:"gapless per issuer and year; empty while draft"`
	Status            string        `json:"status" enum:"draft,issued,paid,void"`
	Issuer            InvoiceParty  `json:"issuer"`
	Customer          InvoiceParty  `json:"customer"`
	Period            string        `json:"period" example:"2026-03"`
	Currency          string        `json:"currency"`
	TaxRate           string        `json:"tax_rate"`
	TaxNote           string        `json:"tax_note,omitempty"`
	Subtotal          string        `json:"subtotal"`
	Tax               string        `json:"tax"`
	Total             string        `json:"total" doc:"subtotal + tax, both sums of the lines"`
	IssuedAt          *time.Time    `json:"issued_at,omitempty"`
	DueAt             *time.Time    `json:"due_at,omitempty"`
	PaidAt            *time.Time    `json:"paid_at,omitempty"`
	VoidedAt          *time.Time    `json:"voided_at,omitempty"`
	CreditedInvoiceID int64         `json:"credited_invoice_id,omitempty"`
	Reminders         int           `json:"reminders"`
	Suspended         bool          `json:"suspended" doc:"dunning suspended the subscriptions it bills"`
	FullyCredited     bool          `json:"fully_credited" doc:"its credit notes cancel it in full: nothing is due"`
	CreatedAt         time.Time     `json:"created_at"`
	Lines             []InvoiceLine `json:"lines,omitempty" doc:"present when one invoice is read"`
}

func partyOf(p billing.Party) InvoiceParty {
	out := InvoiceParty{ID: p.ID, Name: p.Name, Email: p.Email, Country: p.Country, VATID: p.VATID, PaymentInstructions: p.PaymentInstructions}
	if p.Address != nil {
		out.Address = addressOf(*p.Address)
	}
	return out
}

func invoiceOf(inv billing.Invoice) Invoice {
	out := Invoice{ID: inv.ID, Kind: string(inv.Kind), Number: inv.Number, Status: string(inv.Status), Issuer: partyOf(inv.Issuer), Customer: partyOf(inv.Customer),
		Period: inv.Period, Currency: inv.Currency, TaxRate: inv.TaxRate.String(), TaxNote: inv.TaxNote,
		Subtotal: billing.Money(inv.Subtotal, inv.Currency), Tax: billing.Money(inv.Tax, inv.Currency), Total: billing.Money(inv.Total, inv.Currency),
		IssuedAt: inv.IssuedAt, DueAt: inv.DueAt, PaidAt: inv.PaidAt, VoidedAt: inv.VoidedAt, CreditedInvoiceID: inv.CreditedInvoiceID,
		Reminders: inv.Reminders, Suspended: inv.Suspended, FullyCredited: inv.FullyCredited, CreatedAt: inv.CreatedAt}
	for _, l := range inv.Lines {
		line := InvoiceLine{No: l.No, SubscriptionID: l.SubscriptionID, Kind: l.Kind, Description: l.Description, Product: l.Product, Plan: l.Plan, Quantity: l.Quantity,
			UnitAmount: l.UnitAmount, Amount: l.Amount, TaxRate: l.TaxRate, Tax: l.Tax, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd}
		for _, sh := range l.Shares {
			line.Shares = append(line.Shares, Share{Role: sh.Role, OrganizationID: sh.OrganizationID, Amount: money(sh.Amount, inv.Currency)})
		}
		out.Lines = append(out.Lines, line)
	}
	return out
}

// PaymentCreate is the body of POST /api/v1/invoices/{id}/payments.
type PaymentCreate struct {
	Amount    string `json:"amount,omitempty" pattern:"^-?[0-9]{1,15}(\\.[0-9]{1,6})?$" doc:"must equal what is due: the invoice's total less its credit notes; default: that"`
	Method    string `json:"method,omitempty" maxLength:"40" pattern:"^[a-z][a-z0-9_-]*$" doc:"default manual"`
	Reference string `json:"reference,omitempty" maxLength:"200" doc:"the bank's or provider's reference"`
}

// CreditNoteCreate is the body of POST /api/v1/invoices/{id}/credit-notes.
type CreditNoteCreate struct {
	Reason string  `json:"reason,omitempty" maxLength:"500" doc:"printed on the credit note"`
	Lines  []int   `json:"lines,omitempty" maxItems:"1000" doc:"credit these lines (their numbers), each once; with neither lines nor amount, all that remains"`
	Amount *string `json:"amount,omitempty" pattern:"^[0-9]{1,15}(\\.[0-9]{1,6})?$" doc:"or credit this amount before tax, taxed at the invoice's rate; at most what remains creditable"`
}

// BillingRunCreate is the body of POST /api/v1/billing-runs.
type BillingRunCreate struct {
	Period string     `json:"period" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"the month to close" example:"2026-03"`
	AsOf   *time.Time `json:"as_of,omitempty" doc:"when renewals and dunning are decided; default now"`
}

// BillingRun reports a billing run: while it runs, its progress so far.
type BillingRun struct {
	ID            int64      `json:"id"`
	Period        string     `json:"period"`
	Status        string     `json:"status" enum:"running,finished,failed"`
	Error         string     `json:"error,omitempty" doc:"why a failed run failed"`
	Customers     int        `json:"customers" doc:"customers the run bills, counted once its renewals are done (0 before)"`
	CustomersDone int        `json:"customers_done" doc:"customers billed so far, recorded after every chunk"`
	Subscriptions int        `json:"subscriptions" doc:"so far, while it runs"`
	Invoices      int        `json:"invoices" doc:"issued so far, while it runs"`
	Lines         int        `json:"lines"`
	Renewed       int        `json:"renewed"`
	Ended         int        `json:"ended"`
	Skipped       int        `json:"skipped" doc:"subscriptions this run could not charge (left, with the reason, for the next run; every other invoice was issued)"`
	Skips         []RunSkip  `json:"skips,omitempty" doc:"once it has ended: each subscription skipped, and why"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

// RunSkip is a subscription a billing run could not charge, and why.
type RunSkip struct {
	SubscriptionID int64  `json:"subscription_id"`
	Step           string `json:"step" doc:"renewal, period or usage"`
	Reason         string `json:"reason"`
}

// BillingRunStarted is the answer to a billing run started: 202 with the
// run, running, and where to read its progress.
type BillingRunStarted struct {
	Location string `header:"Location" doc:"the run, to read its progress: GET until its status is no longer running"`
	Body     BillingRun
}

func billingRunOf(run billing.Run) BillingRun {
	out := BillingRun{ID: run.ID, Period: run.Period, Status: run.Status, Error: run.Error, Customers: run.Customers, CustomersDone: run.CustomersDone,
		Subscriptions: run.Subscriptions, Invoices: run.Invoices, Lines: run.Lines, Renewed: run.Renewed, Ended: run.Ended, Skipped: run.Skipped,
		StartedAt: run.StartedAt, FinishedAt: run.FinishedAt}
	for _, sk := range run.Skips {
		out.Skips = append(out.Skips, RunSkip{SubscriptionID: sk.SubscriptionID, Step: sk.Step, Reason: sk.Reason})
	}
	return out
}

// Statement is a party's earnings for a period in one currency.
type Statement struct {
	Role           string          `json:"role" enum:"vendor,platform,distributor,reseller"`
	OrganizationID int64           `json:"organization_id,omitempty"`
	Period         string          `json:"period"`
	Currency       string          `json:"currency"`
	Total          string          `json:"total"`
	Rows           []StatementLine `json:"rows"`
}

// StatementLine is one share of one invoice line.
type StatementLine struct {
	InvoiceID      int64     `json:"invoice_id"`
	InvoiceNumber  string    `json:"invoice_number"`
	IssuedAt       time.Time `json:"issued_at"`
	CustomerID     int64     `json:"customer_id"`
	SubscriptionID int64     `json:"subscription_id,omitempty"`
	LineNo         int       `json:"line_no"`
	Description    string    `json:"description"`
	Amount         string    `json:"amount"`
}

// Renewal is a subscription's renewal call-to-action.
type Renewal struct {
	SubscriptionID     int64     `json:"subscription_id"`
	Date               time.Time `json:"date" doc:"end of the current term"`
	Action             string    `json:"action" enum:"renew,end" doc:"what happens on date"`
	Price              string    `json:"price" doc:"the next term at the customer's price"`
	PeriodPrice        string    `json:"period_price" doc:"one billing period of it"`
	Periods            int       `json:"periods" doc:"billing periods per term"`
	Currency           string    `json:"currency"`
	AutoRenew          bool      `json:"auto_renew"`
	Due                bool      `json:"due" doc:"the end is within 30 days: show the call to action"`
	CurrentPeriodPrice string    `json:"current_period_price" doc:"one billing period at the price the subscription was sold at, which it pays until date"`
	PriceChanges       bool      `json:"price_changes" doc:"the plan's price (or a markup) changed since the subscription was sold: from date each period costs period_price instead of current_period_price"`
}

func renewalOf(o billing.Offer) Renewal {
	return Renewal{SubscriptionID: o.SubscriptionID, Date: o.Date, Action: o.Action, Price: billing.Money(o.Price, o.Currency),
		PeriodPrice: billing.Money(o.PeriodPrice, o.Currency), Periods: o.Periods, Currency: o.Currency, AutoRenew: o.AutoRenew, Due: o.Due,
		CurrentPeriodPrice: billing.Money(o.CurrentPeriodPrice, o.Currency), PriceChanges: o.PriceChanges}
}

// BillingProfile says who invoices a reseller's customers.
type BillingProfile struct {
	SelfBilling bool `json:"self_billing" doc:"true: the reseller invoices its customers itself; false: the platform does on its behalf"`
}

// fileOutput is a downloaded document.
type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// EarningsInput selects a statement.
type EarningsInput struct {
	OrganizationID int64  `query:"organization_id" minimum:"0" doc:"default: your organization; the platform may name any"`
	Period         string `query:"period" required:"true" pattern:"^[0-9]{4}-[0-9]{2}$" example:"2026-03"`
}

func (s *Server) registerBilling() {
	tags := []string{"Billing"}
	register(s, huma.Operation{OperationID: "list-invoices", Description: "Lists the invoices and credit notes the caller can see (those of the customers in its channel and those it issued; the platform all, vendors none), one page at a time, by customer, month, status and kind. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/invoices", Summary: "List invoices and credit notes you can see", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			CustomerID int64  `query:"customer_id" minimum:"0"`
			Period     string `query:"period" pattern:"^[0-9]{4}-[0-9]{2}$"`
			Status     string `query:"status" enum:"draft,issued,paid,void"`
			Kind       string `query:"kind" enum:"invoice,credit_note"`
		}) (*ListOutput[Invoice], error) {
			page, err := in.page()
			if err != nil {
				return nil, err
			}
			items, next, err := s.services.Billing.ListInvoices(ctx, principal(ctx), billing.InvoiceFilter{CustomerID: in.CustomerID, Period: in.Period,
				Status: billing.Status(in.Status), Kind: billing.Kind(in.Kind)}, page)
			if err != nil {
				return nil, err
			}
			return listOf(items, next, invoiceOf), nil
		})
	register(s, huma.Operation{OperationID: "get-invoice", Description: "Returns one invoice or credit note with its lines and, per line, how the charge is split between the parties. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/invoices/{id}", Summary: "Get an invoice with its lines", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Invoice], error) {
			inv, err := s.services.Billing.Invoice(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(invoiceOf(inv)), nil
		})
	for _, f := range []struct {
		ext, ctype string
		write      func(*bytes.Buffer, billing.Invoice) error
	}{
		{"pdf", "application/pdf", func(b *bytes.Buffer, inv billing.Invoice) error { return billing.WritePDF(b, inv) }},
		{"csv", "text/csv; charset=utf-8", func(b *bytes.Buffer, inv billing.Invoice) error { return billing.WriteCSV(b, inv) }},
	} {
		register(s, huma.Operation{OperationID: "get-invoice-" + f.ext, Method: http.MethodGet, Path: "/api/v1/invoices/{id}/" + f.ext,
			Summary: "Download an invoice as " + f.ext, Tags: tags,
			Description: "The invoice or credit note as a " + strings.ToUpper(f.ext) + " document, as it is sent to the customer. Visible to whoever can read the invoice. Changes nothing.",
			Responses:   map[string]*huma.Response{"200": {Description: "the document", Content: map[string]*huma.MediaType{f.ctype: {}}}}},
			func(ctx context.Context, in *IDInput) (*fileOutput, error) {
				inv, err := s.services.Billing.Invoice(ctx, principal(ctx), in.ID)
				if err != nil {
					return nil, err
				}
				var b bytes.Buffer
				if err := f.write(&b, inv); err != nil {
					return nil, err
				}
				return &fileOutput{ContentType: f.ctype, ContentDisposition: fmt.Sprintf(`attachment; filename="%s"`, inv.FileName(f.ext)), Body: b.Bytes()}, nil
			})
	}
	register(s, huma.Operation{OperationID: "pay-invoice", Method: http.MethodPost, Path: "/api/v1/invoices/{id}/payments",
		Summary:     "Record a payment (manual mark-paid)",
		Description: "The platform or the issuer records that the invoice's total was received. Subscriptions it bills that wait for payment become PENDING and paid; subscriptions its dunning suspended resume.",
		Tags:        tags, DefaultStatus: http.StatusOK, Errors: []int{http.StatusForbidden, http.StatusConflict}},
		func(ctx context.Context, in *struct {
			IDInput
			Body PaymentCreate
		}) (*Output[Invoice], error) {
			r := billingrun.PaymentRequest{Method: in.Body.Method, Reference: in.Body.Reference}
			if in.Body.Amount != "" {
				a, err := decimal.NewFromString(in.Body.Amount)
				if err != nil {
					return nil, mercato.Invalid("invalid payment", mercato.FieldError{Path: "amount", Message: "must be a decimal string"})
				}
				r.Amount = &a
			}
			inv, err := s.services.Billing.PayInvoice(ctx, principal(ctx), in.ID, r)
			if err != nil {
				return nil, err
			}
			return out(invoiceOf(inv)), nil
		})
	register(s, huma.Operation{OperationID: "issue-invoice", Description: "Issues a draft invoice: gives it the next gapless number of its issuer and year, its issue and due dates, and posts its ledger entries. Only the platform and the issuer issue; an invoice already issued answers 409.", Method: http.MethodPost, Path: "/api/v1/invoices/{id}/issue", Summary: "Issue a draft invoice (number, dates, ledger)",
		Tags: tags, DefaultStatus: http.StatusOK, Errors: []int{http.StatusForbidden, http.StatusConflict}},
		func(ctx context.Context, in *IDInput) (*Output[Invoice], error) {
			inv, err := s.services.Billing.IssueInvoice(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(invoiceOf(inv)), nil
		})
	register(s, huma.Operation{OperationID: "credit-invoice", Description: "Corrects an issued or paid invoice with a credit note, itself issued at once in the credit-note number series: in full, or chosen lines, or an amount before tax; together the credit notes never exceed the invoice's total (more answers 422 naming lines or amount; nothing left, 409). An issued invoice is never voided nor deleted: one credited in full is no longer due. Only the platform and the issuer credit; the credit note is the answer.", Method: http.MethodPost, Path: "/api/v1/invoices/{id}/credit-notes",
		Summary: "Credit an invoice in full or in part (a credit note)", Tags: tags, Errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity}},
		func(ctx context.Context, in *struct {
			IDInput
			Body CreditNoteCreate
		}) (*Output[Invoice], error) {
			r := billing.CreditRequest{Reason: in.Body.Reason, Lines: in.Body.Lines}
			if in.Body.Amount != nil {
				a, err := decimal.NewFromString(*in.Body.Amount)
				if err != nil {
					return nil, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "amount", Message: "must be a decimal", Value: *in.Body.Amount})
				}
				r.Amount = &a
			}
			cn, err := s.services.Billing.CreditInvoice(ctx, principal(ctx), in.ID, r)
			if err != nil {
				return nil, err
			}
			return out(invoiceOf(cn)), nil
		})
	register(s, huma.Operation{OperationID: "create-billing-run", Method: http.MethodPost, Path: "/api/v1/billing-runs",
		Summary: "Start closing a month: renewals, invoices, ledger, dunning (platform)",
		Description: "Starts a billing run in the background and answers at once, 202 with the run (running) and its Location: read it there until its status is finished or failed; " +
			"its progress (customers billed of those to bill, invoices issued so far) is recorded after every chunk. One run at a time: while another runs, 409 names it. " +
			"Idempotent: running a month again bills only what is missing.",
		Tags: tags, DefaultStatus: http.StatusAccepted, Errors: []int{http.StatusForbidden, http.StatusConflict}},
		func(ctx context.Context, in *struct{ Body BillingRunCreate }) (*BillingRunStarted, error) {
			m, err := billing.ParseMonth(in.Body.Period)
			if err != nil {
				return nil, mercato.Invalid("invalid billing run", mercato.FieldError{Path: "period", Message: err.Error()})
			}
			opts := billingrun.Options{Period: m, Log: s.log}
			if in.Body.AsOf != nil {
				opts.AsOf = *in.Body.AsOf
			}
			run, err := s.services.Billing.StartBilling(ctx, principal(ctx), opts)
			if err != nil {
				return nil, err
			}
			return &BillingRunStarted{Location: fmt.Sprintf("/api/v1/billing-runs/%d", run.ID), Body: billingRunOf(run)}, nil
		})
	register(s, huma.Operation{OperationID: "get-billing-run", Method: http.MethodGet, Path: "/api/v1/billing-runs/{id}",
		Summary:     "Get a billing run: its progress, or how it ended (platform)",
		Description: "Returns a billing run: while it runs, the customers billed of those to bill and the invoices issued so far; once it has ended, finished or failed (with the reason), and each subscription it skipped with the reason. Changes nothing.",
		Tags:        tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, in *IDInput) (*Output[BillingRun], error) {
			run, err := s.services.Billing.BillingRun(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(billingRunOf(run)), nil
		})
	register(s, huma.Operation{OperationID: "get-earnings", Description: "Returns a party's earnings statement for a month, one per currency: every share of every invoice line it earned, with the total. A party reads its own; the platform names any organization. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/earnings",
		Summary: "Earnings statement of a party for a month, one per currency", Tags: tags},
		func(ctx context.Context, in *EarningsInput) (*Output[[]Statement], error) {
			sts, err := s.services.Channel.Earnings(ctx, principal(ctx), channel.EarningsRequest{OrganizationID: in.OrganizationID, Period: in.Period})
			if err != nil {
				return nil, err
			}
			res := make([]Statement, 0, len(sts))
			for _, st := range sts {
				o := Statement{Role: st.Role, OrganizationID: st.OrganizationID, Period: st.Period, Currency: st.Currency, Total: billing.Money(st.Total, st.Currency), Rows: []StatementLine{}}
				for _, r := range st.Rows {
					o.Rows = append(o.Rows, StatementLine{InvoiceID: r.InvoiceID, InvoiceNumber: r.InvoiceNumber, IssuedAt: r.IssuedAt, CustomerID: r.CustomerID,
						SubscriptionID: r.SubscriptionID, LineNo: r.LineNo, Description: r.Description, Amount: billing.Money(r.Amount, st.Currency)})
				}
				res = append(res, o)
			}
			return out(res), nil
		})
	register(s, huma.Operation{OperationID: "get-earnings-csv", Method: http.MethodGet, Path: "/api/v1/earnings/csv",
		Summary: "Earnings statement as CSV", Tags: tags,
		Description: "The earnings statement of get-earnings as a CSV document, one block per currency. A party reads its own; the platform names any organization. Changes nothing.",
		Responses:   map[string]*huma.Response{"200": {Description: "the statement", Content: map[string]*huma.MediaType{"text/csv": {}}}}},
		func(ctx context.Context, in *EarningsInput) (*fileOutput, error) {
			sts, err := s.services.Channel.Earnings(ctx, principal(ctx), channel.EarningsRequest{OrganizationID: in.OrganizationID, Period: in.Period})
			if err != nil {
				return nil, err
			}
			var b bytes.Buffer
			for _, st := range sts {
				if err := billing.WriteStatementCSV(&b, st); err != nil {
					return nil, err
				}
			}
			return &fileOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: fmt.Sprintf(`attachment; filename="earnings-%s.csv"`, in.Period), Body: b.Bytes()}, nil
		})
	register(s, huma.Operation{OperationID: "get-subscription-renewal", Description: "Returns when the subscription's term ends, whether it renews or ends then, and what the next term costs at the customer's price; due is true within 30 days of the end. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/subscriptions/{id}/renewal",
		Summary: "The renewal call-to-action: when the term ends and what the next one costs", Tags: []string{"Subscriptions"}},
		func(ctx context.Context, in *IDInput) (*Output[Renewal], error) {
			o, err := s.services.Billing.RenewalOffer(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(renewalOf(o)), nil
		})
	register(s, huma.Operation{OperationID: "set-billing-profile", Description: "Says whether a reseller invoices its customers itself or the platform invoices them on its behalf; billing runs issue its customers' invoices accordingly. Platform only.", Method: http.MethodPut, Path: "/api/v1/organizations/{id}/billing-profile",
		Summary: "Say whether a reseller invoices its customers itself (platform)", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, in *struct {
			IDInput
			Body BillingProfile
		}) (*Output[BillingProfile], error) {
			if err := s.services.Billing.SetSelfBilling(ctx, principal(ctx), in.ID, in.Body.SelfBilling); err != nil {
				return nil, err
			}
			return out(in.Body), nil
		})
}
