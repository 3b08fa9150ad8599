package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// wrongValue returns a JSON value of the wrong type for a schema.
func wrongValue(s *huma.Schema) any {
	switch s.Type {
	case "string":
		return 12345
	case "integer", "number":
		return "not a number"
	case "boolean":
		return "yes"
	case "array":
		return "not a list"
	}
	return "not an object" // objects and $refs to them
}

// TestBadInput sends malformed, unknown, mistyped, oversized and negative
// input to every operation that takes a body, as the platform admin (who may
// do anything), and checks that each gets a 4xx problem and writes nothing.
func TestBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		doc := e.server.OpenAPI()
		schemas := doc.Components.Schemas.Map()
		concrete := regexp.MustCompile(`\{[a-z_]+\}`)
		type target struct{ method, path, id string }
		var targets []target
		for path, item := range doc.Paths {
			for method, op := range map[string]*huma.Operation{"POST": item.Post, "PUT": item.Put, "PATCH": item.Patch} {
				if op != nil && op.RequestBody != nil {
					// Real ids, so that only the body can be at fault.
					p := concrete.ReplaceAllStringFunc(path, func(string) string { return fmt.Sprint(e.w.PlanA.ID) })
					targets = append(targets, target{method, p, op.OperationID})
					_ = op
				}
			}
		}
		sort.Slice(targets, func(i, j int) bool { return targets[i].id < targets[j].id })
		if len(targets) < 8 {
			t.Fatalf("only %d operations with a body", len(targets))
		}
		for _, tg := range targets {
			op := findOp(doc, tg.id)
			ref := op.RequestBody.Content["application/json"].Schema.Ref
			schema := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
			if schema == nil {
				t.Fatalf("%s: no schema for %q", tg.id, ref)
			}
			// Larger than any operation takes (an ARM template upload takes
			// the most: 4 MiB and its mapping).
			oversized := `{"name":"` + strings.Repeat("x", 5<<20) + `"}`
			cases := map[string]struct {
				body   any
				status int
			}{
				"malformed JSON":   {`{"name": "x", `, http.StatusBadRequest},
				"not an object":    {`[1, 2, 3]`, http.StatusUnprocessableEntity},
				"unknown property": {map[string]any{"no_such_field_at_all": true}, http.StatusUnprocessableEntity},
				"oversized":        {oversized, http.StatusRequestEntityTooLarge},
			}
			for name, prop := range schema.Properties {
				cases["wrong type of "+name] = struct {
					body   any
					status int
				}{map[string]any{name: wrongValue(prop)}, http.StatusUnprocessableEntity}
				if prop.Type == "integer" && prop.Minimum != nil && *prop.Minimum >= 0 {
					cases["negative "+name] = struct {
						body   any
						status int
					}{map[string]any{name: -5}, http.StatusUnprocessableEntity}
				}
			}
			for name, c := range cases {
				t.Run(tg.id+"/"+name, func(t *testing.T) {
					before := storetest.Counts(t, e.st)
					r := e.call(tg.method, tg.path, e.w.Platform.Token, c.body)
					if r.status != c.status {
						t.Fatalf("%s %s: status %d, want %d: %.300s", tg.method, tg.path, r.status, c.status, r.raw)
					}
					r.isProblem(t)
					if after := storetest.Counts(t, e.st); fmt.Sprint(before) != fmt.Sprint(after) {
						t.Fatalf("rows changed: %v -> %v", before, after)
					}
				})
			}
		}
	})
}

func findOp(doc *huma.OpenAPI, id string) *huma.Operation {
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op != nil && op.OperationID == id {
				return op
			}
		}
	}
	return nil
}

// TestBadIDs checks path and query input: ids that are not numbers,
// negative, or unknown, and cursors this API never issued.
func TestBadIDs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		tok := e.w.Platform.Token
		for _, c := range []struct {
			path   string
			status int
		}{
			{"/api/v1/subscriptions/abc", http.StatusUnprocessableEntity},
			{"/api/v1/subscriptions/-1", http.StatusUnprocessableEntity},
			{"/api/v1/subscriptions/999999", http.StatusNotFound},
			{"/api/v1/products/1%27%20OR%201=1", http.StatusUnprocessableEntity},
			{"/api/v1/organizations?cursor=%27%3B%20DROP%20TABLE%20organizations", http.StatusUnprocessableEntity},
			{"/api/v1/organizations?limit=100000", http.StatusUnprocessableEntity},
			{"/api/v1/products?type=spaceship", http.StatusUnprocessableEntity},
			{"/api/v1/nowhere", http.StatusNotFound},
		} {
			r := e.call("GET", c.path, tok, nil)
			if r.status != c.status {
				t.Errorf("GET %s: %d, want %d: %s", c.path, r.status, c.status, r.raw)
				continue
			}
			r.isProblem(t)
		}
	})
}

// TestInjectionIsData stores hostile strings as plain data.
func TestInjectionIsData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, name := range []string{
			`Robert'); DROP TABLE organizations;--`,
			`" OR 1=1 --`,
			`<script>alert(1)</script>`,
			"nul\u0000byte",
			`$1 $2 %s %d`,
		} {
			r := e.call("POST", "/api/v1/organizations", e.w.Platform.Token, map[string]any{"kind": "customer", "name": name})
			if r.status == http.StatusCreated {
				got := e.call("GET", fmt.Sprintf("/api/v1/organizations/%d", r.id()), e.w.Platform.Token, nil).must(t, http.StatusOK)
				if got.str("name") != name {
					t.Fatalf("stored %q as %q", name, got.str("name"))
				}
				continue
			}
			// Refusing a string (PostgreSQL text cannot hold NUL) is fine, failing is not.
			if r.status >= 500 {
				t.Fatalf("%q: %d %s", name, r.status, r.raw)
			}
			r.isProblem(t)
		}
		storetest.Counts(t, e.st) // every table is still there
	})
}
