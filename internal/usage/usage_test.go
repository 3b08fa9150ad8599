package usage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

var ctx = context.Background()

// service is the usage service over st.
func service(st *store.Store) *usage.Service {
	return usage.New(st, store.TxFunc[usage.Tx](st))
}

// The store's transaction is the service's.
var _ usage.Tx = (*store.Tx)(nil)

func code(err error) string { return mercato.ErrorCode(err) }

var usageCases = []struct {
	name string
	run  func(t *testing.T, st *store.Store, w *storetest.World, sub int64)
}{
	{"push and read back", testUsagePush},
	{"a repeated idempotency id is counted once", testUsageIdempotent},
	{"same idempotency id, different report: invalid", testUsageKeyReuse},
	{"validation", testUsageValidation},
	{"who may push", testUsageWriters},
	{"ended subscriptions take no usage", testUsageEnded},
	{"aggregations", testUsageAggregations},
	{"list filters and pages", testUsageList},
	{"poll claims and counters", testUsagePollStore},
	{"voiding a record", testUsageVoid},
	{"series by day and by month", testUsageSeries},
}

// usageNow is the store's clock in the usage cases: mid-February 2026, so
// that January is a closed period.
var usageNow = time.Date(2026, 2, 15, 12, 0, 0, 0, time.UTC)

// TestUsage runs the usage cases on every engine, each on a fresh world
// with a DEPLOYED subscription of the metered plan for C1.
func TestUsage(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			for _, c := range usageCases {
				t.Run(c.name, func(t *testing.T) {
					st := storetest.Open(t, engine)
					w := storetest.NewWorld(t, st)
					_, sub := storetest.MeteredSubscription(t, st, w)
					st.Now = func() time.Time { return usageNow }
					c.run(t, st, w, sub)
				})
			}
		})
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func push(t *testing.T, st *store.Store, p mercato.Principal, sub int64, r usage.Report) usage.Record {
	t.Helper()
	rec, replayed, err := service(st).RecordUsage(ctx, p, sub, r)
	if err != nil || replayed {
		t.Fatalf("push %+v: replayed %v, %v", r, replayed, err)
	}
	return rec
}

func usageCount(t *testing.T, st *store.Store) int {
	t.Helper()
	return storetest.Counts(t, st)["usage_records"]
}

func testUsagePush(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	rec := push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("12.5"), OccurredAt: at("2026-01-10T08:30:00Z"), IdempotencyKey: "k1"})
	if rec.ID == 0 || rec.Source != usage.SourcePush || !rec.Quantity.Equal(dec("12.5")) || rec.ReportedBy != w.VendorA.Org.ID ||
		!rec.PeriodStart.Equal(*at("2026-01-10T08:30:00Z")) || !rec.PeriodEnd.Equal(rec.PeriodStart) || rec.IdempotencyKey != "k1" {
		t.Fatalf("record %+v", rec)
	}
	// A period, and no time at all (now).
	p := push(t, st, w.Platform.Principal, sub, usage.Report{Metric: "storage_gb", Quantity: dec("0.000000000001"), PeriodStart: at("2026-01-01T00:00:00Z"), PeriodEnd: at("2026-01-02T00:00:00Z")})
	if !p.PeriodEnd.Equal(*at("2026-01-02T00:00:00Z")) || p.Quantity.String() != "0.000000000001" {
		t.Fatalf("period record %+v", p)
	}
	n := push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("0")})
	if !n.PeriodStart.Equal(usageNow) {
		t.Fatalf("no time: %v, want now", n.PeriodStart)
	}
	for name, tn := range map[string]storetest.Tenant{"customer": w.C1, "reseller": w.R1, "distributor": w.D1, "vendor": w.VendorA, "platform": w.Platform} {
		got, _, err := st.ListUsage(ctx, tn.Principal, sub, store.UsageFilter{}, store.Page{})
		if err != nil || len(got) != 3 || got[0].ID != rec.ID || !got[0].Quantity.Equal(dec("12.5")) || !got[0].PeriodStart.Equal(rec.PeriodStart) {
			t.Fatalf("%s lists %+v, %v", name, got, err)
		}
	}
	for name, tn := range map[string]storetest.Tenant{"sibling": w.C1b, "c2": w.C2, "r2": w.R2, "d2": w.D2, "vendorB": w.VendorB} {
		if _, _, err := st.ListUsage(ctx, tn.Principal, sub, store.UsageFilter{}, store.Page{}); code(err) != mercato.ENOTFOUND {
			t.Fatalf("%s lists: %v", name, err)
		}
		if _, err := service(st).Summary(ctx, tn.Principal, sub, "api_calls", time.Time{}, time.Time{}); code(err) != mercato.ENOTFOUND {
			t.Fatalf("%s summary: %v", name, err)
		}
	}
}

