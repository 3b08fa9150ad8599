package web

import (
	"net/http"
	"strings"
)

// Payment methods: a customer's admin or manager saves a card or a SEPA
// debit mandate on the payment provider's hosted page (Stripe Checkout in
// setup mode); invoices are then charged to it. Without a provider the
// billing page says payments are by bank transfer.

// checkoutOrigin is where the form that saves a payment method leads
// (through the panel's redirect): the panel's policy allows forms to lead
// only to itself, so the billing page allows this origin too.
const checkoutOrigin = "https://checkout.stripe.com"

func (s *Server) paymentsOn() bool {
	return s.services.Payments != nil && s.services.Payments.Enabled()
}

// allowCheckoutForm lets the page's forms lead to the provider's hosted
// page: browsers apply form-action to the redirect a form post answers.
func allowCheckoutForm(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "form-action 'self'", "form-action 'self' "+checkoutOrigin, 1))
}

// savePaymentMethod starts the provider's setup page and sends the
// browser there; it comes back to the billing page.
func (s *Server) savePaymentMethod(w http.ResponseWriter, r *http.Request, v *view) {
	if !s.paymentsOn() {
		s.back(w, r, "/invoices", s.say(r, "⚠ Payments by card or direct debit are not configured on this marketplace: invoices are paid by bank transfer."))
		return
	}
	base := s.baseURL
	if base == "" {
		base = "http://" + r.Host
	}
	to, err := s.services.Payments.StartSetup(r.Context(), v.P, base+"/invoices?payment_method=saved", base+"/invoices")
	if err != nil {
		s.after(w, r, v, err, "/invoices", "")
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
