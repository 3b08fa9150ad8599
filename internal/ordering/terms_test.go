package ordering_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

func init() {
	cases = append(cases, storetest.Case[*testing.T]{Name: "publisher terms accepted at checkout", Run: testPublisherTerms})
}

// testPublisherTerms: an Azure Marketplace VM offer is sold only to a buyer
// who accepts its publisher's terms (refused naming accept_terms, nothing
// written), and the acceptance is recorded with the order: who, for which
// organization, when (the store's clock) and which terms.
func testPublisherTerms(t *testing.T, st *store.Store, w *storetest.World) {
	at := time.Date(2026, time.March, 3, 14, 5, 0, 0, time.UTC)
	st.Now = func() time.Time { return at }
	meta := map[string]string{"azure.publisher": "bitnami", "azure.offer": "wordpress-vm", "azure.plan": "standard_4",
		catalog.MetaTermsLicense:     "https://legal.bitnami.example/wordpress/eula",
		catalog.MetaTermsPrivacy:     "https://bitnami.example/privacy",
		catalog.MetaTermsMarketplace: "https://marketplace.example/terms/virtualmachine",
		catalog.MetaTermsSummary:     "WordPress packaged by Bitnami; the image is licensed per VM."}
	bad := map[string]string{catalog.MetaTermsLicense: "http://legal.bitnami.example/eula"}
	_, err := storetest.Listing(st).CreateProduct(ctx, w.VendorA.Principal, catalog.Product{Name: "Insecure terms", Type: catalog.TypeSaaS, Metadata: bad})
	if !slices.ContainsFunc(mercato.Fields(err), func(f mercato.FieldError) bool { return f.Path == "metadata."+catalog.MetaTermsLicense }) {
		t.Fatalf("an http terms link: %v", err)
	}
	prod, err := storetest.Listing(st).CreateProduct(ctx, w.VendorA.Principal, catalog.Product{Name: "WordPress VM", Type: catalog.TypeAzureMarketplaceVM,
		Published: true, Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	plan := storetest.Plan(t, st, w.VendorA.Principal, prod.ID, "Monthly", `{"currency":"EUR","period":"P1M","model":"flat","amount":"40.00"}`)
	terms, _ := prod.Terms()

	for _, by := range []storetest.Tenant{w.C1, w.R1} {
		before := storetest.Counts(t, st)
		_, err := app.Ordering(st).PlaceOrder(ctx, by.Principal, subscription.OrderRequest{CustomerID: w.C1.Org.ID, PlanID: plan.ID, Quantity: 1})
		mustCode(t, err, mercato.EINVALID)
		if f := mercato.Fields(err); len(f) != 1 || f[0].Path != "accept_terms" {
			t.Fatalf("refusal by %s: %v", by.Org.Name, f)
		}
		if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("a refused order wrote rows: %v -> %v", before, after)
		}
	}

	o, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: plan.ID, Quantity: 1, AcceptTerms: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := app.Ordering(st).TermsAcceptance(ctx, w.C1.Principal, o.SubscriptionID)
	if err != nil || got == nil {
		t.Fatalf("acceptance: %v %v", got, err)
	}
	want := catalog.TermsAcceptance{OrderID: o.ID, SubscriptionID: o.SubscriptionID, UserID: w.C1.User.ID, OrganizationID: w.C1.Org.ID,
		AcceptedAt: at, Terms: terms, Version: terms.Version()}
	if *got != want {
		t.Fatalf("acceptance\n%+v, want\n%+v", *got, want)
	}
	// The vendor and the platform see it; another customer does not.
	for _, p := range []mercato.Principal{w.VendorA.Principal, w.Platform.Principal} {
		if a, err := app.Ordering(st).TermsAcceptance(ctx, p, o.SubscriptionID); err != nil || a == nil || *a != want {
			t.Errorf("seen by %d: %v %v", p.OrgID, a, err)
		}
	}
	if a, err := app.Ordering(st).TermsAcceptance(ctx, w.C1b.Principal, o.SubscriptionID); err != nil || a != nil {
		t.Errorf("another customer reads the acceptance: %v %v", a, err)
	}
	// A product without terms: nothing to accept, nothing recorded.
	plain := order(t, st, w.C1.Principal, 0, w.PlanA.ID)
	if a, err := app.Ordering(st).TermsAcceptance(ctx, w.C1.Principal, plain.ID); err != nil || a != nil {
		t.Errorf("a product without terms: %v %v", a, err)
	}
	// Changed terms are another version.
	changed := terms
	changed.Summary += " Updated."
	if changed.Version() == terms.Version() {
		t.Error("changed terms kept their version")
	}
}
