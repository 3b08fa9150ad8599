package provisioning_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/secretbox"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

var ctx = context.Background()

// service is the provisioning service over st.
func service(st *store.Store) *provisioning.Service {
	return provisioning.New(st, store.TxFunc[provisioning.Tx](st))
}

// The store's transaction is the service's.
var _ provisioning.Tx = (*store.Tx)(nil)

func code(err error) string { return mercato.ErrorCode(err) }

func mustCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

var provisioningCases = []struct {
	name string
	run  func(t *testing.T, st *store.Store, w *storetest.World, sub int64)
}{
	{"endpoints: validation writes nothing", testEndpointValidation},
	{"endpoints: provider writes, everyone who sees reads", testEndpoints},
	{"instructions replace and need two-letter languages", testInstructions},
	{"credentials are sealed and revealed to the customer only", testCredentials},
	{"only the provider or the platform writes", testProvisioningWriters},
	{"ended subscriptions take no provisioning data", testProvisioningEnded},
	{"generated secret key survives a restart", testSecretKeyPersists},
	{"explicit secret key", testExplicitSecretKey},
	{"numbered pages and subscriber users", testNumberedPages},
	{"identical posts record no new event", testIdenticalPosts},
}

// TestProvisioning runs the provisioning cases on every engine, each on a
// fresh world with one paid PENDING subscription of product A for C1.
func TestProvisioning(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			for _, c := range provisioningCases {
				t.Run(c.name, func(t *testing.T) {
					st := storetest.Open(t, engine)
					w := storetest.NewWorld(t, st)
					o, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 3})
					if err != nil {
						t.Fatal(err)
					}
					c.run(t, st, w, o.SubscriptionID)
				})
			}
		})
	}
}

var appEndpoint = subscription.Endpoint{Endpoint: "https://app.example.org/login", Description: "Login page", Category: subscription.CategoryApp}

func modifiedEvents(t *testing.T, st *store.Store, w *storetest.World, sub int64) int {
	t.Helper()
	evs, _, err := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: sub}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Type == subscription.EventModified {
			n++
		}
	}
	return n
}

func testEndpointValidation(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	vendor := w.VendorA.Principal
	for name, eps := range map[string][]subscription.Endpoint{
		"none":            nil,
		"no APP":          {{Endpoint: "https://docs.example.org", Category: subscription.CategoryDocumentation}},
		"http":            {{Endpoint: "http://app.example.org", Category: subscription.CategoryApp}},
		"not a URL":       {{Endpoint: "app.example.org", Category: subscription.CategoryApp}},
		"javascript":      {{Endpoint: "javascript:alert(1)", Category: subscription.CategoryApp}},
		"too long":        {{Endpoint: "https://app.example.org/" + strings.Repeat("x", 2000), Category: subscription.CategoryApp}},
		"long descripton": {{Endpoint: "https://app.example.org", Description: strings.Repeat("d", 1025), Category: subscription.CategoryApp}},
		"bad category":    {{Endpoint: "https://app.example.org", Category: "WEBSITE"}},
		"NUL":             {{Endpoint: "https://app.example.org", Description: "a\x00b", Category: subscription.CategoryApp}},
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Unchanged(t, st, func() {
				_, err := service(st).SetEndpoints(ctx, vendor, sub, eps)
				mustCode(t, err, mercato.EINVALID)
			})
		})
	}
	// The limits themselves are fine.
	long := subscription.Endpoint{Endpoint: "https://app.example.org/" + strings.Repeat("x", 2000-len("https://app.example.org/")), Description: strings.Repeat("d", 1024), Category: subscription.CategoryApp}
	if _, err := service(st).SetEndpoints(ctx, vendor, sub, []subscription.Endpoint{long}); err != nil {
		t.Fatal(err)
	}
}

