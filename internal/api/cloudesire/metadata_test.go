package cloudesire_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestJavaClientMetadataAndDelete replays SubscriptionApi.updateMetadata
// (PUT of a Map<String, Object>), getMetadata (read as a Map<String,
// Object>) and delete (DELETE, read as Void).
func TestJavaClientMetadataAndDelete(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 1)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		t.Run("metadata", func(t *testing.T) {
			java.t = t
			java.send(http.MethodPut, path+"/metadata", "", `{"tenant":"acme-42","seats":3,"trial":true,"gone":null}`).must(t, http.StatusOK)
			var m map[string]any
			java.send(http.MethodGet, path+"/metadata", "", "").must(t, http.StatusOK).decode(t, &m)
			if len(m) != 3 || m["tenant"] != "acme-42" || m["seats"] != "3" || m["trial"] != "true" {
				t.Fatalf("metadata: %v", m)
			}
			// Only the provider and the platform write it; its customer reads it.
			customer := javaClient{t: t, base: e.base, token: w.C1.Token}
			customer.send(http.MethodPut, path+"/metadata", "", `{"x":"y"}`).errorHolders(t, http.StatusForbidden)
			customer.send(http.MethodGet, path+"/metadata", "", "").must(t, http.StatusOK)
			javaClient{t: t, base: e.base, token: w.VendorB.Token}.send(http.MethodGet, path+"/metadata", "", "").errorHolders(t, http.StatusNotFound)
			java.send(http.MethodPut, path+"/metadata", "", `{"bad key!":"x"}`).errorHolders(t, http.StatusBadRequest)
			java.send(http.MethodPut, path+"/metadata", "", `["not","a","map"]`).errorHolders(t, http.StatusBadRequest)
		})
		t.Run("DELETE terminates", func(t *testing.T) {
			java.t = t
			// The provider may not end its customer's subscription.
			java.send(http.MethodDelete, path, "", "").errorHolders(t, http.StatusForbidden)
			customer := javaClient{t: t, base: e.base, token: w.C1.Token}
			a := customer.send(http.MethodDelete, path, "", "").must(t, http.StatusNoContent)
			if len(a.raw) != 0 {
				t.Fatalf("DELETE answered a body: %s", a.raw)
			}
			var s struct {
				Status string `json:"deploymentStatus"`
			}
			java.get(path, "", "SubscriptionDetailDTO").decode(t, &s)
			if s.Status == string(subscription.Pending) {
				t.Fatalf("still %s after DELETE", s.Status)
			}
		})
	})
}

// TestChangelog reads GET subscription/{id}/changelog as a list of the
// subscription's events, in order, for whoever sees it.
func TestChangelog(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 1)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		java.send(http.MethodPatch, path, "", patchBody("DEPLOYED")).must(t, http.StatusOK)
		var log []struct {
			ID        int64             `json:"id"`
			Type      string            `json:"type"`
			EntityURL string            `json:"entityUrl"`
			Metadata  map[string]string `json:"metadata"`
		}
		java.send(http.MethodGet, path+"/changelog", "", "").must(t, http.StatusOK).decode(t, &log)
		if len(log) < 2 || log[0].Type != "CREATED" || log[len(log)-1].Type != "MODIFIED" || log[0].EntityURL != path || log[0].ID >= log[1].ID {
			t.Fatalf("changelog: %+v", log)
		}
		javaClient{t: t, base: e.base, token: w.C1.Token}.send(http.MethodGet, path+"/changelog", "", "").must(t, http.StatusOK)
		javaClient{t: t, base: e.base, token: w.VendorB.Token}.send(http.MethodGet, path+"/changelog", "", "").errorHolders(t, http.StatusNotFound)
	})
}
