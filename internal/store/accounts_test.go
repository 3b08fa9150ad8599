package store_test

import (
	"slices"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// Cases of accounts (organizations, users, tokens) in storeCases.

func testBootstrap(t *testing.T, st *store.Store, w *storetest.World) {
	p, err := st.Bootstrap(ctx, "another-bootstrap-token-value")
	if err != nil {
		t.Fatal(err)
	}
	if p.OrgID != w.Platform.Principal.OrgID || p.UserID != w.Platform.Principal.UserID {
		t.Fatalf("bootstrap made a second platform admin: %+v vs %+v", p, w.Platform.Principal)
	}
	for _, tok := range []string{"another-bootstrap-token-value", w.Platform.Token} {
		got, err := st.Authenticate(ctx, tok)
		if err != nil || got != p {
			t.Fatalf("token %q: %+v %v", tok, got, err)
		}
	}
	if _, err := st.Bootstrap(ctx, "another-bootstrap-token-value"); err != nil {
		t.Fatal(err)
	}
	toks, _ := st.ListTokens(ctx, p)
	if len(toks) != 2 {
		t.Fatalf("bootstrap tokens = %d, want 2", len(toks))
	}
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

func orgIDs(orgs ...storetest.Tenant) []int64 {
	out := []int64{}
	for _, o := range orgs {
		out = append(out, o.Org.ID)
	}
	slices.Sort(out)
	return out
}

// testVendorReadsBuyers: a vendor reads the organization of a customer
// once it bought one of its products, and no other; the use cases' checks
// inside a transaction keep the narrower scope.
func testVendorReadsBuyers(t *testing.T, st *store.Store, w *storetest.World) {
	_, err := st.Organization(ctx, w.VendorA.Principal, w.C1.Org.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
	o, err := st.Organization(ctx, w.VendorA.Principal, w.C1.Org.ID)
	if err != nil || o.ID != w.C1.Org.ID || o.Name != w.C1.Org.Name {
		t.Fatalf("vendor A reads its buyer C1: %+v %v", o, err)
	}
	for _, other := range []storetest.Tenant{w.C2, w.R1} {
		_, err = st.Organization(ctx, w.VendorA.Principal, other.Org.ID)
		mustCode(t, err, mercato.ENOTFOUND)
	}
	_, err = st.Organization(ctx, w.VendorB.Principal, w.C1.Org.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	err = st.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Organization(ctx, w.VendorA.Principal, w.C1.Org.ID)
		mustCode(t, err, mercato.ENOTFOUND)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testOrgVisibility(t *testing.T, st *store.Store, w *storetest.World) {
	for name, want := range map[string][]int64{
		"d1":      orgIDs(w.D1, w.R1, w.C1, w.C1b),
		"r1":      orgIDs(w.R1, w.C1, w.C1b),
		"c1":      orgIDs(w.C1),
		"vendorA": orgIDs(w.VendorA),
		"r2":      orgIDs(w.R2, w.C2),
	} {
		orgs, _, err := st.ListOrganizations(ctx, w.Tenants()[name].Principal, mercato.OrganizationFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(orgs, func(o mercato.Organization) int64 { return o.ID }); !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", name, got, want)
		}
	}
	_, err := st.Organization(ctx, w.C2.Principal, w.C1.Org.ID)
	mustCode(t, err, mercato.ENOTFOUND)
	o, err := st.Organization(ctx, w.R1.Principal, w.C1.Org.ID)
	if err != nil || o.ID != w.C1.Org.ID {
		t.Fatalf("reseller reads its customer: %+v %v", o, err)
	}
	// The same rules hold inside a transaction (the services' reads).
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Organization(ctx, w.R2.Principal, w.C1.Org.ID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Errorf("R2 reads C1 in a transaction: %v", err)
		}
		if _, err := tx.User(ctx, w.R2.Principal, w.C1.User.ID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Errorf("R2 reads C1's user in a transaction: %v", err)
		}
		_, err := tx.User(ctx, w.D1.Principal, w.C1.User.ID)
		return err
	})
	if err != nil {
		t.Fatalf("D1 reads C1's user in a transaction: %v", err)
	}
}

func testPagination(t *testing.T, st *store.Store, w *storetest.World) {
	admin := w.Platform.Principal
	var all []int64
	var after int64
	for pages := 0; ; pages++ {
		orgs, next, err := st.ListOrganizations(ctx, admin, mercato.OrganizationFilter{}, store.Page{After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) > 3 {
			t.Fatalf("page of %d", len(orgs))
		}
		all = append(all, ids(orgs, func(o mercato.Organization) int64 { return o.ID })...)
		if next == 0 {
			break
		}
		after = next
	}
	if len(all) != 10 || !slices.IsSorted(all) || slices.Compact(slices.Clone(all))[len(all)-1] != all[len(all)-1] {
		t.Fatalf("paged ids %v, want 10 distinct in order", all)
	}
	customers, _, _ := st.ListOrganizations(ctx, admin, mercato.OrganizationFilter{Kind: mercato.KindCustomer}, store.Page{})
	if len(customers) != 3 {
		t.Fatalf("customers = %d, want 3", len(customers))
	}
}

func testTokens(t *testing.T, st *store.Store, w *storetest.World) {
	const secret = "mct_kept-as-a-hash-0123456789abcdefghij"
	var tok mercato.Token
	err := st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		tok, err = tx.InsertToken(ctx, w.C1.User.ID, "ci", secret)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Prefix != secret[:8] {
		t.Fatalf("prefix %q", tok.Prefix)
	}
	var n int
	if err := st.DB().QueryRow("SELECT COUNT(*) FROM api_tokens WHERE hash = $1 OR prefix = $1", secret).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the secret is stored as it is (%d rows, %v)", n, err)
	}
	p, err := st.Authenticate(ctx, secret)
	if err != nil || p != w.C1.Principal {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	deleteToken := func(userID int64) error {
		return st.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteToken(ctx, userID, tok.ID) })
	}
	mustCode(t, deleteToken(w.C2.User.ID), mercato.ENOTFOUND)
	if err := deleteToken(w.C1.User.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.Authenticate(ctx, secret)
	mustCode(t, err, mercato.EUNAUTHORIZED)
	// Deleting a user deletes its tokens.
	if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteUser(ctx, w.C1.User.ID) }); err != nil {
		t.Fatal(err)
	}
	_, err = st.Authenticate(ctx, w.C1.Token)
	mustCode(t, err, mercato.EUNAUTHORIZED)
}
