package cloudesire_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestCloudesireUserName: a vendor integration that signs in with its
// Cloudesire user name (HTTP Basic, CMW-Auth-User) runs unchanged once its
// Mercato user has that user name; the e-mail keeps working; userName
// answers the user name. User names are unique whatever the case and never
// hold '@' (so none reads as an e-mail).
func TestCloudesireUserName(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		api := strings.TrimSuffix(e.base, "/api") + "/api/v1/users/"
		patch := func(token string, id int64, body string) int {
			req, err := http.NewRequest(http.MethodPatch, api+strconv.FormatInt(id, 10), strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if got := patch(w.VendorA.Token, w.VendorA.User.ID, `{"username":"Contoso.Vendor"}`); got != http.StatusOK {
			t.Fatalf("setting the user name: %d", got)
		}
		storetest.Unchanged(t, e.st, func() {
			for body, want := range map[string]int{
				`{"username":"contoso.vendor"}`: http.StatusConflict,            // taken, whatever the case
				`{"username":"a@b.example"}`:    http.StatusUnprocessableEntity, // reads as an e-mail
				`{"username":"x"}`:              http.StatusUnprocessableEntity,
			} {
				if got := patch(w.C1.Token, w.C1.User.ID, body); got != want {
					t.Errorf("%s: %d, want %d", body, got, want)
				}
			}
		})
		var me struct {
			UserName string `json:"userName"`
			Email    string `json:"email"`
		}
		for name, auth := range map[string]func(*http.Request){
			"Basic with the user name": func(r *http.Request) { r.SetBasicAuth("contoso.vendor", w.VendorA.Token) },
			"Basic with the e-mail":    func(r *http.Request) { r.SetBasicAuth(w.VendorA.User.Email, w.VendorA.Token) },
			"CMW-Auth-User": func(r *http.Request) {
				r.Header.Set("CMW-Auth-Token", w.VendorA.Token)
				r.Header.Set("CMW-Auth-User", "CONTOSO.VENDOR")
			},
		} {
			vendorClient{t: t, base: e.base, auth: auth}.get("user/me").must(t, http.StatusOK).decode(t, &me)
			if me.UserName != "Contoso.Vendor" || me.Email != w.VendorA.User.Email {
				t.Errorf("%s: %+v", name, me)
			}
		}
		// Another user's name with this token is refused.
		vendorClient{t: t, base: e.base, auth: func(r *http.Request) { r.SetBasicAuth("someone.else", w.VendorA.Token) }}.get("user/me").errorHolders(t, http.StatusUnauthorized)
		// POST /api/login with the user name and a token answers the token.
		a := vendorClient{t: t, base: e.base, auth: func(r *http.Request) { r.SetBasicAuth("contoso.vendor", w.VendorA.Token) }}.do(http.MethodPost, "login", nil, "")
		if a.status != http.StatusOK || !strings.Contains(string(a.raw), w.VendorA.Token) {
			t.Fatalf("login: %d %s", a.status, a.raw)
		}
	})
}
