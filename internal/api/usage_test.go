package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/usage"
)

// The victim's metered subscription with one usage record.
func init() {
	victimSetups = append(victimSetups, func(t *testing.T, e *env, v *victim) {
		_, sub := storetest.MeteredSubscription(t, e.st, e.w)
		rec, _, err := usage.New(e.st, store.TxFunc[usage.Tx](e.st)).RecordUsage(t.Context(), e.w.VendorA.Principal, sub, usage.Report{Metric: "api_calls", Quantity: dec("5"), IdempotencyKey: "victim"})
		if err != nil {
			t.Fatal(err)
		}
		v.ids["metered_sub"] = sub
		v.lists["usage"] = []int64{rec.ID}
	})
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		notFound := []int{http.StatusNotFound}
		base := fmt.Sprintf("/api/v1/subscriptions/%d/usage", v.ids["metered_sub"])
		return map[string]probe{
			// The victim's own idempotency id too: a replay must not leak the record.
			"create-usage":      {method: "POST", path: base, body: map[string]any{"metric": "api_calls", "quantity": "5", "idempotency_id": "victim"}, wantStatus: notFound},
			"list-usage":        {method: "GET", path: base, wantStatus: notFound},
			"void-usage":        {method: "POST", path: fmt.Sprintf("%s/%d/void", base, v.lists["usage"][0]), body: map[string]any{"reason": "x"}, wantStatus: notFound},
			"get-usage-summary": {method: "GET", path: base + "/summary?metric=api_calls", wantStatus: notFound},
		}
	})
}

