package cli

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestOneInputGuard replays the audit's inputs on every transport: NUL
// characters and invalid UTF-8 in a form field of the control panel, in an
// Idempotency-Key, in a query parameter of the Cloudesire-compatible API.
// Each is refused with a 400 naming the field, in the transport's own
// error shape, and nothing is written (before the guard, PostgreSQL
// answered 500 and the panel stored what the API refuses).
func TestOneInputGuard(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			f := newFront(t, engine, config.Limits{})
			cookie := f.session(f.w.C1.Principal.UserID)
			order := fmt.Sprintf(`{"plan_id":%d,"quantity":1}`, f.w.PlanA.ID)
			before := fmt.Sprint(storetest.Counts(t, f.st))
			for _, key := range []string{"order-\xff\xfe", "\xc3\x28"} { // invalid UTF-8 (Go's server already refuses NUL in headers)
				a := f.do("POST", "/api/v1/orders", order, "Authorization: Bearer "+f.w.C1.Token, "Idempotency-Key: "+key).must(t, http.StatusBadRequest).problem(t)
				if !strings.Contains(a.body, "Idempotency-Key") {
					t.Fatalf("the refusal does not name the header: %s", a.body)
				}
			}
			for _, body := range []string{"body=hello%00world", "body=%ff%fe", "na%00me=x"} {
				a := f.do("POST", "/subscriptions/1/messages", body, cookie, "Content-Type: application/x-www-form-urlencoded").must(t, http.StatusBadRequest)
				if !strings.Contains(a.body, "form field") {
					t.Fatalf("panel: the refusal does not name the field: %s", a.body)
				}
			}
			f.do("GET", "/api/subscription?sortField=%ff", "", "CMW-Auth-Token: "+f.w.VendorA.Token).must(t, http.StatusBadRequest).holders(t, "invalid")
			f.do("GET", "/api/v1/products?cursor=%00", "", "Authorization: Bearer "+f.w.C1.Token).must(t, http.StatusBadRequest).problem(t)
			if after := fmt.Sprint(storetest.Counts(t, f.st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
			// Text as it should be still passes.
			f.do("POST", "/api/v1/orders", order, "Authorization: Bearer "+f.w.C1.Token, "Idempotency-Key: ordine-è-ü-42").must(t, http.StatusCreated)
		})
	}
}

// TestDoubledSlashesServed: a path with doubled slashes, as Cloudesire's
// clients send when they join a base ending in "/", is served as the path
// without them, not redirected (a 307 a client may not follow).
func TestDoubledSlashesServed(t *testing.T) {
	f := newFront(t, store.SQLite, config.Limits{})
	for _, path := range []string{"/api//user/me", "//api/user/me", "/api///user//me"} {
		a := f.do("GET", path, "", "CMW-Auth-Token: "+f.w.VendorA.Token).must(t, http.StatusOK)
		if !strings.Contains(a.body, f.w.VendorA.User.Email) {
			t.Fatalf("%s: %s", path, a.body)
		}
	}
	f.do("GET", "/api/v1//me", "", "Authorization: Bearer "+f.w.VendorA.Token).must(t, http.StatusOK)
}