func testUsageIdempotent(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	r := usage.Report{Metric: "api_calls", Quantity: dec("7"), IdempotencyKey: "batch-2026-01-10"}
	first := push(t, st, w.VendorA.Principal, sub, r)
	// The same report again, its quantity written otherwise and its time
	// left to the server again (a minute later): the first record.
	st.Now = func() time.Time { return usageNow.Add(time.Minute) }
	r.Quantity = dec("7.000")
	for _, p := range []mercato.Principal{w.VendorA.Principal, w.Platform.Principal} {
		again, replayed, err := service(st).RecordUsage(ctx, p, sub, r)
		if err != nil || !replayed || again.ID != first.ID || !again.PeriodStart.Equal(first.PeriodStart) {
			t.Fatalf("repeat: %+v replayed %v %v", again, replayed, err)
		}
	}
	if n := usageCount(t, st); n != 1 {
		t.Fatalf("%d records", n)
	}
	// The same key on another subscription is another record.
	_, other := storetest.MeteredSubscription(t, st, w)
	push(t, st, w.VendorA.Principal, other, r)
	sum, err := service(st).Summary(ctx, w.Platform.Principal, sub, "api_calls", time.Time{}, time.Time{})
	if err != nil || !sum.Quantity.Equal(dec("7")) || sum.Records != 1 {
		t.Fatalf("summary %+v %v", sum, err)
	}
}

func testUsageKeyReuse(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("7"), OccurredAt: at("2026-01-10T00:00:00Z"), IdempotencyKey: "k"})
	for name, r := range map[string]usage.Report{
		"quantity":  {Metric: "api_calls", Quantity: dec("8"), OccurredAt: at("2026-01-10T00:00:00Z"), IdempotencyKey: "k"},
		"metric":    {Metric: "storage_gb", Quantity: dec("7"), OccurredAt: at("2026-01-10T00:00:00Z"), IdempotencyKey: "k"},
		"time":      {Metric: "api_calls", Quantity: dec("7"), OccurredAt: at("2026-01-11T00:00:00Z"), IdempotencyKey: "k"},
		"no time":   {Metric: "api_calls", Quantity: dec("7"), IdempotencyKey: "k"},
		"unique id": {Metric: "api_calls", Quantity: dec("7"), OccurredAt: at("2026-01-10T00:00:00Z"), IdempotencyKey: "k", UniqueID: "x"},
	} {
		_, _, err := service(st).RecordUsage(ctx, w.VendorA.Principal, sub, r)
		if code(err) != mercato.EINVALID || mercato.Fields(err)[0].Path != "idempotency_id" {
			t.Fatalf("other %s, same key: %v", name, err)
		}
	}
	if n := usageCount(t, st); n != 1 {
		t.Fatalf("%d records", n)
	}
}

