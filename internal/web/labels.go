package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// labels are the words of the enums people see (English, translated by
// the catalogue), by their raw value: pricing models, product types,
// subscription and order types, the categories of a subscription's links,
// kinds of organizations and coupons, e-mail statuses and templates,
// billing runs. A value without a label shows as it is.
var labels = map[string]string{
	// pricing.Model
	"flat": msgid("flat price"), "per_unit": msgid("price per unit"), "volume": msgid("volume pricing"),
	"graduated": msgid("graduated pricing"), "package": msgid("price per package"),
	// catalog.ProductType
	"saas": msgid("SaaS application"), "microsoft_csp": msgid("Microsoft licences"), "azure_plan": msgid("Azure plan"),
	"azure_marketplace_vm": msgid("Azure virtual machine"), "arm_template": msgid("Azure solution"), "service": msgid("service"),
	// subscription.Type and OrderType
	"NORMAL": msgid("standard"), "TRIAL": msgid("free trial"), "SANDBOX": msgid("vendor's test"),
	"NEW": msgid("new order"), "CHANGE": msgid("change"), "RENEWAL": msgid("renewal"),
	// subscription.EndpointCategory
	"APP": msgid("application"), "PASSWORD_RESET": msgid("password reset"), "DOCUMENTATION": msgid("documentation"),
	"VIDEO": msgid("video"),
	// mercato.OrgKind
	"platform": msgid("platform"), "vendor": msgid("vendor"), "distributor": msgid("distributor"),
	"reseller": msgid("reseller"), "customer": msgid("customer"),
	// mail.Status
	"queued": msgid("queued"), "sent": msgid("sent"), "refused": msgid("refused"), "kept": msgid("kept"),
	// billing runs
	"running": msgid("running"), "finished": msgid("finished"), "failed": msgid("failed"),
	// billing.Kind, billing.Status
	"invoice": msgid("invoice"), "credit_note": msgid("credit note"),
	"draft": msgid("draft"), "issued": msgid("issued"), "paid": msgid("paid"), "void": msgid("void"),
	// billing.PaymentKind
	"full": msgid("in full"), "partial": msgid("partial"), "refund": msgid("refund"),
	// the e-mail templates (internal/notify) and the user's role
	"order_confirmation": msgid("order confirmation"), "new_subscription": msgid("new subscription"),
	"subscription_deployed": msgid("application ready"), "subscription_failed": msgid("activation failed"), "order_rejected": msgid("order rejected"),
	"invoice_issued": msgid("invoice issued"), "invoice_paid": msgid("receipt"), "payment_failed": msgid("payment failed"),
	"password_reset": msgid("password reset"), "renewal_reminder": msgid("renewal reminder"),
	"trial_ending": msgid("trial ending"), "endpoint_disabled": msgid("webhook endpoint disabled"),
	"admin": msgid("admin"), "manager": msgid("manager"), "viewer": msgid("viewer"), "member": msgid("member"),
	// pricing.Metric aggregations: how a period's usage records combine
	"sum": msgid("the total"), "max": msgid("the highest value"), "average": msgid("the average"),
	"last": msgid("the last value"), "unique_count": msgid("the distinct values"),
	// coupon kinds and price-list markups
	"percent": msgid("percentage"), "percentage": msgid("percentage"), "fixed": msgid("fixed amount"), "value": msgid("fixed price"),
}

// label is an enum in words with its raw value in a title.
func (w words) label(v any) template.HTML {
	raw := fmt.Sprint(v)
	text, ok := labels[raw]
	if !ok {
		return template.HTML(template.HTMLEscapeString(raw))
	}
	return template.HTML(fmt.Sprintf(`<span title="%s">%s</span>`, template.HTMLEscapeString(raw), template.HTMLEscapeString(w.T(text))))
}

// periodWords are the periods said in one word; others are "every n
// units".
var periodWords = map[string]string{
	"P1D": msgid("daily"), "P1W": msgid("weekly"), "P1M": msgid("monthly"), "P1Y": msgid("yearly"),
	"D": msgid("every %d days"), "W": msgid("every %d weeks"), "M": msgid("every %d months"), "Y": msgid("every %d years"),
}

// period is a billing period (ISO 8601, "P3M") in words ("every 3
// months"), the ISO form in a title; an empty period is a plan's default,
// monthly.
func (w words) period(p any) template.HTML {
	raw := fmt.Sprint(p)
	if raw == "" {
		raw = pricing.DefaultPeriod
	}
	return template.HTML(fmt.Sprintf(`<span title="%s">%s</span>`, template.HTMLEscapeString(raw), template.HTMLEscapeString(w.periodText(raw))))
}

// periodText is a period in words alone, for where no markup may go (a
// menu's options).
func (w words) periodText(p any) string {
	raw := fmt.Sprint(p)
	if raw == "" {
		raw = pricing.DefaultPeriod
	}
	if _, err := pricing.ParsePeriod(raw); err != nil {
		return raw
	}
	if one, ok := periodWords[raw]; ok {
		return w.T(one)
	}
	n, _ := strconv.Atoi(raw[1 : len(raw)-1])
	return w.T(periodWords[raw[len(raw)-1:]], n)
}

