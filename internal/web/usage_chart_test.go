package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

// meteredSubscription is the demo's subscription of a plan with usage
// metrics (Adatum's Business seats, metric "storage", GB, max).
func (h *harness) meteredSubscription() subscription.Subscription {
	h.t.Helper()
	ctx := context.Background()
	subs, _, err := h.st.ListSubscriptions(ctx, h.admin, store.SubscriptionFilter{}, store.Page{Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	for _, s := range subs {
		plan, err := h.st.PlanByID(ctx, s.PlanID)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(plan.Pricing.Metrics) > 0 {
			return s
		}
	}
	h.t.Fatal("no metered subscription in the demo")
	return subscription.Subscription{}
}

// A metered subscription's page shows its usage as a chart per metric,
// with the figures as a table, to its customer and to the vendor: by
// day (today's bucket holds what was reported today, folded with the
// metric's aggregation), or by month; an unmetered one has none.
func TestUsageCharts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	sub := h.meteredSubscription()
	vendorP := mustPrincipal(t, h, "mct_demo_vendor_contoso")
	svc := app.New(h.st, app.Options{}).Usage
	for _, q := range []string{"3.5", "7.25", "2"} { // max: 7.25
		if _, _, err := svc.RecordUsage(ctx, vendorP, sub.ID, usage.Report{Metric: "storage", Quantity: decimal.RequireFromString(q)}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	page := "/subscriptions/" + itoa(sub.ID)
	today := `<tr><th scope="row">` + itoa(int64(now.Day())) + " " + now.Format("Jan") + `</th><td class="num">7.25</td></tr>`
	thisMonth := `<tr><th scope="row">` + now.Format("Jan 2006") + `</th><td class="num">7.25</td></tr>`
	for _, email := range []string{customer, vendor} {
		c := h.signIn(email)
		res := c.get(page)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `id="usage-chart-0"`) || !strings.Contains(res.Body, "Usage of storage by day") ||
			!strings.Contains(res.Body, `src="data:image/svg&#43;xml;base64,`) || !strings.Contains(res.Body, `<th scope="col">Day</th><th scope="col">GB</th>`) ||
			!strings.Contains(res.Body, today) || strings.Count(res.Body, `<tr><th scope="row">`) != 30 {
			t.Fatalf("%s: usage by day lacks %s:\n%s", email, today, res.Body)
		}
		res = c.get(page + "?usage=month")
		if !strings.Contains(res.Body, "Usage of storage by month") || !strings.Contains(res.Body, thisMonth) || strings.Count(res.Body, `<tr><th scope="row">`) != 12 {
			t.Fatalf("%s: usage by month lacks %s:\n%s", email, thisMonth, res.Body)
		}
	}
	// Italian: the months' names and the headings in Italian.
	it := h.signIn(customer)
	it.post("/language", map[string][]string{"lang": {"it"}, "next": {"/profile"}})
	if res := it.get(page); !strings.Contains(res.Body, "Consumo di storage per giorno") || !strings.Contains(res.Body, `<th scope="col">Giorno</th>`) {
		t.Fatalf("usage chart in Italian:\n%s", res.Body)
	}
	// The demo's first subscription (Starter, flat) has no metric: no chart.
	if res := h.signIn(customer).get("/subscriptions/" + itoa(h.adatumSubscription().ID)); strings.Contains(res.Body, `id="usage-charts"`) {
		t.Fatal("an unmetered subscription shows usage charts")
	}
}
