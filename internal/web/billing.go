package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Billing pages: every organization's invoices (with the PDF and CSV the
// API serves, from the same billing.WritePDF and billing.WriteCSV), the
// earnings statements of vendors, distributors, resellers and the
// platform, and the operator's billing runs.

type billingData struct {
	Invoices  []billing.Invoice
	Next      int64
	Period    string // the earnings period shown (YYYY-MM)
	Prev      string
	NextMonth string
	Earnings  []billing.Statement
	// EarningsChart is the earnings of the year ending with Period, by
	// month (nil when nothing was earned in it).
	EarningsChart *chart
	// ShowEarnings: everyone who earns a share (not customers).
	ShowEarnings bool
	IsCustomer   bool
	IsPlatform   bool
	Runs         []billing.Run
	RunPeriod    string // the month a new run closes by default
	Now          time.Time
	// PaymentsOn: a payment provider is configured (customers may save
	// a payment method); CanSavePayment: this user may.
	PaymentsOn     bool
	CanSavePayment bool
}

// period reads ?period=YYYY-MM, defaulting to the current month (UTC),
// which is the month billing runs close by default.
func period(r *http.Request, now time.Time) billing.Month {
	if m, err := billing.ParseMonth(r.FormValue("period")); err == nil {
		return m
	}
	return billing.MonthOf(now)
}

