package web

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/billing"
)

// The operator's Payments: every payment recorded, newest first (through
// the provider or marked paid, in full or in part, and refunds), with its
// invoice, customer, amount, method and date; filtered by kind, in pages
// before the oldest shown.

type paymentsData struct {
	Payments []billing.ListedPayment
	Kind     billing.PaymentKind // the filter, empty for all
	Kinds    []billing.PaymentKind
	Older    int64 // the Before of the next page, 0: none
}

// paymentsPage lists the payments (the platform only: the billing
// service refuses anyone else).
func (s *Server) paymentsPage(w http.ResponseWriter, r *http.Request, v *view) {
	f := billing.PaymentFilter{Kind: billing.PaymentKind(r.FormValue("status")), Before: formInt(r, "before"), Limit: 100}
	ps, err := s.services.Billing.ListPayments(r.Context(), v.P, f)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := &paymentsData{Payments: ps, Kind: f.Kind, Kinds: billing.PaymentKinds}
	if len(ps) == f.Size() {
		d.Older = ps[len(ps)-1].ID
	}
	v.Title, v.Active, v.Data = s.say(r, "Payments"), "/admin/payments", d
	s.render(w, r, http.StatusOK, "payments.html", v)
}
