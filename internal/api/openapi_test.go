package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
)

// openAPIDoc is the served document, decoded loosely.
type openAPIDoc struct {
	Info struct {
		Contact *struct {
			URL string `json:"url"`
		} `json:"contact"`
	} `json:"info"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Tags []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tags"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type docOperation struct {
	OperationID string   `json:"operationId"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Responses   map[string]struct {
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

func fetchOpenAPI(t *testing.T, e *env) openAPIDoc {
	t.Helper()
	r := e.call("GET", "/openapi.json", "", nil).must(t, http.StatusOK)
	var doc openAPIDoc
	if err := json.Unmarshal(r.raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// operations returns the document's operations by "METHOD path".
func (d openAPIDoc) operations(t *testing.T) map[string]docOperation {
	t.Helper()
	ops := map[string]docOperation{}
	for path, item := range d.Paths {
		for method, raw := range item {
			var op docOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPIDescribesEveryOperation: every operation says what it does and
// is tagged with a tag the document defines and describes.
func TestOpenAPIDescribesEveryOperation(t *testing.T) {
	doc := fetchOpenAPI(t, newEnv(t, store.SQLite))
	if doc.Info.Contact == nil || doc.Info.Contact.URL == "" {
		t.Error("info.contact is missing")
	}
	if len(doc.Servers) == 0 {
		t.Error("servers is missing")
	}
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		if tg.Description == "" {
			t.Errorf("tag %s has no description", tg.Name)
		}
		tags[tg.Name] = true
	}
	used := map[string]bool{}
	for key, op := range doc.operations(t) {
		if len(strings.TrimSpace(op.Description)) < 20 {
			t.Errorf("%s (%s) has no description", key, op.OperationID)
		}
		if len(op.Tags) == 0 {
			t.Errorf("%s has no tag", key)
		}
		for _, tg := range op.Tags {
			used[tg] = true
			if !tags[tg] {
				t.Errorf("%s: tag %q is not defined at the top level", key, tg)
			}
		}
	}
	for tg := range tags {
		if !used[tg] {
			t.Errorf("tag %q is defined but no operation uses it", tg)
		}
	}
}

// TestOpenAPIListsNotNullable walks every response schema, through its
// references, and fails on an array that may be null: lists answer [].
func TestOpenAPIListsNotNullable(t *testing.T) {
	doc := fetchOpenAPI(t, newEnv(t, store.SQLite))
	seen := map[string]bool{}
	var problems []string
	var walk func(where string, raw json.RawMessage)
	walk = func(where string, raw json.RawMessage) {
		var node any
		if err := json.Unmarshal(raw, &node); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		var visit func(where string, n any)
		visit = func(where string, n any) {
			switch n := n.(type) {
			case map[string]any:
				if ref, ok := n["$ref"].(string); ok {
					name := strings.TrimPrefix(ref, "#/components/schemas/")
					if !seen[name] {
						seen[name] = true
						s, ok := doc.Components.Schemas[name]
						if !ok {
							t.Fatalf("%s: unresolved %s", where, ref)
						}
						walk(name, s)
					}
				}
				if types, ok := n["type"].([]any); ok {
					var array, null bool
					for _, ty := range types {
						array = array || ty == "array"
						null = null || ty == "null"
					}
					if array && null {
						problems = append(problems, where)
					}
				}
				if n["nullable"] == true && n["type"] == "array" {
					problems = append(problems, where)
				}
				for k, v := range n {
					visit(where+"."+k, v)
				}
			case []any:
				for i, v := range n {
					visit(fmt.Sprintf("%s[%d]", where, i), v)
				}
			}
		}
		visit(where, node)
	}
	responses := 0
	for key, op := range doc.operations(t) {
		for status, res := range op.Responses {
			for ct, mt := range res.Content {
				if len(mt.Schema) > 0 {
					responses++
					walk(key+" "+status+" "+ct, mt.Schema)
				}
			}
		}
	}
	if responses < 70 {
		t.Fatalf("only %d response schemas found", responses)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Errorf("nullable array in a response: %s", p)
	}
}

// TestEmptyListsAreArrays: an empty list, and a product without
// parameters or metadata, answer [] and {}, never null.
func TestEmptyListsAreArrays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, path := range []string{"/api/v1/webhook-endpoints", "/api/v1/notifications", "/api/v1/events?entity_id=999999",
			"/api/v1/subscriptions?product_id=999999", fmt.Sprintf("/api/v1/organizations/%d/prices", e.w.C1.Org.ID)} {
			r := e.call("GET", path, e.w.C1.Token, nil).must(t, http.StatusOK)
			if !strings.Contains(string(r.raw), `"items":[]`) {
				t.Errorf("GET %s: %s, want items []", path, r.raw)
			}
		}
		r := e.call("GET", "/api/v1/earnings?period=2001-01", e.w.C1.Token, nil).must(t, http.StatusOK)
		if strings.TrimSpace(string(r.raw)) != "[]" {
			t.Errorf("earnings of an empty month: %s, want []", r.raw)
		}
		p := e.call("POST", "/api/v1/products", e.w.VendorA.Token, map[string]any{"name": "Bare", "type": "service"}).must(t, http.StatusCreated)
		for _, want := range []string{`"parameters":[]`, `"metadata":{}`} {
			if !strings.Contains(string(p.raw), want) {
				t.Errorf("created product %s lacks %s", p.raw, want)
			}
		}
		got := e.call("GET", fmt.Sprintf("/api/v1/products/%d", p.id()), e.w.VendorA.Token, nil).must(t, http.StatusOK)
		if strings.Contains(string(got.raw), "null") {
			t.Errorf("product with nulls: %s", got.raw)
		}
	})
}
