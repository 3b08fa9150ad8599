package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestEveryRouteNeedsCredentialsAndRights walks every operation of the
// OpenAPI document: without a token each answers 401; with a read-only
// (viewer) token every change answers 403; both with a problem body and
// nothing written.
func TestEveryRouteNeedsCredentialsAndRights(t *testing.T) {
	e := newEnv(t, store.SQLite)
	viewer, err := storetest.Accounts(e.st).CreateUser(t.Context(), e.w.Platform.Principal, mercato.User{OrganizationID: e.w.C1.Org.ID, Email: "viewer@c1.test", Role: mercato.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddToken(t.Context(), viewer.ID, "viewer", "test-token-viewer-0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	params := regexp.MustCompile(`\{[a-z_]+\}`)
	n := 0
	for path, item := range e.server.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			n++
			p := params.ReplaceAllString(path, "1")
			var body any
			if op.RequestBody != nil {
				body = map[string]any{}
			}
			t.Run(op.OperationID, func(t *testing.T) {
				before := storetest.Counts(t, e.st)
				e.call(method, p, "", body).must(t, http.StatusUnauthorized).isProblem(t)
				// A quote changes nothing; one's own profile is one's own
				// preference, which read-only users set too (an empty
				// change writes nothing).
				if method != http.MethodGet && op.OperationID != "create-quote" && op.OperationID != "update-me" {
					e.call(method, p, "test-token-viewer-0123456789abcdef", body).must(t, http.StatusForbidden).isProblem(t)
				}
				if after := storetest.Counts(t, e.st); fmt.Sprint(before) != fmt.Sprint(after) {
					t.Fatalf("rows changed: %v -> %v", before, after)
				}
			})
		}
	}
	if n < 40 {
		t.Fatalf("only %d operations", n)
	}
}
