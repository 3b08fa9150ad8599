package accounts_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

var ctx = context.Background()

// each runs fn once per engine, on a fresh world with the service over
// it, on a clock fixed at storetest.Epoch so that no test depends on the
// day it runs.
func each(t *testing.T, fn func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		st.Now = storetest.Clock(storetest.Epoch)
		fn(t, st, storetest.NewWorld(t, st), storetest.Accounts(st))
	})
}

// mustRefuse fails the test unless err has the code want and, when field
// is not empty, names that field; field may be followed by ": " and the
// message the field error must have.
func mustRefuse(t *testing.T, err error, want, field string) {
	t.Helper()
	if got := mercato.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
	if field == "" {
		return
	}
	path, message, withMessage := strings.Cut(field, ": ")
	for _, f := range mercato.Fields(err) {
		if f.Path == path && (!withMessage || f.Message == message) {
			return
		}
	}
	t.Fatalf("%v names no %s", err, field)
}

// member adds a user with a role to a tenant's organization and returns
// the principal it acts as.
func member(t *testing.T, st *store.Store, tn storetest.Tenant, email string, role mercato.Role) mercato.Principal {
	t.Helper()
	u, err := storetest.Accounts(st).CreateUser(ctx, tn.Principal, mercato.User{OrganizationID: tn.Org.ID, Email: email, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return mercato.Principal{UserID: u.ID, OrgID: tn.Org.ID, OrgKind: tn.Org.Kind, Role: role}
}

// audited returns the actions of the audit entries about one entity.
func audited(t *testing.T, st *store.Store, entity string, id int64) []string {
	t.Helper()
	var p mercato.Principal
	p.OrgKind = mercato.KindPlatform
	entries, _, err := storetest.Accounts(st).ListAudit(ctx, p, mercato.AuditFilter{Entity: entity, EntityID: id}, mercato.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	return actions
}

// TestAuditVisibility: the platform reads every entry, anyone else the
// changes its own organization's users made.
func TestAuditVisibility(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		if _, err := svc.UpdateOrganization(ctx, w.R1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Name: new("C1 by R1")}); err != nil {
			t.Fatal(err)
		}
		count := func(p mercato.Principal) int {
			t.Helper()
			entries, _, err := svc.ListAudit(ctx, p, mercato.AuditFilter{Entity: "organization", EntityID: w.C1.Org.ID}, mercato.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return len(entries)
		}
		// The platform created C1 and R1 renamed it.
		if got := []int{count(w.Platform.Principal), count(w.R1.Principal), count(w.C1.Principal)}; !slices.Equal(got, []int{2, 1, 0}) {
			t.Fatalf("entries seen by the platform, R1, C1: %v, want [2 1 0]", got)
		}
	})
}