// invoicesPage is the billing page of every organization: invoices for
// customers; earnings (and any invoices it issues or receives) for the
// channel and vendors; billing runs, invoices and the platform's fee for
// the operator.
func (s *Server) invoicesPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	now := s.services.Clock()
	m := period(r, now)
	d := &billingData{Period: m.String(), Prev: m.Prev().String(), NextMonth: m.Next().String(), RunPeriod: billing.MonthOf(now).String(),
		IsCustomer: v.P.OrgKind == mercato.KindCustomer, IsPlatform: v.P.IsPlatform(), Now: now}
	d.ShowEarnings = !d.IsCustomer
	if d.IsCustomer && s.paymentsOn() {
		d.PaymentsOn, d.CanSavePayment = true, v.P.CanWrite()
		allowCheckoutForm(w)
	}
	invs, next, err := s.services.Billing.ListInvoices(ctx, v.P, billing.InvoiceFilter{}, mercato.Page{After: formInt(r, "after"), Limit: 100})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	for i := len(invs) - 1; i >= 0; i-- { // newest first
		d.Invoices = append(d.Invoices, invs[i])
	}
	d.Next = next
	if d.ShowEarnings {
		if d.Earnings, err = s.services.Channel.Earnings(ctx, v.P, channel.EarningsRequest{Period: d.Period}); err != nil {
			s.fail(w, r, v, err)
			return
		}
		if d.EarningsChart, err = s.earningsChart(r, v.P, d.Period); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	if d.IsPlatform {
		if d.Runs, err = s.services.Billing.ListBillingRuns(ctx, v.P, 20); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	v.Active, v.Data = "/invoices", d
	switch {
	case d.IsCustomer:
		v.Title = s.say(r, "Invoices")
	case d.IsPlatform:
		v.Title = s.say(r, "Billing")
	default:
		v.Title = s.say(r, "Earnings")
	}
	s.render(w, r, http.StatusOK, "invoices.html", v)
}

// earningsChart draws the organization's earnings (the platform's fees)
// by month, over the year ending with period; nil when nothing was earned
// in it.
func (s *Server) earningsChart(r *http.Request, p mercato.Principal, period string) (*chart, error) {
	tr, err := s.services.Channel.EarningsTrend(r.Context(), p, channel.EarningsRequest{Period: period})
	if err != nil || len(tr.Series) == 0 {
		return nil, err
	}
	w := wordsFor(s.langOf(r))
	labels := make([]string, len(tr.Months))
	for i, m := range tr.Months {
		labels[i] = w.T(monthNames[m.Month-1]) + " " + strconv.Itoa(m.Year)
	}
	ss := make([]series, len(tr.Series))
	for i, sr := range tr.Series {
		ss[i].Name = sr.Currency
		for _, a := range sr.Amounts {
			ss[i].Values = append(ss[i].Values, a.InexactFloat64())
			ss[i].Cells = append(ss[i].Cells, w.money(a, sr.Currency))
		}
	}
	title := w.T("Earnings by month")
	if p.IsPlatform() {
		title = w.T("Platform fees by month")
	}
	c, err := drawChart(barChart, title, labels, ss, false)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// invoiceData is an invoice page: the invoice, what it still asks for,
// whether the user may credit it (the platform's and the issuer's
// writers, an issued or paid invoice not credited in full) and record a
// payment of it (the same writers, an issued invoice), with the payment
// form's error and value when it was refused.
type invoiceData struct {
	billing.Invoice
	Balance       billingrun.Balance
	CanCredit     bool
	CanPay        bool
	PaymentError  string
	PaymentAmount string
}

// invoicePage shows one invoice with its lines.
func (s *Server) invoicePage(w http.ResponseWriter, r *http.Request, v *view) {
	s.showInvoice(w, r, v, http.StatusOK, nil)
}

// showInvoice renders the invoice page with status; refused, when not
// nil, is a refused payment shown in place with the amount typed.
func (s *Server) showInvoice(w http.ResponseWriter, r *http.Request, v *view, status int, refused error) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	inv, err := s.services.Billing.Invoice(r.Context(), v.P, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := invoiceData{Invoice: inv}
	manages := v.P.CanWrite() && (v.P.IsPlatform() || v.P.OrgID == inv.Issuer.ID) && inv.Kind == billing.KindInvoice && !inv.FullyCredited
	d.CanCredit = manages && (inv.Status == billing.StatusIssued || inv.Status == billing.StatusPaid)
	d.CanPay = manages && inv.Status == billing.StatusIssued
	if inv.Kind == billing.KindInvoice && inv.Status != billing.StatusDraft {
		if d.Balance, err = s.services.Billing.InvoiceBalance(r.Context(), v.P, id); err != nil {
			s.fail(w, r, v, err)
			return
		}
	}
	d.PaymentAmount = billing.Money(d.Balance.Due, inv.Currency)
	if refused != nil {
		d.PaymentError, d.PaymentAmount = mercato.ErrorMessage(refused), r.PostFormValue("amount")
		for _, f := range mercato.Fields(refused) {
			d.PaymentError += ": " + f.Path + " " + f.Message
		}
	}
	v.Title, v.Active, v.Data = wordsFor(s.langOf(r)).documentTitle(inv), "/invoices", d
	s.render(w, r, status, "invoice.html", v)
}

// payInvoice records a payment received, in full or in part (POST
// /api/v1/invoices/{id}/payments): a refused amount is shown in place.
func (s *Server) payInvoice(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	req := billingrun.PaymentRequest{Reference: r.PostFormValue("reference")}
	a, err := decimal.NewFromString(strings.TrimSpace(r.PostFormValue("amount")))
	if err != nil {
		s.showInvoice(w, r, v, http.StatusUnprocessableEntity, mercato.Invalid("invalid payment", mercato.FieldError{Path: "amount", Message: "must be an amount such as 120.50"}))
		return
	}
	req.Amount = &a
	_, err = s.services.Billing.PayInvoice(r.Context(), v.P, id, req)
	if mercato.ErrorCode(err) == mercato.EINVALID {
		s.showInvoice(w, r, v, http.StatusUnprocessableEntity, err)
		return
	}
	s.after(w, r, v, err, "/invoices/"+strconv.FormatInt(id, 10), s.say(r, "The payment of %v is recorded.", a.String()))
}

// creditInvoice issues a credit note of an invoice (POST
// /api/v1/invoices/{id}/credit-notes): chosen lines, an amount before
// tax, or all that remains.
func (s *Server) creditInvoice(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	back := "/invoices/" + strconv.FormatInt(id, 10)
	req := billing.CreditRequest{Reason: r.PostFormValue("reason")}
	if a := r.PostFormValue("amount"); a != "" {
		d, err := decimal.NewFromString(a)
		if err != nil {
			s.after(w, r, v, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "amount", Message: "must be a decimal"}), back, "")
			return
		}
		req.Amount = &d
	}
	for _, l := range r.PostForm["line"] {
		n, err := strconv.Atoi(l)
		if err != nil {
			s.after(w, r, v, mercato.Invalid("invalid credit note", mercato.FieldError{Path: "lines", Message: "must be line numbers"}), back, "")
			return
		}
		req.Lines = append(req.Lines, n)
	}
	cn, err := s.services.Billing.CreditInvoice(r.Context(), v.P, id, req)
	if err != nil {
		s.after(w, r, v, err, back, "")
		return
	}
	s.after(w, r, v, nil, "/invoices/"+strconv.FormatInt(cn.ID, 10), s.say(r, "Credit note %s issued for %s.", cn.Number, wordsFor(s.langOf(r)).money(cn.Total.Neg(), cn.Currency)))
}

