package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestUpdateMe: every user, a read-only one too, sets its own language
// (the language of its e-mail) with PATCH /api/v1/me; a language Mercato
// does not write in is a 422 naming the field, and changes nothing.
func TestUpdateMe(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		viewer, err := storetest.Accounts(e.st).CreateUser(t.Context(), e.w.Platform.Principal, mercato.User{OrganizationID: e.w.C1.Org.ID, Email: "viewer@c1.test", Role: mercato.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		const token = "test-token-viewer-0123456789abcdef"
		if err := e.st.AddToken(t.Context(), viewer.ID, "viewer", token); err != nil {
			t.Fatal(err)
		}
		if got := e.call(http.MethodGet, "/api/v1/me", token, nil).must(t, http.StatusOK).body["language"]; got != "en" {
			t.Fatalf("a new user's language: %v", got)
		}
		res := e.call(http.MethodPatch, "/api/v1/me", token, map[string]any{"language": "it"}).must(t, http.StatusOK)
		if res.body["language"] != "it" || res.body["email"] != "viewer@c1.test" {
			t.Fatalf("after PATCH: %v", res.body)
		}
		before := storetest.Counts(t, e.st)
		for _, bad := range []any{"fr", "", 7} {
			bad := e.call(http.MethodPatch, "/api/v1/me", token, map[string]any{"language": bad})
			if bad.status != http.StatusUnprocessableEntity && bad.status != http.StatusBadRequest {
				t.Fatalf("language %v: %d %s", bad, bad.status, bad.raw)
			}
			bad.isProblem(t)
			if !strings.Contains(string(bad.raw), "language") {
				t.Errorf("the problem does not name the field: %s", bad.raw)
			}
		}
		if after := storetest.Counts(t, e.st); fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatalf("bad input changed rows: %v -> %v", before, after)
		}
		u, err := e.st.User(t.Context(), e.w.Platform.Principal, viewer.ID)
		if err != nil || u.Language != "it" {
			t.Fatalf("stored language %q %v", u.Language, err)
		}
	})
}
