package api

import (
	"encoding/json"
	"testing"
)

// TestNonNull: the response transformer turns nil slices and maps into
// empty ones, at any depth, and leaves omitempty fields, []byte and the
// top-level value it was given alone.
func TestNonNull(t *testing.T) {
	type inner struct {
		Tags []string          `json:"tags"`
		Meta map[string]string `json:"meta"`
	}
	type body struct {
		Items    []inner  `json:"items"`
		Ptr      *inner   `json:"ptr"`
		Optional []string `json:"optional,omitempty"`
		Raw      []byte   `json:"raw"`
		Null     []int    `json:"null" nullable:"true"`
	}
	in := body{Items: []inner{{}}, Ptr: &inner{}}
	got, err := nonNull(nil, "200", in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"items":[{"tags":[],"meta":{}}],"ptr":{"tags":[],"meta":{}},"raw":null,"null":null}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
	if in.Raw != nil || in.Null != nil {
		t.Fatal("the caller's value changed")
	}
	list, _ := nonNull(nil, "200", []inner(nil))
	if b, _ := json.Marshal(list); string(b) != "[]" {
		t.Fatalf("nil list: %s", b)
	}
}

// BenchmarkNonNull is the transformer's cost on a full page of
// subscriptions (200 items, each with a configuration map).
func BenchmarkNonNull(b *testing.B) {
	page := List[Subscription]{Items: make([]Subscription, 200)}
	for i := range page.Items {
		page.Items[i].Configuration = map[string]any{"subdomain": "acme"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nonNull(nil, "200", page); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNonNullConcurrent: responses of a type never seen before, encoded by
// many requests at once, each get a complete plan (the race detector, in
// .ci/run, once caught one goroutine reading a plan another was building).
func TestNonNullConcurrent(t *testing.T) {
	type leaf struct {
		Tags []string `json:"tags"`
	}
	type node struct {
		Leaves []leaf          `json:"leaves"`
		Next   *node           `json:"next"`
		Meta   map[string]int  `json:"meta"`
		Pairs  map[string]leaf `json:"pairs"`
	}
	const workers = 16
	results := make(chan string, workers)
	start := make(chan struct{})
	for range workers {
		go func() {
			<-start
			got, err := nonNull(nil, "200", node{Leaves: []leaf{{}}, Next: &node{}})
			if err != nil {
				results <- err.Error()
				return
			}
			b, _ := json.Marshal(got)
			results <- string(b)
		}()
	}
	close(start)
	want := `{"leaves":[{"tags":[]}],"next":{"leaves":[],"next":null,"meta":{},"pairs":{}},"meta":{},"pairs":{}}`
	for range workers {
		if got := <-results; got != want {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	}
}