// operatorData is the operator's page: its seller identity and the tax
// rates.
type operatorData struct {
	Seller billing.Seller
	Rates  []billing.TaxRate
	Today  string
}

// operatorPage shows the operator's seller identity, payment terms and
// tax rates, with their forms (the platform only).
func (s *Server) operatorPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	st, err := s.services.Billing.OperatorSettings(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rates, err := s.services.Billing.TaxRates(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active = s.say(r, "Seller and tax rates"), "/admin/operator"
	v.Data = operatorData{Seller: st, Rates: rates, Today: s.services.Clock().UTC().Format(time.DateOnly)}
	s.render(w, r, http.StatusOK, "operator.html", v)
}

// saveOperatorSettings saves the operator's seller identity (PUT
// /api/v1/operator/settings).
func (s *Server) saveOperatorSettings(w http.ResponseWriter, r *http.Request, v *view) {
	f := r.PostFormValue
	days := 0
	if d := f("payment_terms_days"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			s.after(w, r, v, mercato.Invalid("invalid operator settings", mercato.FieldError{Path: "payment_terms_days", Message: "must be a whole number of days"}), "/admin/operator", "")
			return
		}
		days = n
	}
	_, err := s.services.Billing.SaveOperatorSettings(r.Context(), v.P, billing.Seller{LegalName: f("legal_name"), Country: f("country"), VATID: f("vat_id"), Email: f("email"),
		Address: mercato.Address{Line: f("address_line"), City: f("city"), PostalCode: f("postal_code")}, PaymentTermsDays: days, PaymentInstructions: f("payment_instructions")})
	s.after(w, r, v, err, "/admin/operator", s.say(r, "Seller identity saved: invoices issued from now on carry it."))
}

// addTaxRate adds a dated tax rate (POST /api/v1/operator/tax-rates).
func (s *Server) addTaxRate(w http.ResponseWriter, r *http.Request, v *view) {
	f := r.PostFormValue
	rate, err := decimal.NewFromString(f("rate"))
	if err != nil {
		s.after(w, r, v, mercato.Invalid("invalid tax rate", mercato.FieldError{Path: "rate", Message: "must be a percentage"}), "/admin/operator", "")
		return
	}
	from, err := time.Parse(time.DateOnly, f("valid_from"))
	if err != nil {
		s.after(w, r, v, mercato.Invalid("invalid tax rate", mercato.FieldError{Path: "valid_from", Message: "must be a day, YYYY-MM-DD"}), "/admin/operator", "")
		return
	}
	tr, err := s.services.Billing.AddTaxRate(r.Context(), v.P, billing.TaxRate{Country: f("country"), Rate: rate, ValidFrom: from})
	s.after(w, r, v, err, "/admin/operator", s.say(r, "Tax rate %s%% for %s from %s added.", tr.Rate, tr.Country, from.Format(time.DateOnly)))
}