func testUsageValidation(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	for name, c := range map[string]struct {
		r    usage.Report
		path string
	}{
		"unknown metric":      {usage.Report{Metric: "bandwidth", Quantity: dec("1")}, "metric"},
		"no metric":           {usage.Report{Quantity: dec("1")}, "metric"},
		"negative":            {usage.Report{Metric: "api_calls", Quantity: dec("-0.5")}, "quantity"},
		"13 decimals":         {usage.Report{Metric: "api_calls", Quantity: dec("0.0000000000001")}, "quantity"},
		"huge":                {usage.Report{Metric: "api_calls", Quantity: dec("1e18")}, "quantity"},
		"beyond any price":    {usage.Report{Metric: "api_calls", Quantity: dec("999999999999999999.999999999999")}, "quantity"},
		"unique without id":   {usage.Report{Metric: "devices", Quantity: dec("1")}, "unique_id"},
		"future":              {usage.Report{Metric: "api_calls", Quantity: dec("1"), OccurredAt: at("2026-03-01T00:00:00Z")}, "period.start"},
		"end before start":    {usage.Report{Metric: "api_calls", Quantity: dec("1"), PeriodStart: at("2026-01-02T00:00:00Z"), PeriodEnd: at("2026-01-01T00:00:00Z")}, "period.end"},
		"half a period":       {usage.Report{Metric: "api_calls", Quantity: dec("1"), PeriodStart: at("2026-01-02T00:00:00Z")}, "period"},
		"both times":          {usage.Report{Metric: "api_calls", Quantity: dec("1"), OccurredAt: at("2026-01-02T00:00:00Z"), PeriodStart: at("2026-01-02T00:00:00Z"), PeriodEnd: at("2026-01-03T00:00:00Z")}, "occurred_at"},
		"reserved key prefix": {usage.Report{Metric: "api_calls", Quantity: dec("1"), IdempotencyKey: "poll:x"}, "idempotency_id"},
	} {
		_, _, err := service(st).RecordUsage(ctx, w.VendorA.Principal, sub, c.r)
		if code(err) != mercato.EINVALID || len(mercato.Fields(err)) == 0 || mercato.Fields(err)[0].Path != c.path {
			t.Errorf("%s: %v (fields %+v)", name, err, mercato.Fields(err))
		}
	}
	// The first day of a period reported for the current day is fine.
	push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("1"), PeriodStart: at("2026-02-15T00:00:00Z"), PeriodEnd: at("2026-02-16T00:00:00Z")})
	if n := usageCount(t, st); n != 1 {
		t.Fatalf("%d records", n)
	}
}

func testUsageWriters(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	r := usage.Report{Metric: "api_calls", Quantity: dec("1")}
	for name, c := range map[string]struct {
		p    mercato.Principal
		code string
	}{
		"foreign vendor": {w.VendorB.Principal, mercato.ENOTFOUND},
		"other channel":  {w.R2.Principal, mercato.ENOTFOUND},
		"sibling":        {w.C1b.Principal, mercato.ENOTFOUND},
		"customer":       {w.C1.Principal, mercato.EFORBIDDEN},
		"reseller":       {w.R1.Principal, mercato.EFORBIDDEN},
		"distributor":    {w.D1.Principal, mercato.EFORBIDDEN},
		"viewer vendor":  {mercato.Principal{OrgID: w.VendorA.Org.ID, OrgKind: mercato.KindVendor, Role: mercato.RoleViewer}, mercato.EFORBIDDEN},
	} {
		if _, _, err := service(st).RecordUsage(ctx, c.p, sub, r); code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	// An invalid report from a foreign vendor is still not found.
	if _, _, err := service(st).RecordUsage(ctx, w.VendorB.Principal, sub, usage.Report{Metric: "nope", Quantity: dec("-1")}); code(err) != mercato.ENOTFOUND {
		t.Fatalf("foreign vendor, invalid report: %v", err)
	}
	if _, _, err := service(st).RecordUsage(ctx, w.VendorA.Principal, 999999, r); code(err) != mercato.ENOTFOUND {
		t.Fatalf("no such subscription: %v", err)
	}
	if n := usageCount(t, st); n != 0 {
		t.Fatalf("%d records", n)
	}
}

func testUsageEnded(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	r := usage.Report{Metric: "api_calls", Quantity: dec("3"), IdempotencyKey: "last-day"}
	first := push(t, st, w.VendorA.Principal, sub, r)
	if _, err := app.Lifecycle(st).Act(ctx, w.C1.Principal, sub, subscription.ActionTerminate); err != nil {
		t.Fatal(err)
	}
	// UNDEPLOY_SENT: final usage is still welcome.
	push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("1")})
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub, subscription.Undeployed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := service(st).RecordUsage(ctx, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("1")}); code(err) != mercato.ECONFLICT {
		t.Fatalf("after UNDEPLOYED: %v", err)
	}
	// A retry of a report made before still answers its record.
	again, replayed, err := service(st).RecordUsage(ctx, w.VendorA.Principal, sub, r)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("retry after UNDEPLOYED: %+v %v %v", again, replayed, err)
	}
	if n := usageCount(t, st); n != 2 {
		t.Fatalf("%d records", n)
	}
}

