package cloudesire_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// actionBody is SubscriptionPatchDTO as Jackson writes it with an action
// and a product version.
func actionBody(action, productVersion string) string {
	pv := "null"
	if productVersion != "" {
		pv = `{"url":"` + productVersion + `"}`
	}
	return strings.NewReplacer(`"deploymentStatus":"X"`, `"deploymentStatus":null`, `"action":null`, `"action":"`+action+`"`,
		`"productVersion":null`, `"productVersion":`+pv).Replace(patchBody("X"))
}

// TestSyndicatedUpgrade replays PATCH subscription/{id} with the action
// SYNDICATED_UPGRADE to another plan of the product, as the customer
// sends it, and the refusals around it.
func TestSyndicatedUpgrade(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		// From the graduated plan (5.00 a seat) to the per-seat one (10.00):
		// an upgrade, which takes effect at once (a cheaper plan would be
		// a downgrade, scheduled for the period's end).
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanTiered.ID, 1)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		vendor := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		vendor.send(http.MethodPatch, path, "", patchBody("DEPLOYED")).must(t, http.StatusOK)
		customer := javaClient{t: t, base: e.base, token: w.C1.Token}
		target := "productVersion/" + strconv.FormatInt(w.PlanA.ID, 10)

		vendor.send(http.MethodPatch, path, "", actionBody("SYNDICATED_UPGRADE", target)).errorHolders(t, http.StatusForbidden)
		for _, bad := range []string{actionBody("SET_NAME", ""), actionBody("SYNDICATED_UPGRADE", ""), actionBody("SYNDICATED_UPGRADE", "product/1"),
			actionBody("SYNDICATED_UPGRADE", "productVersion/"+strconv.FormatInt(w.PlanB.ID, 10))} {
			customer.send(http.MethodPatch, path, "", bad).errorHolders(t, http.StatusBadRequest)
		}
		a := customer.send(http.MethodPatch, path, "", actionBody("SYNDICATED_UPGRADE", target)).must(t, http.StatusOK)
		a.decodesAs(t, "SubscriptionDetailDTO")
		var s struct {
			ProductVersion ref `json:"productVersion"`
		}
		vendor.get(path, "", "SubscriptionDetailDTO").decode(t, &s)
		if s.ProductVersion.URL != target {
			t.Fatalf("after the upgrade: %+v", s)
		}
	})
}

// nameBody is SubscriptionPatchDTO as Jackson writes it for SET_NAME.
func nameBody(name string) string {
	b, _ := json.Marshal(name)
	return strings.NewReplacer(`"deploymentStatus":"X"`, `"deploymentStatus":null`, `"action":null`, `"action":"SET_NAME"`,
		`"name":null`, `"name":`+string(b)).Replace(patchBody("X"))
}

// TestSetName replays PATCH subscription/{id} with the action SET_NAME:
// the name shows as the subscription's, a new one is a MODIFIED event, the
// same one again none, and who may name it.
func TestSetName(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 1)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		vendor := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		customer := javaClient{t: t, base: e.base, token: w.C1.Token}
		var s struct {
			Name string `json:"name"`
		}
		vendor.get(path, "", "SubscriptionDetailDTO").decode(t, &s)
		if s.Name == "" {
			t.Fatal("no name before SET_NAME")
		}
		_, before := lastEvent(t, e, sub.ID)
		vendor.send(http.MethodPatch, path, "", nameBody("Acme – produzione")).must(t, http.StatusOK).decodesAs(t, "SubscriptionDetailDTO")
		vendor.get(path, "", "SubscriptionDetailDTO").decode(t, &s)
		if s.Name != "Acme – produzione" {
			t.Fatalf("name %q", s.Name)
		}
		typ, n := lastEvent(t, e, sub.ID)
		if typ != "MODIFIED" || n != before+1 {
			t.Fatalf("after SET_NAME: last event %s, %d events (before %d)", typ, n, before)
		}
		vendor.send(http.MethodPatch, path, "", nameBody("Acme – produzione")).must(t, http.StatusOK)
		if _, again := lastEvent(t, e, sub.ID); again != n {
			t.Fatalf("the same name again recorded an event: %d → %d", n, again)
		}
		customer.send(http.MethodPatch, path, "", nameBody("Ours")).must(t, http.StatusOK)
		storetest.Unchanged(t, e.st, func() {
			if keys := customer.send(http.MethodPatch, path, "", nameBody(strings.Repeat("x", 256))).errorHolders(t, http.StatusBadRequest); keys[0] != "name" {
				t.Fatalf("too long: %v", keys)
			}
			if keys := customer.send(http.MethodPatch, path, "", nameBody("a\x00b")).errorHolders(t, http.StatusBadRequest); keys[0] != "name" {
				t.Fatalf("control character: %v", keys)
			}
			javaClient{t: t, base: e.base, token: w.VendorB.Token}.send(http.MethodPatch, path, "", nameBody("Theirs")).errorHolders(t, http.StatusNotFound)
			javaClient{t: t, base: e.base, token: w.C2.Token}.send(http.MethodPatch, path, "", nameBody("Theirs")).errorHolders(t, http.StatusNotFound)
		})
		if _, err := app.Lifecycle(e.st).SetName(ctx, storetest.Viewer(w.C1.Principal), sub.ID, "x"); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("a viewer named it: %v", err)
		}
	})
}

// TestRenewTrial replays the documented trial-to-paid upgrade: the vendor
// PATCHes {"action": "renew"} on a DEPLOYED trial and gets 204; the
// subscription is then NORMAL (charged as any trial converted to paid),
// with a MODIFIED event. Renewing
// a paid subscription by hand is the platform's (the vendor gets 403); a
// trial not yet deployed is refused.
func TestRenewTrial(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		plan := storetest.Plan(t, e.st, w.VendorA.Principal, w.ProductA.ID, "Trial", `{"currency":"EUR","period":"P1M","model":"flat","amount":"30.00","trial_days":14}`)
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, plan.ID, 1)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		vendor := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		renew := `{"action": "renew"}`
		storetest.Unchanged(t, e.st, func() {
			vendor.send(http.MethodPatch, path, "", renew).errorHolders(t, http.StatusBadRequest) // not DEPLOYED yet
			javaClient{t: t, base: e.base, token: w.VendorB.Token}.send(http.MethodPatch, path, "", renew).errorHolders(t, http.StatusNotFound)
		})
		vendor.send(http.MethodPatch, path, "", patchBody("DEPLOYED")).must(t, http.StatusOK)
		if a := vendor.send(http.MethodPatch, path, "", renew).must(t, http.StatusNoContent); len(a.raw) != 0 {
			t.Fatalf("204 with a body: %s", a.raw)
		}
		var s struct {
			Type string `json:"type"`
		}
		vendor.get(path, "", "SubscriptionDetailDTO").decode(t, &s)
		if s.Type != "NORMAL" {
			t.Fatalf("after renew: type %s", s.Type)
		}
		if typ, _ := lastEvent(t, e, sub.ID); typ != "MODIFIED" {
			t.Fatalf("last event %s", typ)
		}
		// Now paid: a renewal by hand is the platform's.
		vendor.send(http.MethodPatch, path, "", actionBody("RENEW", "")).errorHolders(t, http.StatusForbidden)
	})
}