// invoiceDocument downloads an invoice as PDF or CSV: the invoice is read
// with the signed-in user's principal (a foreign id is not found) and
// written by the billing package's renderers, as the API does.
func (s *Server) invoiceDocument(ext string) func(w http.ResponseWriter, r *http.Request, v *view) {
	ctype, write := "application/pdf", billing.WritePDF
	if ext == "csv" {
		ctype, write = "text/csv; charset=utf-8", billing.WriteCSV
	}
	return func(w http.ResponseWriter, r *http.Request, v *view) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		inv, err := s.services.Billing.Invoice(r.Context(), v.P, id)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		var b bytes.Buffer
		if err := write(&b, inv); err != nil {
			s.serverError(w, r, err)
			return
		}
		download(w, ctype, inv.FileName(ext), b.Bytes())
	}
}

func download(w http.ResponseWriter, ctype, filename string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// earningsCSV downloads the organization's earnings statement of a month
// (one block per currency), as GET /api/v1/earnings/csv does; a
// distributor names one of its resellers by organization_id.
func (s *Server) earningsCSV(w http.ResponseWriter, r *http.Request, v *view) {
	m := period(r, s.services.Clock())
	sts, err := s.services.Channel.Earnings(r.Context(), v.P, channel.EarningsRequest{OrganizationID: formInt(r, "organization_id"), Period: m.String()})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var b bytes.Buffer
	for _, st := range sts {
		if err := billing.WriteStatementCSV(&b, st); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	download(w, "text/csv; charset=utf-8", "earnings-"+m.String()+".csv", b.Bytes())
}

// startBillingRun starts closing a month with the billing service's
// StartBilling, the operation behind POST /api/v1/billing-runs (only the
// platform may), and shows the run's page, where its progress is followed
// live. While another run runs, that one's page says so.
func (s *Server) startBillingRun(w http.ResponseWriter, r *http.Request, v *view) {
	m, err := billing.ParseMonth(r.PostFormValue("period"))
	if err != nil {
		s.after(w, r, v, mercato.Invalid("invalid billing run", mercato.FieldError{Path: "period", Message: err.Error()}), "/invoices", "")
		return
	}
	run, err := s.services.Billing.StartBilling(r.Context(), v.P, billingrun.Options{Period: m, Log: s.log})
	if running, ok := errors.AsType[*billing.Running](err); ok {
		s.back(w, r, fmt.Sprintf("/billing/runs/%d", running.Run.ID), warningMark+" "+s.say(r, "Billing run %d for %s is still running: a new run can start once it has finished.", running.Run.ID, running.Run.Period))
		return
	}
	if err != nil {
		s.after(w, r, v, err, "/invoices", "")
		return
	}
	s.back(w, r, fmt.Sprintf("/billing/runs/%d", run.ID), s.say(r, "Billing run %d for %s started.", run.ID, run.Period))
}

// runData is a billing run's page and its progress fragment.
type runData struct {
	Run     billing.Run
	Done    int // customers billed so far
	Of      int // of those to bill (0 before the run counted them)
	Running bool
}

func (s *Server) billingRun(w http.ResponseWriter, r *http.Request, v *view) (*runData, bool) {
	id, err := pathID(r, "id")
	if err == nil {
		var run billing.Run
		if run, err = s.services.Billing.BillingRun(r.Context(), v.P, id); err == nil {
			d := &runData{Run: run, Running: run.Status == "running"}
			d.Done, d.Of = run.Done()
			return d, true
		}
	}
	s.fail(w, r, v, err)
	return nil, false
}

// billingRunPage shows a billing run: its progress while it runs (the
// fragment polls itself every second), then how it ended, with what it
// skipped and why.
func (s *Server) billingRunPage(w http.ResponseWriter, r *http.Request, v *view) {
	d, ok := s.billingRun(w, r, v)
	if !ok {
		return
	}
	v.Active, v.Data, v.Title = "/invoices", d, s.say(r, "Billing run %d for %s", d.Run.ID, d.Run.Period)
	s.render(w, r, http.StatusOK, "billing_run.html", v)
}

// billingRunProgress is the run page's progress, which htmx asks for every
// second while the run runs; the fragment of an ended run polls no more.
func (s *Server) billingRunProgress(w http.ResponseWriter, r *http.Request, v *view) {
	d, ok := s.billingRun(w, r, v)
	if !ok {
		return
	}
	s.fragment(w, r, "billing_run.html", d)
}
