package cloudesire_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// FuzzQueryParameters sends the Cloudesire-compatible API arbitrary query
// strings and paging headers (CMW-PageSize, CMW-PageNumber, days,
// language, sorting…) on the routes that read them, as a vendor's
// integration or an attacker would, through the whole server over a real
// database. Nothing may answer 5xx, and every answer is JSON.
func FuzzQueryParameters(f *testing.F) {
	st := storetest.Open(f, store.SQLite)
	w := storetest.NewWorld(f, st)
	storetest.Order(f, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
	srv := app.NewAPI(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	paths := []string{"subscription", "subscription/expiring", "subscription/1", "user/me", "product/1", "productVersion/1"}
	f.Add(uint8(0), "", "", "")
	f.Add(uint8(0), "pageSize=5&pageNumber=2", "10", "1")
	f.Add(uint8(1), "days=30", "", "")
	f.Add(uint8(1), "days=-1&days=99999999999999999999", "0", "-3")
	f.Add(uint8(2), "language=it&apiVersion=20", "", "")
	f.Add(uint8(0), "sortField=id&sortDirection=DESC&customer=%00%ff", " 7 ", "1e3")
	f.Add(uint8(5), "expand=%zz&;;&a=b=c", "\x00", "\xff")
	f.Fuzz(func(t *testing.T, which uint8, query, size, number string) {
		path := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodGet, "/api/"+path, nil)
		req.URL.RawQuery = query
		req.Header.Set("CMW-Auth-Token", w.VendorA.Token)
		for k, v := range map[string]string{"CMW-PageSize": size, "CMW-PageNumber": number} {
			if v != "" && !strings.ContainsAny(v, "\r\n") {
				req.Header[k] = []string{v}
			}
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("GET /api/%s?%s (size %q, number %q): %d %s", path, query, size, number, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("GET /api/%s?%s: %d, not JSON: %q", path, query, rec.Code, rec.Body)
		}
	})
}