// labelText is an enum in words alone, for a menu's options.
func (w words) labelText(v any) string {
	raw := fmt.Sprint(v)
	if text, ok := labels[raw]; ok {
		return w.T(text)
	}
	return raw
}

// statusWords are subscription statuses in words, with their colour.
var statusWords = map[subscription.Status]struct{ class, text string }{
	subscription.WaitingPayment:    {"wait", msgid("waiting payment")},
	subscription.PaymentExpired:    {"bad", msgid("payment expired")},
	subscription.RequiresApproval:  {"wait", msgid("requires approval")},
	subscription.Pending:           {"wait", msgid("being set up")},
	subscription.PostConfiguration: {"wait", msgid("post configuration")},
	subscription.Deployed:          {"ok", msgid("running")},
	subscription.Failed:            {"bad", msgid("failed")},
	subscription.Stopped:           {"off", msgid("stopped")},
	subscription.UndeploySent:      {"off", msgid("cancelling")},
	subscription.Undeployed:        {"off", msgid("cancelled")},
}

// status is a subscription status in words with its colour class.
func (w words) status(st subscription.Status) template.HTML {
	sw, ok := statusWords[st]
	if !ok {
		sw.class, sw.text = "neutral", string(st)
	}
	return template.HTML(fmt.Sprintf(`<span class="badge %s" title="%s">%s</span>`, sw.class, template.HTMLEscapeString(string(st)), template.HTMLEscapeString(w.T(sw.text))))
}

// statusLabel is a subscription status in words, without its badge (a
// filter's option).
func (w words) statusLabel(st subscription.Status) string {
	if sw, ok := statusWords[st]; ok {
		return w.T(sw.text)
	}
	return string(st)
}

// invoiceState is an invoice's state in words with its colour class: an
// issued invoice is due, or overdue once past its due date.
func (w words) invoiceState(inv billing.Invoice) template.HTML {
	class, text := "neutral", labels[string(inv.Status)]
	switch inv.Status {
	case billing.StatusPaid:
		class = "ok"
	case billing.StatusIssued:
		class, text = "wait", msgid("due")
		if inv.Kind == billing.KindCreditNote {
			class, text = "neutral", labels["issued"]
		} else if inv.DueAt != nil && time.Now().After(*inv.DueAt) {
			class, text = "bad", msgid("overdue")
		}
	case billing.StatusVoid:
		class = "off"
	}
	if text == "" {
		text = string(inv.Status)
	}
	return template.HTML(fmt.Sprintf(`<span class="badge %s" title="%s" data-state="%s">%s</span>`, class,
		template.HTMLEscapeString(string(inv.Status)), template.HTMLEscapeString(string(inv.Status)), template.HTMLEscapeString(w.T(text))))
}

// documentTitle is an invoice's or a credit note's name.
func (w words) documentTitle(inv billing.Invoice) string {
	kind := msgid("Invoice %s")
	if inv.Kind == billing.KindCreditNote {
		kind = msgid("Credit note %s")
	}
	if inv.Number == "" {
		return w.T(kind, w.T("(draft %d)", inv.ID))
	}
	return w.T(kind, inv.Number)
}

// statusText is an HTTP status's reason in words (an error page's title).
func statusText(status int) string {
	switch status {
	case 400:
		return msgid("Bad request")
	case 401:
		return msgid("Not signed in")
	case 403:
		return msgid("Forbidden")
	case 404:
		return msgid("Not found")
	case 409:
		return msgid("Conflict")
	case 413:
		return msgid("Too large")
	case 422:
		return msgid("Cannot be done")
	case 429:
		return msgid("Too many requests")
	}
	return msgid("Something went wrong")
}

// money is an amount in a currency with its minor unit's decimals (none
// for JPY, three for KWD): "EUR 1234.56" in English, "1.234,56 €" in
// Italian.
func (w words) money(d decimal.Decimal, currency string) string {
	s := billing.Money(d, currency)
	if w.lang != "it" {
		return currency + " " + s
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	symbol := currency
	if currency == "EUR" {
		symbol = "€"
	}
	return sign + b.String() + "\u00a0" + symbol
}

// dateLayouts are how each language writes a day.
var dateLayouts = map[string]string{"it": "02/01/2006"}

func (w words) dateLayout() string {
	if l, ok := dateLayouts[w.lang]; ok {
		return l
	}
	return time.DateOnly
}

// when renders a time for app.js to show in the reader's time zone;
// without JavaScript it reads in UTC.
func (w words) when(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	t = t.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`, t.Format(time.RFC3339), t.Format(w.dateLayout()+" 15:04 UTC")))
}

// day renders a day (app.js writes it in the reader's language).
func (w words) day(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	t = t.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s" data-date>%s</time>`, t.Format(time.RFC3339), t.Format(w.dateLayout())))
}