func testUsageAggregations(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	v := w.VendorA.Principal
	type rep struct{ metric, qty, at, uid string }
	for _, r := range []rep{
		// sum: 12.5 + 0.25 + 100 = 112.75; the two outside January are not counted.
		{"api_calls", "12.5", "2026-01-01T00:00:00Z", ""},
		{"api_calls", "0.25", "2026-01-15T10:00:00Z", ""},
		{"api_calls", "100", "2026-01-31T23:59:59.999999Z", ""},
		{"api_calls", "1000", "2026-02-01T00:00:00Z", ""},
		{"api_calls", "1000", "2025-12-31T23:59:59.999999Z", ""},
		// max: 3.25.
		{"storage_gb", "1.5", "2026-01-03T00:00:00Z", ""},
		{"storage_gb", "3.25", "2026-01-04T00:00:00Z", ""},
		{"storage_gb", "2", "2026-01-05T00:00:00Z", ""},
		{"storage_gb", "99", "2026-02-05T00:00:00Z", ""},
		// average: (10 + 20 + 25) / 3 = 18.333333333333 (12 places).
		{"active_users", "10", "2026-01-01T00:00:00Z", ""},
		{"active_users", "20", "2026-01-11T00:00:00Z", ""},
		{"active_users", "25", "2026-01-21T00:00:00Z", ""},
		// last: by period start, not by arrival: 7.
		{"instances", "3", "2026-01-05T00:00:00Z", ""},
		{"instances", "7", "2026-01-20T00:00:00Z", ""},
		{"instances", "5", "2026-01-10T00:00:00Z", ""},
		// unique_count: a, b, c = 3.
		{"devices", "1", "2026-01-02T00:00:00Z", "a"},
		{"devices", "1", "2026-01-03T00:00:00Z", "b"},
		{"devices", "1", "2026-01-04T00:00:00Z", "a"},
		{"devices", "1", "2026-01-05T00:00:00Z", "c"},
		{"devices", "1", "2026-02-02T00:00:00Z", "d"},
	} {
		push(t, st, v, sub, usage.Report{Metric: r.metric, Quantity: dec(r.qty), OccurredAt: at(r.at), UniqueID: r.uid})
	}
	jan, feb := *at("2026-01-01T00:00:00Z"), *at("2026-02-01T00:00:00Z")
	for _, c := range []struct {
		metric, agg, want string
		records           int
	}{
		{"api_calls", "sum", "112.75", 3},
		{"storage_gb", "max", "3.25", 3},
		{"active_users", "average", "18.333333333333", 3},
		{"instances", "last", "7", 3},
		{"devices", "unique_count", "3", 4},
	} {
		for _, p := range []mercato.Principal{w.Platform.Principal, w.C1.Principal, w.R1.Principal, v} {
			got, err := service(st).Summary(ctx, p, sub, c.metric, jan, feb)
			if err != nil || got.Aggregation != c.agg || got.Quantity.String() != c.want || got.Records != c.records {
				t.Fatalf("%s: %+v (quantity %s) %v, want %s over %d", c.metric, got, got.Quantity, err, c.want, c.records)
			}
		}
	}
	// A period [Jan 31, Feb 1] belongs to January by its start.
	push(t, st, v, sub, usage.Report{Metric: "api_calls", Quantity: dec("0.75"), PeriodStart: at("2026-01-31T00:00:00Z"), PeriodEnd: at("2026-02-01T00:00:00Z")})
	if got, _ := service(st).Summary(ctx, v, sub, "api_calls", jan, feb); got.Quantity.String() != "113.5" {
		t.Fatalf("with a period: %s", got.Quantity)
	}
	// Open bounds, an empty window, an average that divides exactly.
	if got, _ := service(st).Summary(ctx, v, sub, "api_calls", time.Time{}, time.Time{}); got.Quantity.String() != "2113.5" || got.Records != 6 {
		t.Fatalf("all time: %+v", got)
	}
	if got, err := service(st).Summary(ctx, v, sub, "api_calls", *at("2025-06-01T00:00:00Z"), *at("2025-07-01T00:00:00Z")); err != nil || !got.Quantity.IsZero() || got.Records != 0 {
		t.Fatalf("empty window: %+v %v", got, err)
	}
	if got, _ := service(st).Summary(ctx, v, sub, "active_users", *at("2026-01-11T00:00:00Z"), feb); got.Quantity.String() != "22.5" {
		t.Fatalf("average of 20 and 25: %s", got.Quantity)
	}
	if _, err := service(st).Summary(ctx, v, sub, "bandwidth", jan, feb); code(err) != mercato.EINVALID {
		t.Fatalf("unknown metric: %v", err)
	}
	if _, err := service(st).Summary(ctx, v, sub, "api_calls", feb, jan); code(err) != mercato.EINVALID {
		t.Fatalf("to before from: %v", err)
	}
}