// TestUsageAPI: the vendor pushes usage, a repeat is answered with the
// first record, everyone who sees the subscription reads and aggregates it.
func TestUsageAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		_, sub := storetest.MeteredSubscription(t, e.st, w)
		base := fmt.Sprintf("/api/v1/subscriptions/%d/usage", sub)
		vendor := w.VendorA.Token

		r := e.call("POST", base, vendor, map[string]any{"metric": "api_calls", "quantity": "12.5", "occurred_at": "2026-01-10T08:00:00Z", "idempotency_id": "a1"}).must(t, http.StatusCreated)
		if r.str("quantity") != "12.5" || r.str("source") != "push" || r.str("idempotency_id") != "a1" {
			t.Fatalf("created: %s", r.raw)
		}
		if p, _ := r.body["period"].(map[string]any); p["start"] != "2026-01-10T08:00:00Z" || p["end"] != "2026-01-10T08:00:00Z" {
			t.Fatalf("period: %s", r.raw)
		}
		first := r.id()
		// The same report again: 200 with the first record.
		again := e.call("POST", base, vendor, map[string]any{"metric": "api_calls", "quantity": "12.50", "occurred_at": "2026-01-10T08:00:00Z", "idempotency_id": "a1"}).must(t, http.StatusOK)
		if again.id() != first {
			t.Fatalf("replay: %s", again.raw)
		}
		// Same id, another report: 422.
		e.call("POST", base, vendor, map[string]any{"metric": "api_calls", "quantity": "13", "occurred_at": "2026-01-10T08:00:00Z", "idempotency_id": "a1"}).must(t, http.StatusUnprocessableEntity).isProblem(t)

		// The Idempotency-Key header works as the body field.
		withKey := func(key string, body map[string]any) response {
			req := body
			return e.callHeader("POST", base, vendor, req, map[string]string{"Idempotency-Key": key})
		}
		p1 := withKey("h1", map[string]any{"metric": "storage_gb", "quantity": "3.25", "period": map[string]any{"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}}).must(t, http.StatusCreated)
		withKey("h1", map[string]any{"metric": "storage_gb", "quantity": "3.25", "period": map[string]any{"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}}).must(t, http.StatusOK)
		withKey("h1", map[string]any{"metric": "storage_gb", "quantity": "3.25", "idempotency_id": "other"}).must(t, http.StatusUnprocessableEntity).isProblem(t)
		if p1.str("idempotency_id") != "h1" {
			t.Fatalf("header key: %s", p1.raw)
		}
		e.call("POST", base, vendor, map[string]any{"metric": "storage_gb", "quantity": "1.5", "occurred_at": "2026-01-05T00:00:00Z"}).must(t, http.StatusCreated)

		// Refusals.
		for name, c := range map[string]struct {
			token  string
			body   map[string]any
			status int
		}{
			"unknown metric":    {vendor, map[string]any{"metric": "bandwidth", "quantity": "1"}, http.StatusUnprocessableEntity},
			"negative":          {vendor, map[string]any{"metric": "api_calls", "quantity": "-1"}, http.StatusUnprocessableEntity},
			"number":            {vendor, map[string]any{"metric": "api_calls", "quantity": 1}, http.StatusUnprocessableEntity},
			"unique without id": {vendor, map[string]any{"metric": "devices", "quantity": "1"}, http.StatusUnprocessableEntity},
			"both times":        {vendor, map[string]any{"metric": "api_calls", "quantity": "1", "occurred_at": "2026-01-05T00:00:00Z", "period": map[string]any{"start": "2026-01-01T00:00:00Z", "end": "2026-01-02T00:00:00Z"}}, http.StatusUnprocessableEntity},
			"customer":          {w.C1.Token, map[string]any{"metric": "api_calls", "quantity": "1"}, http.StatusForbidden},
			"reseller":          {w.R1.Token, map[string]any{"metric": "api_calls", "quantity": "1"}, http.StatusForbidden},
			"foreign vendor":    {w.VendorB.Token, map[string]any{"metric": "api_calls", "quantity": "1"}, http.StatusNotFound},
		} {
			r := e.call("POST", base, c.token, c.body)
			if r.status != c.status {
				t.Errorf("%s: %d, want %d: %s", name, r.status, c.status, r.raw)
				continue
			}
			r.isProblem(t)
		}

		for _, tok := range []string{w.C1.Token, w.R1.Token, w.D1.Token, vendor, w.Platform.Token} {
			l := e.call("GET", base+"?limit=200", tok, nil).must(t, http.StatusOK)
			if ids := l.itemIDs("id"); len(ids) != 3 || ids[0] != first {
				t.Fatalf("list: %s", l.raw)
			}
			l = e.call("GET", base+"?metric=storage_gb&from=2026-01-03T00:00:00Z&to=2026-02-01T00:00:00Z", tok, nil).must(t, http.StatusOK)
			if len(l.itemIDs("id")) != 1 {
				t.Fatalf("filtered list: %s", l.raw)
			}
			s := e.call("GET", base+"/summary?metric=storage_gb&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", tok, nil).must(t, http.StatusOK)
			if s.str("quantity") != "3.25" || s.str("aggregation") != "max" || s.str("unit") != "GB" || s.body["records"] != float64(2) || s.str("from") != "2026-01-01T00:00:00Z" {
				t.Fatalf("summary: %s", s.raw)
			}
		}
		if l := e.call("GET", base+"?source=poll", w.C1.Token, nil).must(t, http.StatusOK); len(l.itemIDs("id")) != 0 {
			t.Fatalf("polled: %s", l.raw)
		}
		if l := e.call("GET", base+"?source=push&metric=api_calls", w.C1.Token, nil).must(t, http.StatusOK); len(l.itemIDs("id")) != 1 {
			t.Fatalf("pushed api_calls: %s", l.raw)
		}
		s := e.call("GET", base+"/summary?metric=api_calls", w.C1.Token, nil).must(t, http.StatusOK)
		if s.str("quantity") != "12.5" || s.body["from"] != nil {
			t.Fatalf("all-time summary: %s", s.raw)
		}
		e.call("GET", base+"/summary?metric=bandwidth", w.C1.Token, nil).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("GET", base+"/summary", w.C1.Token, nil).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("GET", base+"?from=yesterday", w.C1.Token, nil).must(t, http.StatusUnprocessableEntity).isProblem(t)
		for _, tok := range []string{w.C1b.Token, w.VendorB.Token, w.R2.Token} {
			e.call("GET", base, tok, nil).must(t, http.StatusNotFound).isProblem(t)
			e.call("GET", base+"/summary?metric=api_calls", tok, nil).must(t, http.StatusNotFound).isProblem(t)
		}
	})
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// callHeader is call with extra request headers.
func (e *env) callHeader(method, path, token string, body any, header map[string]string) response {
	e.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// TestUsageVoidAPI: the vendor voids a record with a reason (kept, shown
// void, out of the summary); a customer may not (403), no reason is 422
// naming reason, and nothing is written by a refusal.
func TestUsageVoidAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		_, sub := storetest.MeteredSubscription(t, e.st, w)
		base := fmt.Sprintf("/api/v1/subscriptions/%d/usage", sub)
		id := e.call("POST", base, w.VendorA.Token, map[string]any{"metric": "api_calls", "quantity": "12.5"}).must(t, http.StatusCreated).id()
		e.call("POST", base, w.VendorA.Token, map[string]any{"metric": "api_calls", "quantity": "2"}).must(t, http.StatusCreated)
		void := fmt.Sprintf("%s/%d/void", base, id)
		before := storetest.Counts(t, e.st)
		e.call("POST", void, w.C1.Token, map[string]any{"reason": "wrong"}).must(t, http.StatusForbidden).isProblem(t)
		r := e.call("POST", void, w.VendorA.Token, map[string]any{"reason": ""}).must(t, http.StatusUnprocessableEntity)
		if !bytes.Contains(r.raw, []byte("reason")) {
			t.Fatalf("no reason: %s", r.raw)
		}
		e.call("POST", fmt.Sprintf("%s/%d/void", base, id+100), w.VendorA.Token, map[string]any{"reason": "wrong"}).must(t, http.StatusNotFound).isProblem(t)
		if after := storetest.Counts(t, e.st); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("a refusal wrote: %v → %v", before, after)
		}
		v := e.call("POST", void, w.VendorA.Token, map[string]any{"reason": "sent twice"}).must(t, http.StatusOK)
		if v.str("void_reason") != "sent twice" || v.str("voided_at") == "" || v.body["voided_by"] != float64(w.VendorA.Org.ID) {
			t.Fatalf("voided: %s", v.raw)
		}
		s := e.call("GET", base+"/summary?metric=api_calls", w.C1.Token, nil).must(t, http.StatusOK)
		if s.str("quantity") != "2" || s.body["records"] != float64(1) {
			t.Fatalf("summary after void: %s", s.raw)
		}
		if l := e.call("GET", base, w.C1.Token, nil).must(t, http.StatusOK); len(l.itemIDs("id")) != 2 {
			t.Fatalf("the void record is not kept: %s", l.raw)
		}
	})
}
