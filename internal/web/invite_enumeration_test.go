package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/notify"
)

// userRow is a row of the users page, with its user's id.
var userRow = regexp.MustCompile(`(?s)<tr id="user-(\d+)">.*?</tr>`)

// TestInviteFormDoesNotTellTakenAddresses (issue 16 item 14): the panel's
// invite form answers an address a user of another tenant holds as it
// answers a new one (the same redirect and notice), the users page then
// shows both users alike (invited, with the button that sends the
// invitation again), and sending it again answers alike too.
func TestInviteFormDoesNotTellTakenAddresses(t *testing.T) {
	h := newHarnessWith(t, app.Options{Notify: []notify.Option{notify.WithPublicURL("https://market.example.com")}})
	c := h.signIn(reseller)
	const fresh, taken = "fresh@fabrikam.example", vendor // the vendor's user: not the reseller's to see
	// answer posts and returns what the panel answers, the page it leads
	// to included, with the address and the user's id made alike.
	answer := func(path string, form url.Values, address, id string) string {
		t.Helper()
		res := c.post(path, form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s %v: %d %s", path, form, res.StatusCode, res.Body)
		}
		page := c.get(res.Header.Get("Location"))
		out := res.Header.Get("Location") + "\n" + page.Body
		if id != "" {
			out = strings.ReplaceAll(out, "user-"+id+`"`, `user-ID"`)
			out = strings.ReplaceAll(out, "/users/"+id+"/", "/users/ID/")
		}
		return strings.ReplaceAll(out, address, "ADDRESS")
	}
	invite := func(address string) url.Values {
		return url.Values{"email": {address}, "name": {"Someone"}, "role": {"viewer"}, "language": {"it"}}
	}
	a := answer("/users", invite(fresh), fresh, "")
	b := answer("/users", invite(taken), taken, "")
	rows := map[string]string{} // address: its row, the id made alike
	ids := map[string]string{}
	for _, m := range userRow.FindAllStringSubmatch(c.get("/users").Body, -1) {
		for _, address := range []string{fresh, taken} {
			if strings.Contains(m[0], "<td>"+address+"</td>") {
				ids[address] = m[1]
				rows[address] = strings.ReplaceAll(strings.ReplaceAll(m[0], m[1], "ID"), address, "ADDRESS")
			}
		}
	}
	if len(rows) != 2 || rows[fresh] != rows[taken] || !strings.Contains(rows[fresh], "/invitation") {
		t.Fatalf("the users page shows them apart:\n%s\n%s", rows[fresh], rows[taken])
	}
	// Past the rows (one more after the second), the pages are the same.
	if strip(a) != strip(b) {
		t.Errorf("the answers differ:\n%s\n----\n%s", a, b)
	}
	ra := answer("/users/"+ids[fresh]+"/invitation", nil, fresh, ids[fresh])
	rb := answer("/users/"+ids[taken]+"/invitation", nil, taken, ids[taken])
	if strip(ra) != strip(rb) {
		t.Errorf("sending again answers differ:\n%s\n----\n%s", ra, rb)
	}
}

// strip removes the rows of the users page, which list the users so far.
func strip(page string) string {
	return userRow.ReplaceAllString(page, "")
}