func testUsageList(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	for i := range 5 {
		push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: decimal.NewFromInt(int64(i)), OccurredAt: at(fmt.Sprintf("2026-01-0%dT00:00:00Z", i+1))})
	}
	push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "storage_gb", Quantity: dec("1"), OccurredAt: at("2026-01-03T00:00:00Z")})
	got, _, err := st.ListUsage(ctx, w.C1.Principal, sub, store.UsageFilter{Metric: "api_calls", From: *at("2026-01-02T00:00:00Z"), To: *at("2026-01-04T00:00:00Z")}, store.Page{})
	if err != nil || len(got) != 2 || got[0].Quantity.String() != "1" || got[1].Quantity.String() != "2" {
		t.Fatalf("filtered: %+v %v", got, err)
	}
	var all []usage.Record
	page := store.Page{Limit: 4}
	for {
		items, next, err := st.ListUsage(ctx, w.C1.Principal, sub, store.UsageFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items...)
		if next == 0 {
			break
		}
		page.After = next
	}
	if len(all) != 6 {
		t.Fatalf("paged: %d records", len(all))
	}
	if got, _, _ := st.ListUsage(ctx, w.C1.Principal, sub, store.UsageFilter{Source: usage.SourcePoll}, store.Page{}); len(got) != 0 {
		t.Fatalf("polled: %+v", got)
	}
}

