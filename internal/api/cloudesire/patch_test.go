package cloudesire_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

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
