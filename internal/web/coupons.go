package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
)

// granters are the organizations that grant coupons.
var granters = []mercato.OrgKind{mercato.KindPlatform, mercato.KindVendor, mercato.KindDistributor, mercato.KindReseller}

// couponsPage lists the coupons the organization granted (the operator:
// every one) with the form that creates one.
func (s *Server) couponsPage(w http.ResponseWriter, r *http.Request, v *view) {
	if err := only(v.P, granters...); err != nil {
		s.fail(w, r, v, err)
		return
	}
	list, _, err := s.services.Coupons.List(r.Context(), v.P, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active, v.Data = s.say(r, "Coupons"), "/coupons", list
	s.render(w, r, http.StatusOK, "coupons.html", v)
}

// ids reads a comma-separated list of ids; a malformed one is refused
// naming the field.
func ids(raw, path string) ([]int64, error) {
	var out []int64
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, mercato.Invalid("invalid coupon", mercato.FieldError{Path: path, Message: "must be ids separated by commas", Value: raw})
		}
		out = append(out, n)
	}
	return out, nil
}

// createCoupon reads the form into a coupon, which the service validates
// as the API's (coupon.Coupon.Validate).
func (s *Server) createCoupon(w http.ResponseWriter, r *http.Request, v *view) {
	c, err := couponForm(r)
	if err == nil {
		c, err = s.services.Coupons.Create(r.Context(), v.P, c)
	}
	s.after(w, r, v, err, "/coupons", s.say(r, "Coupon %s created.", c.Code))
}

func couponForm(r *http.Request) (coupon.Coupon, error) {
	c := coupon.Coupon{Code: r.PostFormValue("code"), Kind: r.PostFormValue("kind"), Currency: r.PostFormValue("currency"), Duration: r.PostFormValue("duration")}
	var err error
	if c.Value, err = decimal.NewFromString(strings.TrimSpace(r.PostFormValue("value"))); err != nil {
		return c, mercato.Invalid("invalid coupon", mercato.FieldError{Path: "value", Message: "must be a decimal number"})
	}
	num := func(name string) (int64, error) {
		raw := strings.TrimSpace(r.PostFormValue(name))
		if raw == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(raw, 10, 32)
		if err != nil {
			return 0, mercato.Invalid("invalid coupon", mercato.FieldError{Path: name, Message: "must be a whole number"})
		}
		return n, nil
	}
	periods, err := num("periods")
	if err != nil {
		return c, err
	}
	if c.Duration != coupon.Repeating {
		periods = 0 // the form shows the field for every duration
	}
	c.Periods = int(periods)
	if c.MaxRedemptions, err = num("max_redemptions"); err != nil {
		return c, err
	}
	trial, err := num("trial_extension_days")
	if err != nil {
		return c, err
	}
	c.TrialExtensionDays = int(trial)
	if raw := strings.TrimSpace(r.PostFormValue("expires_at")); raw != "" {
		day, err := time.Parse("2006-01-02", raw)
		if err != nil {
			return c, mercato.Invalid("invalid coupon", mercato.FieldError{Path: "expires_at", Message: "must be a date (YYYY-MM-DD)"})
		}
		c.ExpiresAt = day.UTC()
	}
	if c.ProductIDs, err = ids(r.PostFormValue("product_ids"), "product_ids"); err != nil {
		return c, err
	}
	if c.PlanIDs, err = ids(r.PostFormValue("plan_ids"), "plan_ids"); err != nil {
		return c, err
	}
	if c.Kind == coupon.KindPercent {
		c.Currency = ""
	}
	return c, nil
}

func (s *Server) deactivateCoupon(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	c, err := s.services.Coupons.Deactivate(r.Context(), v.P, id)
	s.after(w, r, v, err, "/coupons", s.say(r, "Coupon %s deactivated: it is redeemed no more.", c.Code))
}