func testEndpoints(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	before := modifiedEvents(t, st, w, sub)
	docs := subscription.Endpoint{Endpoint: "https://docs.example.org/", Description: "Docs", Category: subscription.CategoryDocumentation}
	got, err := service(st).SetEndpoints(ctx, w.VendorA.Principal, sub, []subscription.Endpoint{appEndpoint, docs, {Endpoint: appEndpoint.Endpoint, Description: "Sign in", Category: subscription.CategoryApp}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Description != "Sign in" || got[1] != docs {
		t.Fatalf("endpoints = %+v", got)
	}
	if n := modifiedEvents(t, st, w, sub); n != before+1 {
		t.Fatalf("MODIFIED events %d -> %d, want one more", before, n)
	}
	// A second post replaces the first: a provider may retry.
	if _, err := service(st).SetEndpoints(ctx, w.VendorA.Principal, sub, []subscription.Endpoint{appEndpoint}); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]mercato.Principal{"customer": w.C1.Principal, "reseller": w.R1.Principal, "distributor": w.D1.Principal, "platform": w.Platform.Principal, "vendor": w.VendorA.Principal} {
		pr, err := service(st).Provisioning(ctx, p, sub)
		if err != nil || len(pr.Endpoints) != 1 || pr.Endpoints[0] != appEndpoint {
			t.Fatalf("%s reads %+v, %v", name, pr.Endpoints, err)
		}
	}
	for name, p := range map[string]mercato.Principal{"c1b": w.C1b.Principal, "c2": w.C2.Principal, "r2": w.R2.Principal, "vendorB": w.VendorB.Principal} {
		_, err := service(st).Provisioning(ctx, p, sub)
		mustCode(t, err, mercato.ENOTFOUND)
		_ = name
	}
}

func testInstructions(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	for _, bad := range []map[string]string{{"eng": "x"}, {"EN": "x"}, {"": "x"}, {"en": strings.Repeat("x", subscription.MaxInstructionsLength+1)}} {
		storetest.Unchanged(t, st, func() {
			_, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, bad)
			mustCode(t, err, mercato.EINVALID)
		})
	}
	if _, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, map[string]string{"en": "Welcome", "it": "Benvenuto"}); err != nil {
		t.Fatal(err)
	}
	if _, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, map[string]string{"en": "Welcome back"}); err != nil {
		t.Fatal(err)
	}
	pr, err := service(st).Provisioning(ctx, w.C1.Principal, sub)
	if err != nil || fmt.Sprint(pr.Instructions) != "map[en:Welcome back]" {
		t.Fatalf("instructions = %v, %v", pr.Instructions, err)
	}
}

func testCredentials(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	creds := []subscription.Credential{
		{Key: "password", Value: "jei9je9y", Description: map[string]string{"en": "Password", "it": "Parola chiave"}, Weight: 2},
		{Key: "username", Value: "user@ma.il", Description: map[string]string{"en": "Login"}, Weight: 1},
	}
	for _, bad := range [][]subscription.Credential{nil, {{Key: ""}}, {{Key: "a"}, {Key: "a"}}, {{Key: "a", Value: strings.Repeat("v", 4097)}}, {{Key: "a", Description: map[string]string{"english": "x"}}}} {
		storetest.Unchanged(t, st, func() {
			_, err := service(st).AddCredentials(ctx, w.VendorA.Principal, sub, bad)
			mustCode(t, err, mercato.EINVALID)
		})
	}
	got, err := service(st).AddCredentials(ctx, w.VendorA.Principal, sub, creds)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if c.Value != "" {
			t.Fatalf("the provider got a value back: %+v", c)
		}
	}
	// At rest: sealed, with the key's id, never the plain text.
	rows, err := st.DB().Query(`SELECT key_id, value_sealed FROM subscription_credentials`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var keyID, sealed string
		if err := rows.Scan(&keyID, &sealed); err != nil {
			t.Fatal(err)
		}
		if keyID == "" || strings.Contains(sealed, "jei9je9y") || strings.Contains(sealed, "user@ma.il") {
			t.Fatalf("stored %q %q", keyID, sealed)
		}
		n++
	}
	rows.Close()
	if n != 2 {
		t.Fatalf("%d credential rows", n)
	}
	for name, p := range map[string]mercato.Principal{"customer": w.C1.Principal, "platform": w.Platform.Principal} {
		cs, err := service(st).Credentials(ctx, p, sub)
		if err != nil || len(cs) != 2 || cs[0].Key != "username" || cs[0].Value != "user@ma.il" || cs[1].Value != "jei9je9y" || cs[1].Description["it"] != "Parola chiave" {
			t.Fatalf("%s reads %+v, %v", name, cs, err)
		}
	}
	for name, p := range map[string]mercato.Principal{"vendor": w.VendorA.Principal, "reseller": w.R1.Principal} {
		_, err := service(st).Credentials(ctx, p, sub)
		mustCode(t, err, mercato.EFORBIDDEN)
		pr, err := service(st).Provisioning(ctx, p, sub)
		if err != nil || len(pr.Credentials) != 2 || pr.Credentials[0].Value != "" || pr.Revealed {
			t.Fatalf("%s sees %+v, %v", name, pr.Credentials, err)
		}
	}
	// The same key again replaces the value.
	if _, err := service(st).AddCredentials(ctx, w.VendorA.Principal, sub, []subscription.Credential{{Key: "password", Value: "changed", Weight: 2}}); err != nil {
		t.Fatal(err)
	}
	cs, _ := service(st).Credentials(ctx, w.C1.Principal, sub)
	if len(cs) != 2 || cs[1].Value != "changed" {
		t.Fatalf("after replace: %+v", cs)
	}
	// A sealed value moved to another row does not open.
	if _, err := st.DB().Exec(`UPDATE subscription_credentials SET value_sealed = (SELECT value_sealed FROM subscription_credentials WHERE key = 'username') WHERE key = 'password'`); err != nil {
		t.Fatal(err)
	}
	if _, err := service(st).Credentials(ctx, w.C1.Principal, sub); mercato.ErrorCode(err) != mercato.EINTERNAL {
		t.Fatalf("a moved value opened: %v", err)
	}
}

