package cloudesire_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The bodies of Cloudesire's vendor documentation ("Custom billing",
// "Postponed one-off upsell", "Recurring upsells costs"), byte for byte.
const (
	docsCustomInvoice = `[
    {
        "description": "First row",
        "identifier": "first",
        "price": {
            "price": "100.0000",
            "currency": "EUR"
        },
        "quantity": 2.0,
        "unit": "un"
    },
    {
        "description": "Second row",
        "identifier": "second",
        "price": {
            "price": "23.4567",
            "currency": "EUR"
        },
        "purchased": "2021-11-19T00:00:00Z",
        "quantity": 1.0,
        "unit": "un"
    }
]`
	docsOneshot = `[
    {
        "description": "First row",
        "price": {
            "price": "100.0000"
        },
        "quantity": 2.0,
        "unit": "un"
    },
    {
        "description": "Second row",
        "price": {
            "price": "23.4567"
        },
        "quantity": 1.0,
        "unit": "un"
    }
]`
	docsCashed = `[
    {
        "description": "First row",
        "price": {
            "price": "100.0000",
            "vat": 22.0
        },
        "quantity": 2.0,
        "unit": "un"
    }
]`
)

// TestCustomBilling replays the custom billing requests of Cloudesire's
// documentation and the Java client (SubscriptionApi.customInvoice,
// addOneshotCosts, addRecurringCosts) and follows the money: each list is a
// charge at the declared price, billed once (one-shot), with every period
// (recurring) or at once (custom invoice), split between the vendor and the
// platform's fee.
func TestCustomBilling(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sv := app.New(e.st, app.Options{})
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 1) // 1 seat × 10.00 a month
		id := strconv.FormatInt(sub.ID, 10)
		path := "subscription/" + id
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}

		// Before delivery a custom invoice is refused (nothing to bill yet);
		// one-shot costs wait for the first invoice.
		java.send(http.MethodPost, path+"/invoice", "", docsCustomInvoice).errorHolders(t, http.StatusBadRequest)
		java.send(http.MethodPatch, path, "", patchBody("DEPLOYED")).must(t, http.StatusOK)

		// A custom invoice: 201, Location of the invoice, which holds these lines alone.
		a := java.send(http.MethodPost, path+"/invoice", "", docsCustomInvoice).must(t, http.StatusCreated)
		loc := a.header.Get("Location")
		invID, err := strconv.ParseInt(strings.TrimPrefix(loc, "/api/invoice/"), 10, 64)
		if err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
		inv, err := sv.Billing.Invoice(ctx, w.Platform.Principal, invID)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Status != billing.StatusIssued || inv.Number == "" || !inv.Subtotal.Equal(decimal.RequireFromString("223.46")) || len(inv.Lines) != 2 {
			t.Fatalf("custom invoice: %s %q subtotal %s, %d lines", inv.Status, inv.Number, inv.Subtotal, len(inv.Lines))
		}
		checkVendorSplit(t, w.VendorA.Org, inv)
		java.get("invoice/"+strconv.FormatInt(invID, 10), "", "InvoiceDTO")

		// Declared proceeds (cashed=true, the deprecated postOrderLines): issued paid.
		a = java.send(http.MethodPost, path+"/invoice", "cashed=true", docsCashed).must(t, http.StatusCreated)
		cashedID, _ := strconv.ParseInt(strings.TrimPrefix(a.header.Get("Location"), "/api/invoice/"), 10, 64)
		if c, err := sv.Billing.Invoice(ctx, w.Platform.Principal, cashedID); err != nil || c.Status != billing.StatusPaid {
			t.Fatalf("cashed invoice: %+v %v", c.Status, err)
		}

		// One-shot costs: a second list replaces the first; both answer {}.
		if a := java.send(http.MethodPost, path+"/invoice/oneshot", "", `[{"description":"Replaced","price":{"price":"999"},"quantity":1.0,"unit":"un"}]`).must(t, http.StatusOK); strings.TrimSpace(string(a.raw)) != "{}" {
			t.Fatalf("oneshot answered %s", a.raw)
		}
		java.send(http.MethodPost, path+"/invoice/oneshot", "", docsOneshot).must(t, http.StatusOK)
		java.send(http.MethodPost, path+"/invoice/recurring", "", `[{"description":"Premium support","price":{"price":"5.00"},"quantity":1.0,"unit":"month"}]`).must(t, http.StatusOK)

		// February's run: the first period (10.00) and the one-shot costs
		// (223.46), not the replaced list nor the custom invoices again.
		feb := run(t, e, sv, "2026-02")
		if got := kinds(feb); got != "custom:223.46 recurring:10.00" {
			t.Fatalf("February bills %s", got)
		}
		checkVendorSplit(t, w.VendorA.Org, feb)
		// March: the next period with the recurring costs; the one-shot costs are gone.
		e.st.Now = storetest.Clock(storetest.Epoch.AddDate(0, 1, 5))
		mar := run(t, e, sv, "2026-03")
		if got := kinds(mar); got != "custom_recurring:5.00 recurring:10.00" {
			t.Fatalf("March bills %s", got)
		}
		// An empty list stops the recurring costs.
		java.send(http.MethodPost, path+"/invoice/recurring", "", `[]`).must(t, http.StatusOK)
		e.st.Now = storetest.Clock(storetest.Epoch.AddDate(0, 2, 5))
		if got := kinds(run(t, e, sv, "2026-04")); got != "recurring:10.00" {
			t.Fatalf("April bills %s", got)
		}
	})
}

