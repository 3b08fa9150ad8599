package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// newMailingEnv is newEnv with invitations mailed (a public URL).
func newMailingEnv(t *testing.T, e *env) (*env, *app.Services) {
	t.Helper()
	svcs := app.New(e.st, app.Options{Notify: []notify.Option{notify.WithPublicURL("https://market.example.com")}})
	ts := httptest.NewServer(api.New(svcs.API(), slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(ts.Close)
	return &env{t: t, st: e.st, w: e.w, url: ts.URL}, svcs
}

// outboxTo returns the templates of the messages queued to address.
func outboxTo(t *testing.T, svcs *app.Services, p mercato.Principal, address string) []string {
	t.Helper()
	ms, err := svcs.Notify.Outbox(t.Context(), p, mail.Filter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.To == address {
			out = append(out, m.Template)
		}
	}
	return out
}

// shape is a JSON body's keys with the type of each value.
func shape(body map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range body {
		out[k] = reflect.TypeOf(v).String()
	}
	return out
}

// TestCreateUserDoesNotTellTakenAddresses (issue 16 item 14): POST
// /api/v1/users with an address a user of another tenant has answers as
// for a new address — the same status, headers and body shape, an invited
// user — while that user's account is untouched and the holder is mailed
// instead. In one's own organization a duplicate is still a clear 409, as
// it is for the platform, which sees every user; a user name taken
// anywhere is a 409 (user names are public handles).
func TestCreateUserDoesNotTellTakenAddresses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, plain *env) {
		e, svcs := newMailingEnv(t, plain)
		holder := e.w.C1.User
		before, err := e.st.User(t.Context(), e.w.Platform.Principal, holder.ID)
		if err != nil {
			t.Fatal(err)
		}
		create := func(token string, org int64, email, username string) response {
			body := map[string]any{"organization_id": org, "email": email, "role": "manager"}
			if username != "" {
				body["username"] = username
			}
			return e.call(http.MethodPost, "/api/v1/users", token, body)
		}
		fresh := create(e.w.C2.Token, e.w.C2.Org.ID, "fresh@c2.example.org", "")
		taken := create(e.w.C2.Token, e.w.C2.Org.ID, strings.ToUpper(holder.Email), "")
		if fresh.status != taken.status || fresh.status/100 != 2 {
			t.Fatalf("status: new address %d %s, taken address %d %s", fresh.status, fresh.raw, taken.status, taken.raw)
		}
		headers := func(h http.Header) []string {
			var out []string
			for k, v := range h {
				switch k {
				case "Date", "Content-Length", "X-Request-Id": // per answer
					out = append(out, k)
				default:
					out = append(out, k+": "+strings.Join(v, ","))
				}
			}
			slices.Sort(out)
			return out
		}
		if !slices.Equal(headers(fresh.header), headers(taken.header)) {
			t.Errorf("headers differ:\n%q\n%q", headers(fresh.header), headers(taken.header))
		}
		if !reflect.DeepEqual(shape(fresh.body), shape(taken.body)) {
			t.Errorf("bodies differ in shape:\n%v\n%v", shape(fresh.body), shape(taken.body))
		}
		for _, b := range []map[string]any{fresh.body, taken.body} {
			if b["invited"] != true || b["organization_id"] != float64(e.w.C2.Org.ID) || b["role"] != "manager" || b["id"] == float64(holder.ID) {
				t.Errorf("answer %v", b)
			}
		}
		if taken.body["email"] != strings.ToLower(holder.Email) || taken.body["id"] == fresh.body["id"] {
			t.Errorf("taken answer %v (new: %v)", taken.body, fresh.body)
		}
		after, err := e.st.User(t.Context(), e.w.Platform.Principal, holder.ID)
		if err != nil || !reflect.DeepEqual(before, after) {
			t.Fatalf("the holder's account changed: %+v -> %+v (%v)", before, after, err)
		}
		if p, hash, err := e.st.PasswordHash(t.Context(), holder.Email); err != nil || p.OrgID != e.w.C1.Org.ID || p.UserID != holder.ID {
			t.Fatalf("the address now signs in as %+v (%q, %v)", p, hash, err)
		}
		if got := outboxTo(t, svcs, e.w.Platform.Principal, holder.Email); !slices.Equal(got, []string{notify.AddressInUse}) {
			t.Errorf("to the holder: %v", got)
		}
		if got := outboxTo(t, svcs, e.w.Platform.Principal, "fresh@c2.example.org"); !slices.Equal(got, []string{notify.Invitation}) {
			t.Errorf("to the new user: %v", got)
		}

		// Within one's own organization, and for the platform, a duplicate
		// says so; nothing is written or mailed.
		counts := storetest.Counts(t, e.st)
		for _, dup := range []response{
			create(e.w.C2.Token, e.w.C2.Org.ID, "fresh@c2.example.org", ""),
			create(e.w.Platform.Token, e.w.C2.Org.ID, holder.Email, ""),
		} {
			dup.must(t, http.StatusConflict)
			dup.isProblem(t)
		}
		if after := storetest.Counts(t, e.st); !reflect.DeepEqual(counts, after) {
			t.Fatalf("a refused user changed rows: %v -> %v", counts, after)
		}
		e.call(http.MethodPatch, fmt.Sprintf("/api/v1/users/%v", fresh.body["id"]), e.w.C2.Token, map[string]any{"username": "taken-name"}).must(t, http.StatusOK)
		counts = storetest.Counts(t, e.st)
		for _, token := range []string{e.w.C2.Token, e.w.C1.Token} {
			org := e.w.C2.Org.ID
			if token == e.w.C1.Token {
				org = e.w.C1.Org.ID
			}
			res := create(token, org, "another@example.org", "TAKEN-name")
			res.must(t, http.StatusConflict)
			res.isProblem(t)
		}
		if after := storetest.Counts(t, e.st); !reflect.DeepEqual(counts, after) {
			t.Fatalf("a refused user changed rows: %v -> %v", counts, after)
		}
	})
}
