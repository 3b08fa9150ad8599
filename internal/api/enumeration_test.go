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
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
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

// observed is everything the inviting organization can learn of one of
// its users: the user as GET answers it (without its id, address and
// times), whether the organization's list holds it, the audit entries its
// own users wrote about it, and the events and webhook deliveries it
// caused.
type observed struct {
	get      map[string]any
	listed   bool
	audit    []string
	events   []string
	webhooks []string
}

// observe collects what inviter can see of user id; deliveries are the
// webhook deliveries claimed meanwhile.
func observe(t *testing.T, e *env, inviter storetest.Tenant, id int64, deliveries []store.DueDelivery) observed {
	t.Helper()
	var o observed
	got := e.call(http.MethodGet, fmt.Sprintf("/api/v1/users/%d", id), inviter.Token, nil)
	o.get = map[string]any{"status": got.status}
	if got.status != http.StatusOK {
		o.get["title"] = got.body["title"] // its detail names the id
		return collect(t, e, inviter, id, deliveries, o)
	}
	for k, v := range got.body {
		switch k {
		case "id", "email", "created_at", "updated_at":
			o.get[k] = reflect.TypeOf(v).String()
		default:
			o.get[k] = v
		}
	}
	return collect(t, e, inviter, id, deliveries, o)
}

// collect adds to o the rest of what inviter sees of user id.
func collect(t *testing.T, e *env, inviter storetest.Tenant, id int64, deliveries []store.DueDelivery, o observed) observed {
	t.Helper()
	list := e.call(http.MethodGet, fmt.Sprintf("/api/v1/users?organization_id=%d&limit=200", inviter.Org.ID), inviter.Token, nil).must(t, http.StatusOK)
	o.listed = slices.Contains(list.itemIDs("id"), id)
	audit := e.call(http.MethodGet, "/api/v1/audit-log?limit=200&entity=user", inviter.Token, nil).must(t, http.StatusOK)
	for _, it := range audit.body["items"].([]any) {
		if m := it.(map[string]any); m["entity_id"] == float64(id) {
			o.audit = append(o.audit, fmt.Sprintf("%v by %v", m["action"], m["actor_user_id"]))
		}
	}
	events, _, err := e.st.ListEvents(t.Context(), e.w.Platform.Principal, store.EventFilter{Entity: subscription.EntityUser, EntityID: id}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		o.events = append(o.events, ev.Type)
	}
	for _, d := range deliveries {
		if d.Event.Entity == subscription.EntityUser && d.Event.EntityID == id {
			o.webhooks = append(o.webhooks, fmt.Sprintf("%s to endpoint %d", d.Event.Type, d.Endpoint.ID))
		}
	}
	return o
}

