package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The fees and dunning page: the operator sets a fee rule by product type
// and removes it; a bad rule or bad dunning settings come back with the
// error beside the field and nothing written; saved dunning settings are
// shown; nobody but the operator opens the page.
func TestFeesPage(t *testing.T) {
	h := newHarness(t)
	op := h.signIn(admin)
	page := op.get("/admin/fees")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `id="fee-rule-list"`) || !strings.Contains(page.Body, `<td class="num">20%</td>`) ||
		!strings.Contains(page.Body, `value="1, 3, 5, 7"`) {
		t.Fatalf("fees page: %d\n%s", page.StatusCode, page.Body)
	}
	before := fmt.Sprint(storetest.Counts(t, h.st))
	for _, who := range []string{customer, vendor, reseller} {
		c := h.signIn(who)
		before = fmt.Sprint(storetest.Counts(t, h.st)) // signing in writes a session
		if res := c.get("/admin/fees"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s reads the fees page: %d", who, res.StatusCode)
		}
		c.post("/admin/fees/rules", url.Values{"percent": {"0"}})
		c.post("/admin/fees/rules/delete", url.Values{"vendor_id": {"0"}, "product_type": {""}})
		c.post("/admin/fees/dunning", url.Values{"payment_retry_days": {"1"}, "suspend_days": {"1"}})
		if after := fmt.Sprint(storetest.Counts(t, h.st)); after != before {
			t.Fatalf("%s's refused forms wrote rows: %s -> %s", who, before, after)
		}
	}
	for _, c := range []struct {
		path string
		form url.Values
		err  string
	}{
		{"/admin/fees/rules", url.Values{"percent": {"101"}, "product_type": {"saas"}}, `id="fee-percent-err"`},
		{"/admin/fees/rules", url.Values{"percent": {"five"}}, `id="fee-percent-err"`},
		{"/admin/fees/rules", url.Values{"percent": {"5"}, "product_type": {"cloud"}}, `id="fee-type-err"`},
		{"/admin/fees/rules", url.Values{"percent": {"5"}, "vendor_id": {fmt.Sprint(h.admin.OrgID)}}, `id="fee-vendor-err"`},
		{"/admin/fees/dunning", url.Values{"payment_retry_days": {"3, 1"}, "suspend_days": {"21"}}, `id="payment_retry_days-err"`},
		{"/admin/fees/dunning", url.Values{"payment_retry_days": {"1, x"}, "suspend_days": {"21"}}, `id="payment_retry_days-err"`},
		{"/admin/fees/dunning", url.Values{"payment_retry_days": {"1"}, "suspend_days": {"400"}}, `id="suspend_days-err"`},
		{"/admin/fees/dunning", url.Values{"payment_retry_days": {"1"}, "suspend_days": {"21"}, "renewal_reminder_days": {"91"}}, `id="renewal_reminder_days-err"`},
		{"/admin/fees/dunning", url.Values{"payment_retry_days": {"1"}, "suspend_days": {"21"}, "trial_reminder_days": {"soon"}}, `id="trial_reminder_days-err"`},
	} {
		res := op.post(c.path, c.form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, c.err) || !strings.Contains(res.Body, `aria-invalid="true"`) {
			t.Fatalf("%s %v: %d, want 422 with %s\n%s", c.path, c.form, res.StatusCode, c.err, res.Body)
		}
	}
	if after := fmt.Sprint(storetest.Counts(t, h.st)); after != before {
		t.Fatalf("refused forms wrote rows: %s -> %s", before, after)
	}
	if res := op.post("/admin/fees/rules", url.Values{"percent": {"5"}, "product_type": {"azure_plan"}, "vendor_id": {"0"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set rule: %d\n%s", res.StatusCode, res.Body)
	}
	if res := op.get("/admin/fees"); !strings.Contains(res.Body, `title="azure_plan"`) || !strings.Contains(res.Body, `<td class="num">5%</td>`) {
		t.Fatalf("the Azure rule is not listed:\n%s", res.Body)
	}
	if res := op.post("/admin/fees/rules/delete", url.Values{"vendor_id": {"0"}, "product_type": {"azure_plan"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete rule: %d", res.StatusCode)
	}
	if res := op.get("/admin/fees"); strings.Contains(res.Body, `<td class="num">5%</td>`) {
		t.Fatalf("the Azure rule is still listed:\n%s", res.Body)
	}
	if res := op.post("/admin/fees/dunning", url.Values{"payment_retry_days": {"2,4, 8"}, "suspend_days": {"10"}, "renewal_reminder_days": {"14"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save dunning: %d\n%s", res.StatusCode, res.Body)
	}
	if res := op.get("/admin/fees"); !strings.Contains(res.Body, `value="2, 4, 8"`) || !strings.Contains(res.Body, `id="suspend_days" name="suspend_days" type="number" min="0" max="365" value="10"`) {
		t.Fatalf("saved dunning settings not shown:\n%s", res.Body)
	}
	if res := op.get("/admin/fees"); !strings.Contains(res.Body, `id="renewal_reminder_days" name="renewal_reminder_days" type="number" min="0" max="90" value="14"`) ||
		!strings.Contains(res.Body, `id="trial_reminder_days" name="trial_reminder_days" type="number" min="0" max="90" value=""`) {
		t.Fatalf("saved reminder days not shown (the trial's left to the server):\n%s", res.Body)
	}
}
