package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The operator's fees and dunning page: the fee rules (by vendor and
// product type, the most specific winning, as internal/channel keeps
// them) and the dunning settings (payment retries and suspension, as
// internal/billingrun keeps them). The services validate and decide; a
// refused form comes back with each field's error beside it and nothing
// written.

// feeForm is a fee rule as typed.
type feeForm struct{ Vendor, Type, Percent string }

// dunningForm is the dunning settings as typed.
type dunningForm struct{ RetryDays, SuspendDays, RenewalReminder, TrialReminder string }

// optionalDays is a count of days as typed, or "" for none.
func optionalDays(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

type feesData struct {
	Rules   []catalog.FeeRule
	Vendors []mercato.Organization
	Types   []catalog.ProductType
	Fee     feeForm
	Dunning dunningForm
	Saved   billing.DunningSettings
	Errors  map[string]string
}

func (s *Server) feesData(r *http.Request, v *view) (*feesData, error) {
	ctx := r.Context()
	rules, err := s.services.Channel.FeeRules(ctx, v.P)
	if err != nil {
		return nil, err
	}
	vendors, _, err := s.services.Accounts.ListOrganizations(ctx, v.P, mercato.OrganizationFilter{Kind: mercato.KindVendor}, mercato.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	d, err := s.services.Billing.DunningSettings(ctx, v.P)
	if err != nil {
		return nil, err
	}
	days := make([]string, len(d.RetryDays))
	for i, n := range d.RetryDays {
		days[i] = strconv.Itoa(n)
	}
	return &feesData{Rules: rules, Vendors: vendors, Types: catalog.ProductTypes, Saved: d, Errors: map[string]string{},
		Dunning: dunningForm{RetryDays: strings.Join(days, ", "), SuspendDays: strconv.Itoa(d.SuspendDays),
			RenewalReminder: optionalDays(d.RenewalReminderDays), TrialReminder: optionalDays(d.TrialReminderDays)}}, nil
}

// feesPage shows the fee rules and the dunning settings with their forms
// (the platform only).
func (s *Server) feesPage(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := s.feesData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderFees(w, r, v, d, http.StatusOK)
}

func (s *Server) renderFees(w http.ResponseWriter, r *http.Request, v *view, d *feesData, status int) {
	v.Title, v.Active, v.Data = s.say(r, "Fees and dunning"), "/admin/fees", d
	s.render(w, r, status, "fees.html", v)
}

// refuseFees shows the page again with the fields' errors, or fails on
// anything else.
func (s *Server) refuseFees(w http.ResponseWriter, r *http.Request, v *view, err error, fill func(*feesData)) {
	d, derr := s.feesData(r, v)
	if derr != nil {
		s.fail(w, r, v, derr)
		return
	}
	fill(d)
	if !refused(err, d.Errors, "") {
		s.fail(w, r, v, err)
		return
	}
	s.renderFees(w, r, v, d, http.StatusUnprocessableEntity)
}

// setFeeRule sets a fee rule (PUT /api/v1/operator/fee-rules).
func (s *Server) setFeeRule(w http.ResponseWriter, r *http.Request, v *view) {
	f := feeForm{Vendor: r.PostFormValue("vendor_id"), Type: r.PostFormValue("product_type"), Percent: strings.TrimSpace(r.PostFormValue("percent"))}
	keep := func(d *feesData) { d.Fee = f }
	vendor, err := strconv.ParseInt(f.Vendor, 10, 64)
	if f.Vendor == "" {
		vendor, err = 0, nil
	}
	if err != nil {
		s.refuseFees(w, r, v, mercato.Invalid("invalid fee rule", mercato.FieldError{Path: "vendor_id", Message: "must be a vendor"}), keep)
		return
	}
	pct, err := decimal.NewFromString(f.Percent)
	if err != nil {
		s.refuseFees(w, r, v, mercato.Invalid("invalid fee rule", mercato.FieldError{Path: "percent", Message: "must be a decimal from 0 to 100"}), keep)
		return
	}
	rule, err := s.services.Channel.SetFeeRule(r.Context(), v.P, catalog.FeeRule{VendorID: vendor, ProductType: catalog.ProductType(f.Type), Percent: pct})
	if mercato.ErrorCode(err) == mercato.EINVALID {
		s.refuseFees(w, r, v, err, keep)
		return
	}
	s.after(w, r, v, err, "/admin/fees", s.say(r, "Fee of %s%% saved: it applies to what is sold from now on.", rule.Percent.String()))
}

// deleteFeeRule removes a fee rule (DELETE /api/v1/operator/fee-rules).
func (s *Server) deleteFeeRule(w http.ResponseWriter, r *http.Request, v *view) {
	vendor, _ := strconv.ParseInt(r.PostFormValue("vendor_id"), 10, 64)
	err := s.services.Channel.DeleteFeeRule(r.Context(), v.P, vendor, catalog.ProductType(r.PostFormValue("product_type")))
	s.after(w, r, v, err, "/admin/fees", s.say(r, "Fee rule removed: the next less specific rule applies to what is sold from now on."))
}

// saveDunning saves the dunning settings (PUT /api/v1/operator/dunning).
func (s *Server) saveDunning(w http.ResponseWriter, r *http.Request, v *view) {
	f := dunningForm{RetryDays: r.PostFormValue("payment_retry_days"), SuspendDays: strings.TrimSpace(r.PostFormValue("suspend_days")),
		RenewalReminder: strings.TrimSpace(r.PostFormValue("renewal_reminder_days")), TrialReminder: strings.TrimSpace(r.PostFormValue("trial_reminder_days"))}
	keep := func(d *feesData) { d.Dunning = f }
	var days billing.PaymentRetries
	for _, part := range strings.Split(f.RetryDays, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			s.refuseFees(w, r, v, mercato.Invalid("invalid dunning settings", mercato.FieldError{Path: "payment_retry_days", Message: "must be whole numbers of days separated by commas"}), keep)
			return
		}
		days = append(days, n)
	}
	suspend, err := strconv.Atoi(f.SuspendDays)
	if err != nil {
		s.refuseFees(w, r, v, mercato.Invalid("invalid dunning settings", mercato.FieldError{Path: "suspend_days", Message: "must be a whole number of days"}), keep)
		return
	}
	reminders := map[string]*int{}
	for _, field := range []struct{ name, typed string }{{"renewal_reminder_days", f.RenewalReminder}, {"trial_reminder_days", f.TrialReminder}} {
		if field.typed == "" {
			continue // the server's configuration
		}
		n, err := strconv.Atoi(field.typed)
		if err != nil {
			s.refuseFees(w, r, v, mercato.Invalid("invalid dunning settings", mercato.FieldError{Path: field.name, Message: "must be a whole number of days"}), keep)
			return
		}
		reminders[field.name] = &n
	}
	_, err = s.services.Billing.SaveDunningSettings(r.Context(), v.P, billing.DunningSettings{RetryDays: days, SuspendDays: suspend,
		RenewalReminderDays: reminders["renewal_reminder_days"], TrialReminderDays: reminders["trial_reminder_days"]})
	if mercato.ErrorCode(err) == mercato.EINVALID {
		s.refuseFees(w, r, v, err, keep)
		return
	}
	s.after(w, r, v, err, "/admin/fees", s.say(r, "Dunning settings saved."))
}
