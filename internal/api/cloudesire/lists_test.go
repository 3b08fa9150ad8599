package cloudesire_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestJavaClientLists replays the Java client's list calls (ProductApi,
// ProductVersionApi, UserApi, CompanyApi, ProductCategoryApi getAll with a
// page request: pageNumber, pageSize, sortField, sortDirection as query
// parameters), reads each answer as the DTO list the client decodes, and
// checks the CMW-Page* headers, the order and what each caller sees.
func TestJavaClientLists(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		type item struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		names := func(a answer) string {
			var items []item
			a.decode(t, &items)
			out := ""
			for _, it := range items {
				out += it.Name + ";"
			}
			return out
		}
		headers := func(t *testing.T, a answer, total, pages, size, number int) {
			t.Helper()
			for h, want := range map[string]int{"CMW-TotalItems": total, "CMW-TotalPages": pages, "CMW-PageSize": size, "CMW-PageNumber": number} {
				if a.header.Get(h) != strconv.Itoa(want) {
					t.Fatalf("%s = %q, want %d", h, a.header.Get(h), want)
				}
			}
		}
		t.Run("product", func(t *testing.T) {
			java.t = t
			// Vendor A sees the published products and its own draft.
			a := java.get("product", "", "List<ProductDTO>")
			headers(t, a, 3, 1, 20, 1)
			byName := java.get("product", "pageNumber=1&pageSize=2&sortField=name&sortDirection=DESC", "List<ProductDTO>")
			headers(t, byName, 3, 2, 2, 1)
			all := []string{w.ProductA.Name, w.DraftA.Name, w.ProductB.Name}
			if got := names(byName) + names(java.get("product", "pageNumber=2&pageSize=2&sortField=name&sortDirection=DESC", "List<ProductDTO>")); got != sortedDesc(all) {
				t.Fatalf("by name, descending: %s, want %s", got, sortedDesc(all))
			}
			javaB := javaClient{t: t, base: e.base, token: w.VendorB.Token}
			headers(t, javaB.get("product", "", "List<ProductDTO>"), 2, 1, 20, 1) // not A's draft
		})
		t.Run("productVersion", func(t *testing.T) {
			java.t = t
			a := java.get("productVersion", "product="+strconv.FormatInt(w.ProductA.ID, 10), "List<ProductVersionDTO>")
			var items []item
			a.decode(t, &items)
			if fmt.Sprint(len(items)) != a.header.Get("CMW-TotalItems") || len(items) < 2 {
				t.Fatalf("product A's versions: %s %v", a.raw, a.header)
			}
			for _, it := range items {
				if it.ID != w.PlanA.ID && it.ID != w.PlanTiered.ID {
					t.Fatalf("product A's versions include %d", it.ID)
				}
			}
			java.get("productVersion", "sortField=name", "List<ProductVersionDTO>")
		})
		t.Run("user and company", func(t *testing.T) {
			java.t = t
			var users []struct {
				Email string `json:"email"`
			}
			a := java.get("user", "sortField=email&sortDirection=ASC", "List<MyUserDTO>")
			a.decode(t, &users)
			if len(users) != 1 || users[0].Email != w.VendorA.User.Email {
				t.Fatalf("vendor A's users: %s", a.raw)
			}
			a = java.get("company", "", "List<CompanyDTO>")
			headers(t, a, 1, 1, 20, 1)
			// The platform sees everyone.
			javaClient{t: t, base: e.base, token: w.Platform.Token}.get("company", "pageSize=200", "List<CompanyDTO>").must(t, http.StatusOK)
		})
		t.Run("category", func(t *testing.T) {
			java.t = t
			a := java.send(http.MethodGet, "category", "", "").must(t, http.StatusOK)
			if string(a.raw) != "[]\n" || a.header.Get("CMW-TotalItems") != "0" {
				t.Fatalf("categories: %q %v", a.raw, a.header)
			}
		})
		t.Run("bad paging and sorting", func(t *testing.T) {
			java.t = t
			for _, q := range []string{"sortField=password", "sortDirection=UP", "pageSize=0", "pageNumber=0"} {
				for _, path := range []string{"product", "user", "company", "productVersion"} {
					java.send(http.MethodGet, path, q, "").errorHolders(t, http.StatusBadRequest)
				}
			}
			java.send(http.MethodGet, "productVersion", "product=x", "").errorHolders(t, http.StatusBadRequest)
		})
		t.Run("page size capped", func(t *testing.T) {
			java.t = t
			// A larger page than the cap is served at the cap, and says so.
			for _, path := range []string{"product", "user", "company", "productVersion", "subscription"} {
				if got := java.send(http.MethodGet, path, "pageSize=100000", "").must(t, http.StatusOK).header.Get("CMW-PageSize"); got != "200" {
					t.Errorf("%s?pageSize=100000 answered CMW-PageSize %q, want 200", path, got)
				}
			}
		})
	})
}

// sortedDesc joins names in descending order, each followed by ";".
func sortedDesc(names []string) string {
	s := slices.Sorted(slices.Values(names))
	slices.Reverse(s)
	return strings.Join(s, ";") + ";"
}

// TestSubscriptionsCSV replays SubscriptionApi.getCsv (GET subscription
// with Accept: text/csv) and an apiVersion on a request: CSV rows of the
// page, names made safe for spreadsheets; a malformed apiVersion is 400.
func TestSubscriptionsCSV(t *testing.T) {
	forEachFixedEngine(t, func(t *testing.T, e *env) {
		w := e.w
		sub := storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 1)
		storetest.Order(t, e.st, w.C1.Principal, 0, w.PlanA.ID, 2)
		path := "subscription/" + strconv.FormatInt(sub.ID, 10)
		if _, err := app.Lifecycle(e.st).SetName(ctx, w.C1.Principal, sub.ID, "=HYPERLINK(\"x\")"); err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodGet, e.base+"/subscription?apiVersion=20221124", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("CMW-Auth-Token", w.VendorA.Token)
		req.Header.Set("Accept", "text/csv")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		rows, err := csv.NewReader(res.Body).ReadAll()
		if err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV: %d %s %v", res.StatusCode, res.Header.Get("Content-Type"), err)
		}
		if len(rows) != 3 || rows[0][0] != "id" || rows[0][1] != "name" || res.Header.Get("CMW-TotalItems") != "2" {
			t.Fatalf("rows %q, headers %v", rows, res.Header)
		}
		if rows[1][0] != strconv.FormatInt(sub.ID, 10) || rows[1][1] != `'=HYPERLINK("x")` || rows[1][4] != "product/"+strconv.FormatInt(w.ProductA.ID, 10) {
			t.Fatalf("first row %q", rows[1])
		}
		java := javaClient{t: t, base: e.base, token: w.VendorA.Token}
		java.get(path, "apiVersion=20221124", "SubscriptionDetailDTO")
		if keys := java.send(http.MethodGet, path, "apiVersion=latest", "").errorHolders(t, http.StatusBadRequest); keys[0] != "apiVersion" {
			t.Fatalf("keys %v", keys)
		}
	})
}