func testProvisioningWriters(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	viewer, err := storetest.Accounts(st).CreateUser(ctx, w.VendorA.Principal, mercato.User{OrganizationID: w.VendorA.Org.ID, Email: "viewer@vendora.test", Role: mercato.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	vp := w.VendorA.Principal
	vp.UserID, vp.Role = viewer.ID, mercato.RoleViewer
	for name, c := range map[string]struct {
		p    mercato.Principal
		code string
	}{
		"customer":      {w.C1.Principal, mercato.EFORBIDDEN},
		"reseller":      {w.R1.Principal, mercato.EFORBIDDEN},
		"distributor":   {w.D1.Principal, mercato.EFORBIDDEN},
		"vendor viewer": {vp, mercato.EFORBIDDEN},
		"other vendor":  {w.VendorB.Principal, mercato.ENOTFOUND},
		"other channel": {w.C2.Principal, mercato.ENOTFOUND},
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Unchanged(t, st, func() {
				_, err := service(st).SetEndpoints(ctx, c.p, sub, []subscription.Endpoint{appEndpoint})
				mustCode(t, err, c.code)
				_, err = service(st).SetInstructions(ctx, c.p, sub, map[string]string{"en": "x"})
				mustCode(t, err, c.code)
				_, err = service(st).AddCredentials(ctx, c.p, sub, []subscription.Credential{{Key: "k", Value: "v"}})
				mustCode(t, err, c.code)
			})
		})
	}
	if _, err := service(st).SetEndpoints(ctx, w.Platform.Principal, sub, []subscription.Endpoint{appEndpoint}); err != nil {
		t.Fatalf("the platform: %v", err)
	}
	if _, err := service(st).AddCredentials(ctx, w.Platform.Principal, sub, []subscription.Credential{{Key: "k", Value: "v"}}); err != nil {
		t.Fatalf("the platform: %v", err)
	}
}

func testProvisioningEnded(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	if _, err := app.Lifecycle(st).Act(ctx, w.C1.Principal, sub, subscription.ActionTerminate); err != nil {
		t.Fatal(err)
	}
	// Deprovisioning may still say why, until the provider confirms.
	if _, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, map[string]string{"en": "Your data is kept 30 days"}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub, subscription.Undeployed); err != nil {
		t.Fatal(err)
	}
	storetest.Unchanged(t, st, func() {
		_, err := service(st).SetEndpoints(ctx, w.VendorA.Principal, sub, []subscription.Endpoint{appEndpoint})
		mustCode(t, err, mercato.ECONFLICT)
	})
}