// testUsagePollStore covers the store's side of polling: a window is
// claimed once (again only after its lease ran out unfinished), gauges are
// recorded as read, counters as increases, a window's reading once.
func testUsagePollStore(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	prods, err := st.MeteredProducts(ctx, []string{"usage.metric_url", "metrics_url"})
	if err != nil || len(prods) != 0 {
		t.Fatalf("metered products before the URL: %+v %v", prods, err)
	}
	url := "http://127.0.0.1:1/metrics"
	if _, err := storetest.Listing(st).UpdateProduct(ctx, w.VendorA.Principal, w.ProductA.ID, listing.ProductUpdate{Metadata: &map[string]string{"metrics_url": url}}); err != nil {
		t.Fatal(err)
	}
	prods, err = st.MeteredProducts(ctx, []string{"usage.metric_url", "metrics_url"})
	if err != nil || len(prods) != 1 || prods[0].Metadata["metrics_url"] != url {
		t.Fatalf("metered products: %+v %v", prods, err)
	}
	subs, err := st.PollableSubscriptions(ctx, w.ProductA.ID)
	if err != nil || len(subs) != 1 || subs[0].ID != sub || len(subs[0].Metrics) != 5 {
		t.Fatalf("pollable: %+v %v", subs, err)
	}

	w1 := *at("2026-02-15T11:00:00Z")
	if ok, err := st.ClaimUsagePoll(ctx, w.ProductA.ID, w1, time.Minute); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, _ := st.ClaimUsagePoll(ctx, w.ProductA.ID, w1, time.Minute); ok {
		t.Fatal("claimed twice")
	}
	// Its process died: once the lease ran out, another takes it.
	st.Now = func() time.Time { return usageNow.Add(2 * time.Minute) }
	if ok, _ := st.ClaimUsagePoll(ctx, w.ProductA.ID, w1, time.Minute); !ok {
		t.Fatal("expired claim not taken again")
	}
	if err := st.FinishUsagePoll(ctx, w.ProductA.ID, w1, 1, 0, ""); err != nil {
		t.Fatal(err)
	}
	st.Now = func() time.Time { return usageNow.Add(time.Hour) }
	if ok, _ := st.ClaimUsagePoll(ctx, w.ProductA.ID, w1, time.Minute); ok {
		t.Fatal("a finished window claimed again")
	}

	poll := func(window string, readings ...usage.Reading) []usage.Record {
		t.Helper()
		start := *at(window)
		got, _, err := service(st).RecordPolledUsage(ctx, sub, start, start.Add(time.Hour), readings)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	r := func(m, v string) usage.Reading { return usage.Reading{Metric: m, Value: dec(v)} }
	// Counter: 100 (first reading, all of it), 130 (+30), 130 again in the
	// same window (skipped), 145 (+15), reset to 5 (+5). Gauge: as read.
	if got := poll("2026-02-15T08:00:00Z", r("api_calls", "100"), r("storage_gb", "2.5")); len(got) != 2 || got[0].Quantity.String() != "100" || got[1].Quantity.String() != "2.5" {
		t.Fatalf("first poll: %+v", got)
	}
	if got := poll("2026-02-15T09:00:00Z", r("api_calls", "130")); len(got) != 1 || got[0].Quantity.String() != "30" || got[0].Reading.String() != "130" {
		t.Fatalf("second poll: %+v", got)
	}
	if got := poll("2026-02-15T09:00:00Z", r("api_calls", "131")); len(got) != 0 {
		t.Fatalf("same window again: %+v", got)
	}
	got, skipped, err := service(st).RecordPolledUsage(ctx, sub, *at("2026-02-15T10:00:00Z"), *at("2026-02-15T11:00:00Z"),
		[]usage.Reading{r("api_calls", "145"), r("bandwidth", "1"), r("devices", "3"), r("instances", "-1")})
	if err != nil || len(got) != 1 || got[0].Quantity.String() != "15" || len(skipped) != 3 {
		t.Fatalf("third poll: %+v %v %v", got, skipped, err)
	}
	if got := poll("2026-02-15T11:00:00Z", r("api_calls", "5")); len(got) != 1 || got[0].Quantity.String() != "5" {
		t.Fatalf("after a reset: %+v", got)
	}
	sum, _ := service(st).Summary(ctx, w.C1.Principal, sub, "api_calls", time.Time{}, time.Time{})
	if sum.Quantity.String() != "150" || sum.Records != 4 {
		t.Fatalf("counter total %+v", sum)
	}
	list, _, _ := st.ListUsage(ctx, w.VendorA.Principal, sub, store.UsageFilter{Source: usage.SourcePoll}, store.Page{})
	if len(list) != 5 || list[0].IdempotencyKey != usage.PollKey(*at("2026-02-15T08:00:00Z"), "api_calls") || list[0].ReportedBy != 0 {
		t.Fatalf("polled records %+v", list)
	}
}

// testUsageVoid: the vendor or the platform voids a pushed record, which
// is kept, marked, audited and aggregated nowhere; nobody else may, a
// reason is required, and once its period's usage is charged the record
// stands (409): the invoice is credited instead.
func testUsageVoid(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	svc := service(st)
	s, err := st.Subscription(ctx, w.Platform.Principal, sub)
	if err != nil {
		t.Fatal(err)
	}
	// The subscription's first period began when it was ordered.
	start := s.CreatedAt
	st.Now = func() time.Time { return start.AddDate(0, 0, 2) }
	in := func(h int) *time.Time { at := start.Add(time.Duration(h) * time.Hour); return &at }
	bad := push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("1000"), OccurredAt: in(1)})
	good := push(t, st, w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("10"), OccurredAt: in(2)})
	before := storetest.Counts(t, st)
	for name, c := range map[string]struct {
		p      mercato.Principal
		sub    int64
		reason string
		code   string
	}{
		"customer":          {w.C1.Principal, sub, "wrong", mercato.EFORBIDDEN},
		"reseller":          {w.R1.Principal, sub, "wrong", mercato.EFORBIDDEN},
		"another vendor":    {w.VendorB.Principal, sub, "wrong", mercato.ENOTFOUND},
		"vendor viewer":     {mercato.Principal{UserID: w.VendorA.Principal.UserID, OrgID: w.VendorA.Org.ID, OrgKind: w.VendorA.Principal.OrgKind, Role: mercato.RoleViewer}, sub, "wrong", mercato.EFORBIDDEN},
		"no reason":         {w.VendorA.Principal, sub, "  ", mercato.EINVALID},
		"too long a reason": {w.VendorA.Principal, sub, string(make([]byte, 501)), mercato.EINVALID},
		"another sub's id":  {w.VendorA.Principal, sub + 1000, "wrong", mercato.ENOTFOUND},
	} {
		if _, err := svc.VoidUsage(ctx, c.p, c.sub, bad.ID, c.reason); code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused void wrote: %v → %v", before, after)
	}
	v, err := svc.VoidUsage(ctx, w.VendorA.Principal, sub, bad.ID, "sent twice by a bug")
	if err != nil || v.VoidedAt == nil || v.VoidedBy != w.VendorA.Org.ID || v.VoidReason != "sent twice by a bug" {
		t.Fatalf("void: %+v %v", v, err)
	}
	// Again: answered as it is.
	if again, err := svc.VoidUsage(ctx, w.Platform.Principal, sub, bad.ID, "again"); err != nil || again.VoidReason != "sent twice by a bug" {
		t.Fatalf("void again: %+v %v", again, err)
	}
	recs, _, err := st.ListUsage(ctx, w.C1.Principal, sub, store.UsageFilter{}, store.Page{})
	if err != nil || len(recs) != 2 || recs[0].VoidedAt == nil || recs[1].VoidedAt != nil {
		t.Fatalf("kept and marked: %+v %v", recs, err)
	}
	sum, err := svc.Summary(ctx, w.Platform.Principal, sub, "api_calls", time.Time{}, time.Time{})
	if err != nil || !sum.Quantity.Equal(dec("10")) || sum.Records != 1 {
		t.Fatalf("summary counts the void record: %+v %v", sum, err)
	}
	entries, _, err := st.ListAudit(ctx, w.Platform.Principal, mercato.AuditFilter{}, store.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, e := range entries {
		audited = audited || (e.Action == "usage.void" && e.EntityID == bad.ID)
	}
	if !audited {
		t.Fatal("the void is not audited")
	}
	// The billing run after the first period prices the 10 calls only;
	// then the good record is charged and stands.
	later := start.AddDate(0, 1, 5)
	st.Now = func() time.Time { return later }
	if _, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(later)}); err != nil {
		t.Fatal(err)
	}
	var amount string
	if err := st.DB().QueryRow(`SELECT amount FROM charges WHERE subscription_id = $1 AND kind = 'usage' AND ref = 'api_calls'`, sub).Scan(&amount); err != nil {
		t.Fatalf("usage charge: %v", err)
	}
	if want := dec("0.01"); !dec(amount).Equal(want) { // 10 calls at 0.001
		t.Fatalf("usage charged %s, want %s (the void record counted)", amount, want)
	}
	before = storetest.Counts(t, st)
	if _, err := svc.VoidUsage(ctx, w.VendorA.Principal, sub, good.ID, "too late"); code(err) != mercato.ECONFLICT {
		t.Fatalf("void of a charged record: %v", err)
	}
	if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused void wrote: %v → %v", before, after)
	}
}

