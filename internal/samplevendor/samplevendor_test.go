package samplevendor_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/samplevendor"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSampleVendor drives a subscription through its whole life with the
// sample vendor answering the webhooks, on both engines.
func TestSampleVendor(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			wd := bench.NewVendorWorld(t, engine)
			id := wd.Order(t, "acme")
			waitUntil(t, "DEPLOYED", func() bool { return wd.Status(t, id) == "DEPLOYED" })
			if tn := wd.Vendor.Tenants()[id]; tn.Name != "acme" || !tn.Active {
				t.Fatalf("tenant %+v", tn)
			}
			var eps struct {
				Endpoints []struct{ Endpoint, Category string } `json:"endpoints"`
			}
			wd.Call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), wd.W.C1.Token, nil, &eps)
			if len(eps.Endpoints) == 0 || eps.Endpoints[0].Endpoint != "https://acme.crm.contoso.example/" || eps.Endpoints[0].Category != "APP" {
				t.Fatalf("endpoints %+v", eps)
			}
			var creds struct {
				Credentials []struct{ Key, Value string } `json:"credentials"`
			}
			wd.Call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/credentials", id), wd.W.C1.Token, nil, &creds)
			if len(creds.Credentials) != 1 || len(creds.Credentials[0].Value) != 24 {
				t.Fatalf("credentials %+v", creds)
			}

			wd.Call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/suspend", id), wd.W.R1.Token, nil, nil)
			waitUntil(t, "the tenant suspended", func() bool { return !wd.Vendor.Tenants()[id].Active })
			wd.Call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/resume", id), wd.W.R1.Token, nil, nil)
			waitUntil(t, "the tenant resumed", func() bool { return wd.Vendor.Tenants()[id].Active })
			wd.Call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/terminate", id), wd.W.C1.Token, nil, nil)
			waitUntil(t, "UNDEPLOYED", func() bool { return wd.Status(t, id) == "UNDEPLOYED" })
			if _, ok := wd.Vendor.Tenants()[id]; ok {
				t.Fatal("the tenant survived termination")
			}
			evs, _, _ := wd.St.ListEvents(context.Background(), wd.W.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: id}, store.Page{Limit: 200})
			if last := evs[len(evs)-1]; last.Type != "DELETED" {
				t.Fatalf("last event %s", last.Type)
			}
			// An unpaid order is not provisioned until it is paid.
			var o struct {
				SubscriptionID int64 `json:"subscription_id"`
			}
			wd.Call(t, "POST", "/api/v1/orders", wd.W.C1b.Token, map[string]any{"plan_id": wd.W.PlanA.ID, "quantity": 1}, &o)
			time.Sleep(100 * time.Millisecond)
			if _, ok := wd.Vendor.Tenants()[o.SubscriptionID]; ok {
				t.Fatal("an unpaid order was provisioned")
			}
			var unpaid struct {
				Status string `json:"deployment_status"`
			}
			wd.Call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d", o.SubscriptionID), wd.W.C1b.Token, nil, &unpaid)
			if unpaid.Status != "WAITING_PAYMENT" {
				t.Fatalf("unpaid order is %s", unpaid.Status)
			}
			wd.Call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/pay", o.SubscriptionID), wd.W.R1.Token, nil, nil)
			waitUntil(t, "the paid order deployed", func() bool { _, ok := wd.Vendor.Tenants()[o.SubscriptionID]; return ok })
		})
	}
}

// BenchmarkOrderToDeployed: see bench.OrderToDeployed (shared with
// `mercato bench`).
func BenchmarkOrderToDeployed(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.OrderToDeployed(engine)))
	}
}

// TestTerminationStyles ends a subscription with each kind of vendor, on
// both engines: one that deprovisions on UNDEPLOY_SENT and reports
// UNDEPLOYED, and one written as Cloudesire's templates are, that ignores
// UNDEPLOY_SENT and deprovisions on DELETED, answering 2xx and reporting
// nothing. Both must end UNDEPLOYED with no manual step, and DELETED must
// be the last event either way.
func TestTerminationStyles(t *testing.T) {
	for _, engine := range storetest.Engines {
		for _, onDeleted := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/on_deleted=%v", engine, onDeleted), func(t *testing.T) {
				wd := bench.NewVendorWorld(t, engine, func(v *samplevendor.Vendor) { v.OnDeleted = onDeleted })
				id := wd.Order(t, "acme")
				waitUntil(t, "DEPLOYED", func() bool { return wd.Status(t, id) == "DEPLOYED" })
				wd.Call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/terminate", id), wd.W.C1.Token, nil, nil)
				waitUntil(t, "UNDEPLOYED", func() bool { return wd.Status(t, id) == "UNDEPLOYED" })
				if _, ok := wd.Vendor.Tenants()[id]; ok {
					t.Fatal("the tenant survived termination")
				}
				evs, _, err := wd.St.ListEvents(context.Background(), wd.W.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: id}, mercato.Page{Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				var types []string
				for _, e := range evs {
					types = append(types, e.Type)
				}
				n := len(types)
				if n < 3 || types[n-2] != "MODIFIED" || types[n-1] != "DELETED" || slices.Index(types, "DELETED") != n-1 {
					t.Fatalf("events %v: want ... MODIFIED (UNDEPLOY_SENT), DELETED last and once", types)
				}
				// Who ended it: the vendor's report, or the platform on the
				// vendor's 2xx to DELETED.
				entries, _, err := wd.St.ListAudit(context.Background(), wd.W.Platform.Principal, mercato.AuditFilter{Entity: "subscription", EntityID: id}, mercato.Page{Limit: 200})
				if err != nil {
					t.Fatal(err)
				}
				want := "subscription.confirm_undeploy"
				if onDeleted {
					want = "subscription.acknowledged_deleted"
				}
				if last := entries[len(entries)-1]; last.Action != want {
					t.Fatalf("last audit entry %q, want %q", last.Action, want)
				}
			})
		}
	}
}
