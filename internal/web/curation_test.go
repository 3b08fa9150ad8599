package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCurationPage: the distributor's Catalog page of its reseller
// restricts the reseller to one product; the reseller's customer's catalog
// then lists only it, an order of another product is refused beside its
// field; a product no longer for sale is refused in place, with nothing
// changed; the reseller itself and another customer may not open the page.
func TestCurationPage(t *testing.T) {
	h := newHarness(t)
	page := "/channel/organizations/" + itoa(mustOrg(t, h, "Fabrikam Reseller")) + "/catalog"
	d := h.signIn(distributor)
	if res := d.get("/channel/organizations"); !strings.Contains(res.Body, `href="`+page+`"`) {
		t.Fatalf("the resellers page links to no catalog %s", page)
	}
	if res := d.get(page); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `name="scope" value="all" checked`) || !strings.Contains(res.Body, `id="plan-1"`) {
		t.Fatalf("catalog page: %d %s", res.StatusCode, res.Body)
	}
	// A product that is no longer for sale: refused in place, nothing set.
	res := d.post(page, url.Values{"scope": {"only"}, "product": {"6", "999"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `class="err" role="alert"`) || !strings.Contains(res.Body, `id="product-6" name="product" value="6" checked`) {
		t.Fatalf("refused catalog: %d %s", res.StatusCode, res.Body)
	}
	c := h.signIn(customer)
	if res := c.get("/catalog"); !strings.Contains(res.Body, "Contoso CRM") {
		t.Fatal("the refusal restricted the catalog")
	}
	if res := d.post(page, url.Values{"scope": {"only"}, "product": {"6"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, res.Body)
	}
	if res := d.get(page); !strings.Contains(res.Body, `name="scope" value="only" checked`) || !strings.Contains(res.Body, `id="product-6" name="product" value="6" checked`) {
		t.Fatalf("saved catalog: %s", res.Body)
	}
	body := c.get("/catalog").Body
	if strings.Contains(body, "Contoso CRM") || !strings.Contains(body, "Cloud onboarding workshop") {
		t.Fatalf("the customer's catalog after the curation: %s", body)
	}
	if res := c.get("/catalog?q=contoso"); strings.Contains(res.Body, "Contoso CRM") {
		t.Fatal("the customer finds Contoso CRM")
	}
	if res := c.post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {"1"}, "nonce": {"n-cur"}, "cfg.company_subdomain": {"adatum-cur"}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "is not in the reseller&#39;s catalog") {
		t.Fatalf("order outside the catalog: %d", res.StatusCode)
	}
	for _, who := range []string{reseller, customer} {
		if res := h.signIn(who).get(page); res.StatusCode != http.StatusForbidden {
			t.Fatalf("%s opens the catalog page: %d", who, res.StatusCode)
		}
	}
	// The distributor reads its reseller's earnings; the reseller not its
	// distributor's.
	fabrikam, northwind := itoa(mustOrg(t, h, "Fabrikam Reseller")), itoa(mustOrg(t, h, "Northwind Distribution"))
	if res := d.get("/earnings.csv?organization_id=" + fabrikam); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("the reseller's earnings as its distributor: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res := d.get("/channel/organizations"); !strings.Contains(res.Body, `href="/earnings.csv?organization_id=`+fabrikam+`"`) {
		t.Fatal("the resellers page links to no earnings of the reseller")
	}
	if res := h.signIn(reseller).get("/earnings.csv?organization_id=" + northwind); res.StatusCode != http.StatusNotFound {
		t.Fatalf("the distributor's earnings as its reseller: %d", res.StatusCode)
	}
	if res := d.post(page, url.Values{"scope": {"all"}, "product": {"6"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("everything again: %d", res.StatusCode)
	}
	if body := c.get("/catalog").Body; !strings.Contains(body, "Contoso CRM") {
		t.Fatal("Contoso CRM is not back")
	}
}

// TestCurationInBrowser: the distributor opens its reseller's Catalog
// from the resellers page, restricts it to the workshop and saves; the
// reseller's customer's catalog no longer shows Contoso CRM.
func TestCurationInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	h := newHarness(t)
	ctx := browser(t)
	base := h.srv.URL
	signInAs(t, ctx, base, distributor)
	var flash string
	run(t, ctx, "restrict Fabrikam to the workshop",
		chromedp.Navigate(base+"/channel/organizations"),
		chromedp.Click(chromedp.CSS(`main a[href^="/channel/organizations/"][href$="/catalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=scope][value=only]`)),
		chromedp.Click(chromedp.CSS(`input[name=scope][value=only]`)),
		chromedp.Click(chromedp.CSS(`#product-6`)),
		chromedp.Click(chromedp.CSS(`form.curation button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		into(&flash, chromedp.Text(chromedp.CSS(".flash"))))
	if !strings.Contains(flash, "The catalog is saved.") {
		t.Fatalf("flash %q", flash)
	}
	screenshot(t, ctx, "reseller-catalog")
	signOut(t, ctx)
	signInAs(t, ctx, base, customer)
	var catalogText string
	run(t, ctx, "the customer's catalog",
		chromedp.Navigate(base+"/catalog"),
		chromedp.WaitReady(chromedp.CSS("main")),
		into(&catalogText, chromedp.Text(chromedp.CSS("main"))))
	if strings.Contains(catalogText, "Contoso CRM") || !strings.Contains(catalogText, "Cloud onboarding workshop") {
		t.Fatalf("the customer's catalog: %s", catalogText)
	}
}