// TestCustomBillingRefusals: who may bill, and bad lines, answered as
// errorHolders naming the field, with nothing written.
func TestCustomBillingRefusals(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 1)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		java.send(http.MethodPatch, path, "", patchBody("DEPLOYED")).must(t, http.StatusOK)
		line := `[{"description":"x","price":{"price":"1"},"quantity":1}]`
		storetest.Unchanged(t, e.st, func() {
			javaClient{t: t, base: e.base, token: w.C1.Token}.send(http.MethodPost, path+"/invoice", "", line).errorHolders(t, http.StatusForbidden)
			javaClient{t: t, base: e.base, token: w.VendorB.Token}.send(http.MethodPost, path+"/invoice/oneshot", "", line).errorHolders(t, http.StatusNotFound)
			for _, c := range []struct{ endpoint, query, body, key string }{
				{"/invoice", "", `[{"description":"x","quantity":1}]`, "[0].price.price"},
				{"/invoice", "", `[{"description":"x","price":{"price":"1","currency":"USD"},"quantity":1}]`, "[0].price.currency"},
				{"/invoice", "", `[{"description":"","price":{"price":"1"},"quantity":1}]`, "[0].description"},
				{"/invoice", "", `[{"description":"x","price":{"price":"1"},"quantity":0}]`, "[0].quantity"},
				{"/invoice", "", `[{"description":"x","price":{"price":"1e12"},"quantity":1}]`, "[0].price.price"},
				{"/invoice", "", `[{"description":"x","price":{"price":"-5"},"quantity":1}]`, "lines"},
				{"/invoice", "", `[]`, "lines"},
				{"/invoice", "type=REFUND", line, "type"},
				{"/invoice", "cashed=maybe", line, "cashed"},
				{"/invoice/oneshot", "", `[{"description":"x","price":{"price":"1"},"quantity":1,"purchased":"yesterday"}]`, "[0].purchased"},
				{"/invoice/recurring", "", `{"not":"a list"}`, "invalid"},
			} {
				keys := java.send(http.MethodPost, path+c.endpoint, c.query, c.body).errorHolders(t, http.StatusBadRequest)
				if len(keys) == 0 || keys[0] != c.key {
					t.Errorf("%s?%s %s: keys %v, want %s", c.endpoint, c.query, c.body, keys, c.key)
				}
			}
		})
		// A viewer of the vendor reads only.
		viewer := storetest.Viewer(w.VendorA.Principal)
		if err := app.New(e.st, app.Options{}).Billing.SetOneshotCosts(ctx, viewer, sub.ID, nil); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("viewer: %v", err)
		}
	})
}

// run closes month and returns the invoice of the run's only customer.
func run(t *testing.T, e *env, sv *app.Services, month string) billing.Invoice {
	t.Helper()
	m, err := billing.ParseMonth(month)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sv.Billing.RunBilling(ctx, e.w.Platform.Principal, billingrun.Options{Period: m})
	if err != nil {
		t.Fatal(err)
	}
	invs, _, err := sv.Billing.ListInvoices(ctx, e.w.Platform.Principal, billing.InvoiceFilter{}, mercato.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range invs {
		if inv.RunID == r.ID {
			full, err := sv.Billing.Invoice(ctx, e.w.Platform.Principal, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full
		}
	}
	t.Fatalf("run %d of %s issued no invoice", r.ID, month)
	return billing.Invoice{}
}

// kinds sums an invoice's lines by kind: "kind:amount" sorted by kind.
func kinds(inv billing.Invoice) string {
	sums := map[string]decimal.Decimal{}
	var order []string
	for _, l := range inv.Lines {
		if _, ok := sums[l.Kind]; !ok {
			order = append(order, l.Kind)
		}
		sums[l.Kind] = sums[l.Kind].Add(l.Amount)
	}
	var out []string
	for _, k := range order {
		out = append(out, k+":"+sums[k].StringFixed(2))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// checkVendorSplit checks that every custom line's shares are the vendor's
// amount less the platform's fee, and the fee: nothing to the channel.
func checkVendorSplit(t *testing.T, vendor mercato.Organization, inv billing.Invoice) {
	t.Helper()
	fee := catalog.DefaultFeePercent // no rule of its own: the operator's default
	if vendor.FeePercent != "" {
		fee = decimal.RequireFromString(vendor.FeePercent)
	}
	for _, l := range inv.Lines {
		if !strings.HasPrefix(l.Kind, "custom") || len(l.Shares) == 0 {
			continue
		}
		total := decimal.Zero
		for _, s := range l.Shares {
			total = total.Add(s.Amount)
		}
		want := pricing.Round(total.Mul(decimal.NewFromInt(1).Sub(fee.Shift(-2))), inv.Currency)
		if len(l.Shares) != 2 || l.Shares[0].Role != pricing.RoleVendor || l.Shares[0].OrganizationID != vendor.ID || !l.Shares[0].Amount.Equal(want) ||
			l.Shares[1].Role != pricing.RolePlatform {
			t.Fatalf("line %d %q shares %+v, vendor's want %s of %s", l.No, l.Description, l.Shares, want, total)
		}
	}
}