// testUsageSeries: each bucket folds its records with the metric's
// aggregation (a void one counts nowhere); every metric of the plan has a
// series; the request is validated field by field; only who sees the
// subscription reads it.
func testUsageSeries(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	svc, v := service(st), w.VendorA.Principal
	for _, r := range []struct{ metric, qty, at string }{
		{"api_calls", "2", "2026-01-30T08:00:00Z"},
		{"api_calls", "3.5", "2026-01-30T23:59:59Z"},
		{"api_calls", "10", "2026-02-01T00:00:00Z"},
		{"storage_gb", "4", "2026-01-31T10:00:00Z"},
		{"storage_gb", "1", "2026-01-31T11:00:00Z"},
		{"storage_gb", "6", "2026-02-02T00:00:00Z"},
		{"api_calls", "99", "2025-12-31T23:59:59Z"}, // before the series
	} {
		push(t, st, v, sub, usage.Report{Metric: r.metric, Quantity: dec(r.qty), OccurredAt: at(r.at)})
	}
	void := push(t, st, v, sub, usage.Report{Metric: "api_calls", Quantity: dec("1000"), OccurredAt: at("2026-01-31T00:00:00Z")})
	if _, err := svc.VoidUsage(ctx, v, sub, void.ID, "a test"); err != nil {
		t.Fatal(err)
	}
	jan30, feb3 := *at("2026-01-30T00:00:00Z"), *at("2026-02-03T00:00:00Z")
	quantities := func(s usage.Series, metric string) string {
		for _, m := range s.Metrics {
			if m.Metric == metric {
				return fmt.Sprint(m.Quantities)
			}
		}
		return "no series"
	}
	for _, p := range []mercato.Principal{w.C1.Principal, w.R1.Principal, v, w.Platform.Principal} {
		days, err := svc.Series(ctx, p, sub, usage.SeriesRequest{From: jan30, To: feb3, Step: usage.ByDay})
		if err != nil || len(days.Starts) != 4 || !days.Starts[3].Equal(*at("2026-02-02T00:00:00Z")) || len(days.Metrics) != 5 {
			t.Fatalf("by day: %+v %v", days, err)
		}
		if got := quantities(days, "api_calls"); got != "[5.5 0 10 0]" {
			t.Errorf("api_calls by day: %s", got)
		}
		if got := quantities(days, "storage_gb"); got != "[0 4 0 6]" {
			t.Errorf("storage_gb (max) by day: %s", got)
		}
	}
	months, err := svc.Series(ctx, v, sub, usage.SeriesRequest{From: *at("2025-12-01T00:00:00Z"), To: *at("2026-03-01T00:00:00Z"), Step: usage.ByMonth})
	if err != nil || len(months.Starts) != 3 {
		t.Fatalf("by month: %+v %v", months, err)
	}
	if got := quantities(months, "api_calls"); got != "[99 5.5 10]" {
		t.Errorf("api_calls by month: %s", got)
	}
	if got := quantities(months, "storage_gb"); got != "[0 4 6]" {
		t.Errorf("storage_gb by month: %s", got)
	}
	if _, err := svc.Series(ctx, w.VendorB.Principal, sub, usage.SeriesRequest{From: jan30, To: feb3, Step: usage.ByDay}); code(err) != mercato.ENOTFOUND {
		t.Errorf("another vendor: %v", err)
	}
	for _, c := range []struct {
		r    usage.SeriesRequest
		path string
	}{
		{usage.SeriesRequest{From: jan30, To: feb3, Step: "week"}, "step"},
		{usage.SeriesRequest{From: jan30.Add(time.Hour), To: feb3, Step: usage.ByDay}, "from"},
		{usage.SeriesRequest{From: jan30, To: feb3, Step: usage.ByMonth}, "from"},
		{usage.SeriesRequest{From: jan30, Step: usage.ByDay}, "to"},
		{usage.SeriesRequest{From: feb3, To: jan30, Step: usage.ByDay}, "to"},
		{usage.SeriesRequest{From: jan30, To: jan30.AddDate(2, 0, 0), Step: usage.ByDay}, "to"},
	} {
		_, err := svc.Series(ctx, v, sub, c.r)
		if f := mercato.Fields(err); code(err) != mercato.EINVALID || len(f) != 1 || f[0].Path != c.path {
			t.Errorf("%+v: %v, want invalid %s", c.r, err, c.path)
		}
	}
}