func testSecretKeyPersists(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	if st.Engine() != store.SQLite {
		t.Skip("reopening is shown on the SQLite file")
	}
	if _, err := service(st).AddCredentials(ctx, w.VendorA.Principal, sub, []subscription.Credential{{Key: "password", Value: "s3cret"}}); err != nil {
		t.Fatal(err)
	}
	var path string
	if err := st.DB().QueryRow(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	again, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	cs, err := service(again).Credentials(ctx, w.C1.Principal, sub)
	if err != nil || len(cs) != 1 || cs[0].Value != "s3cret" {
		t.Fatalf("after reopening: %+v, %v", cs, err)
	}
	var keys int
	_ = st.DB().QueryRow(`SELECT COUNT(*) FROM secret_keys`).Scan(&keys)
	if keys != 1 {
		t.Fatalf("%d generated keys", keys)
	}
}

func testExplicitSecretKey(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	key, err := secretbox.ParseKey(secretbox.Generate())
	if err != nil {
		t.Fatal(err)
	}
	var before, generated int
	_ = st.DB().QueryRow(`SELECT COUNT(*) FROM secret_keys`).Scan(&before)
	st.SetSecretKeys(key)
	if _, err := service(st).AddCredentials(ctx, w.VendorA.Principal, sub, []subscription.Credential{{Key: "password", Value: "s3cret"}}); err != nil {
		t.Fatal(err)
	}
	var keyID string
	_ = st.DB().QueryRow(`SELECT key_id FROM subscription_credentials`).Scan(&keyID)
	_ = st.DB().QueryRow(`SELECT COUNT(*) FROM secret_keys`).Scan(&generated)
	if keyID != key.ID() || generated != before {
		t.Fatalf("sealed with %q (want %q), %d generated keys (before: %d)", keyID, key.ID(), generated, before)
	}
	other, _ := secretbox.ParseKey(secretbox.Generate())
	st.SetSecretKeys(other)
	if _, err := service(st).Credentials(ctx, w.C1.Principal, sub); err == nil {
		t.Fatal("opened with the wrong key")
	}
	st.SetSecretKeys(key)
	if cs, err := service(st).Credentials(ctx, w.C1.Principal, sub); err != nil || cs[0].Value != "s3cret" {
		t.Fatalf("%+v %v", cs, err)
	}
}

func testNumberedPages(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	for range 4 {
		if _, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.Ordering(st).PlaceOrder(ctx, w.C2.Principal, subscription.OrderRequest{PlanID: w.PlanB.ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	var seen []int64
	for n := 1; n <= 3; n++ {
		items, total, err := st.SubscriptionPage(ctx, w.VendorA.Principal, store.SubscriptionFilter{}, time.Time{}, store.NumberedPage{Number: n, Size: 2})
		if err != nil || total != 5 {
			t.Fatalf("page %d: total %d, %v", n, total, err)
		}
		for _, s := range items {
			seen = append(seen, s.ID)
		}
	}
	if len(seen) != 5 || seen[0] != sub {
		t.Fatalf("pages gave %v", seen)
	}
	items, total, _ := st.SubscriptionPage(ctx, w.VendorB.Principal, store.SubscriptionFilter{}, time.Time{}, store.NumberedPage{Number: 1, Size: 20})
	if total != 1 || len(items) != 1 {
		t.Fatalf("vendor B sees %d of %d", len(items), total)
	}
	// Expiring: only live subscriptions ending before the date.
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	items, total, _ = st.SubscriptionPage(ctx, w.VendorA.Principal, store.SubscriptionFilter{}, time.Now().AddDate(0, 2, 0), store.NumberedPage{Number: 1, Size: 20})
	if total != 1 || items[0].ID != sub {
		t.Fatalf("expiring: %d %+v", total, items)
	}
	// The vendor looks up its subscriber, not other users.
	if u, err := st.SubscriberUser(ctx, w.VendorA.Principal, w.C1.User.ID); err != nil || u.Email != w.C1.User.Email {
		t.Fatalf("subscriber: %+v %v", u, err)
	}
	for _, id := range []int64{w.C1b.User.ID, w.R1.User.ID, w.VendorB.User.ID} {
		_, err := st.SubscriberUser(ctx, w.VendorA.Principal, id)
		mustCode(t, err, mercato.ENOTFOUND)
	}
	_, err := st.SubscriberUser(ctx, w.VendorB.Principal, w.C1.User.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	d, err := st.SubscriptionDetail(ctx, w.VendorA.Principal, sub)
	if err != nil || d.BuyerID != w.C1.User.ID || d.Product.ID != w.ProductA.ID || d.Plan.ID != w.PlanA.ID || d.Quantity != 3 {
		t.Fatalf("detail: %+v %v", d, err)
	}
}

// testIdenticalPosts: posting the same endpoints or instructions again (a
// vendor that provisions on every MODIFIED) changes nothing and records no
// MODIFIED event, so such a vendor does not loop; a different post does.
func testIdenticalPosts(t *testing.T, st *store.Store, w *storetest.World, sub int64) {
	eps := []subscription.Endpoint{appEndpoint, {Endpoint: "https://docs.example.org/", Description: "Docs", Category: subscription.CategoryDocumentation}}
	ins := map[string]string{"en": "Welcome", "it": "Benvenuto"}
	if _, err := service(st).SetEndpoints(ctx, w.VendorA.Principal, sub, eps); err != nil {
		t.Fatal(err)
	}
	if _, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, ins); err != nil {
		t.Fatal(err)
	}
	events := modifiedEvents(t, st, w, sub)
	storetest.Unchanged(t, st, func() {
		for range 3 {
			if got, err := service(st).SetEndpoints(ctx, w.VendorA.Principal, sub, eps); err != nil || len(got) != 2 {
				t.Fatalf("same endpoints: %v %v", got, err)
			}
			if _, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, map[string]string{"it": "Benvenuto", "en": "Welcome"}); err != nil {
				t.Fatal(err)
			}
		}
	})
	if _, err := service(st).SetInstructions(ctx, w.C1.Principal, sub, ins); code(err) != mercato.EFORBIDDEN {
		t.Fatalf("the customer posting the same instructions: %v, want forbidden", err)
	}
	if _, err := service(st).SetInstructions(ctx, w.VendorA.Principal, sub, map[string]string{"en": "Welcome back"}); err != nil {
		t.Fatal(err)
	}
	if got := modifiedEvents(t, st, w, sub); got != events+1 {
		t.Fatalf("MODIFIED events %d after a real change, want %d", got, events+1)
	}
}