// TestCreateUserDoesNotTellTakenAddresses (issue 16 item 14): POST
// /api/v1/users with an address a user of another tenant holds answers as
// for a new address — the same status, headers and body shape, an invited
// user — and the user is kept as a new one is: a later GET, the
// organization's list, its audit log, the events and webhooks, a resent
// invitation and the deletion are the same, and the next user gets the
// next id (no id reused). The holder's account is untouched, still signs
// in, and is mailed instead. In one's own organization a duplicate is
// still a clear 409, as it is for the platform, which sees every user; a
// user name taken anywhere is a 409 (user names are public handles).
func TestCreateUserDoesNotTellTakenAddresses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, plain *env) {
		e, svcs := newMailingEnv(t, plain)
		ctx := t.Context()
		holder := e.w.C1.User
		// The holder has accepted its invitation: it has a password.
		if err := svcs.Accounts.SetPassword(ctx, holder.ID, "the holder's own password"); err != nil {
			t.Fatal(err)
		}
		before, err := e.st.User(ctx, e.w.Platform.Principal, holder.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A vendor's users' events are delivered to its vendor-wide
		// endpoints: the webhooks an invitation causes are observable.
		inviter := e.w.VendorB
		if _, err := webhooks.New(e.st, store.TxFunc[webhooks.Tx](e.st)).CreateEndpoint(ctx, inviter.Principal, syndication.Endpoint{URL: "https://192.0.32.10/hooks", Secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0"}); err != nil {
			t.Fatal(err)
		}
		create := func(token string, org int64, email, username string) response {
			body := map[string]any{"organization_id": org, "email": email, "role": "manager"}
			if username != "" {
				body["username"] = username
			}
			return e.call(http.MethodPost, "/api/v1/users", token, body)
		}
		fresh := create(inviter.Token, inviter.Org.ID, "fresh@vendorb.example.org", "")
		taken := create(inviter.Token, inviter.Org.ID, strings.ToUpper(holder.Email), "")
		next := create(inviter.Token, inviter.Org.ID, "next@vendorb.example.org", "")
		if fresh.status != taken.status || fresh.status/100 != 2 || next.status != fresh.status {
			t.Fatalf("status: new address %d %s, taken address %d %s", fresh.status, fresh.raw, taken.status, taken.raw)
		}
		headers := func(h http.Header) []string {
			var out []string
			for k, v := range h {
				switch k {
				case "Date", "Content-Length", "X-Request-Id", "Location": // per answer
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
			if b["invited"] != true || b["organization_id"] != float64(inviter.Org.ID) || b["role"] != "manager" || b["id"] == float64(holder.ID) {
				t.Errorf("answer %v", b)
			}
		}
		if taken.body["email"] != strings.ToLower(holder.Email) {
			t.Errorf("taken answer %v (new: %v)", taken.body, fresh.body)
		}
		// Ids are handed out in order, none reused: the taken address's user
		// is kept (on SQLite a removed last row's id is given again).
		if !(fresh.id() < taken.id() && taken.id() < next.id()) {
			t.Errorf("ids: new %d, taken %d, next %d", fresh.id(), taken.id(), next.id())
		}

		// Everything the organization sees of the two users is alike.
		deliveries, err := e.st.ClaimDeliveries(ctx, 200, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		compare := func(step string, want observed) {
			t.Helper()
			a, b := observe(t, e, inviter, fresh.id(), deliveries), observe(t, e, inviter, taken.id(), deliveries)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: the organization tells the addresses apart:\nnew   %+v\ntaken %+v", step, a, b)
			}
			if !reflect.DeepEqual(a, want) {
				t.Errorf("%s: %+v, want %+v", step, a, want)
			}
		}
		by := fmt.Sprintf(" by %d", inviter.Principal.UserID)
		kept := map[string]any{"status": 200, "id": "float64", "email": "string", "created_at": "string", "updated_at": "string",
			"organization_id": float64(inviter.Org.ID), "role": "manager", "invited": true}
		for k, v := range fresh.body {
			if _, ok := kept[k]; !ok {
				kept[k] = v // the fields a new user has as answered
			}
		}
		compare("created", observed{get: kept, listed: true, audit: []string{"user.create" + by},
			events: []string{subscription.EventCreated}, webhooks: []string{fmt.Sprintf("%s to endpoint %d", subscription.EventCreated, endpointOf(t, deliveries))}})

		for _, id := range []int64{fresh.id(), taken.id()} {
			e.call(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/invitation", id), inviter.Token, nil).must(t, http.StatusNoContent)
		}
		deliveries = nil
		compare("invitation resent", observed{get: kept, listed: true, audit: []string{"user.create" + by, "user.invite_resend" + by},
			events: []string{subscription.EventCreated}})

		after, err := e.st.User(ctx, e.w.Platform.Principal, holder.ID)
		if err != nil || !reflect.DeepEqual(before, after) {
			t.Fatalf("the holder's account changed: %+v -> %+v (%v)", before, after, err)
		}
		if p, err := svcs.Accounts.CheckPassword(ctx, holder.Email, "the holder's own password"); err != nil || p.UserID != holder.ID {
			t.Fatalf("the holder signs in as %+v (%v)", p, err)
		}
		if got := outboxTo(t, svcs, e.w.Platform.Principal, holder.Email); !slices.Equal(got, []string{notify.AddressInUse, notify.AddressInUse}) {
			t.Errorf("to the holder: %v", got)
		}
		if got := outboxTo(t, svcs, e.w.Platform.Principal, "fresh@vendorb.example.org"); !slices.Equal(got, []string{notify.Invitation, notify.Invitation}) {
			t.Errorf("to the new user: %v", got)
		}

		for _, id := range []int64{fresh.id(), taken.id()} {
			e.call(http.MethodDelete, fmt.Sprintf("/api/v1/users/%d", id), inviter.Token, nil).must(t, http.StatusNoContent)
		}
		compare("deleted", observed{get: map[string]any{"status": 404, "title": "Not Found"},
			audit: []string{"user.create" + by, "user.invite_resend" + by, "user.delete" + by}, events: []string{subscription.EventCreated, subscription.EventDeleted}})
		if p, err := svcs.Accounts.CheckPassword(ctx, holder.Email, "the holder's own password"); err != nil || p.UserID != holder.ID {
			t.Fatalf("after the deletion the holder signs in as %+v (%v)", p, err)
		}

		// Within one's own organization, and for the platform, a duplicate
		// says so; nothing is written or mailed.
		kept2 := create(e.w.C2.Token, e.w.C2.Org.ID, "fresh@c2.example.org", "").must(t, http.StatusCreated)
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
		e.call(http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", kept2.id()), e.w.C2.Token, map[string]any{"username": "taken-name"}).must(t, http.StatusOK)
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

// endpointOf returns the endpoint of the first delivery.
func endpointOf(t *testing.T, deliveries []store.DueDelivery) int64 {
	t.Helper()
	if len(deliveries) == 0 {
		t.Fatal("no webhook delivery")
	}
	return deliveries[0].Endpoint.ID
}
