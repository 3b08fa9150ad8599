package vendorapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
)

// testdata/mercato.json holds the exact requests this client sent to
// Mercato's real /api/ handler and the exact answers it got, recorded by
// the main module's TestVendorAPIClient (internal/api/cloudesire), which
// also fails when the handler's answers drift from the file. This module
// cannot import Mercato's internal packages; it replays the file instead.

type exchange struct {
	Call     string `json:"call"`
	Request  record `json:"request"`
	Response record `json:"response"`
}

type record struct {
	Method string            `json:"method,omitempty"`
	Path   string            `json:"path,omitempty"`
	Status int               `json:"status,omitempty"`
	Header map[string]string `json:"header"`
	Body   string            `json:"body"`
}

// transportHeaders are set by net/http's transport, not by the client.
var transportHeaders = map[string]bool{"Accept-Encoding": true, "Content-Length": true, "Connection": true}

// replay is a loopback server that answers each request with the answer
// recorded for exactly that request (method, path and query, every header
// the client set, body), each recorded exchange once, in any order. A
// request that was not recorded is answered 599 and listed in misses.
type replay struct {
	*httptest.Server
	mu     sync.Mutex
	all    []exchange
	used   []bool
	misses []string
	calls  []string // the recorded calls answered, in order
}

func loadRecording() []exchange {
	data, err := os.ReadFile("testdata/mercato.json")
	if err != nil {
		panic(err)
	}
	var all []exchange
	if err := json.Unmarshal(data, &all); err != nil {
		panic(err)
	}
	return all
}

func newReplay() *replay {
	rp := &replay{all: loadRecording()}
	rp.used = make([]bool, len(rp.all))
	rp.Server = httptest.NewServer(http.HandlerFunc(rp.serve))
	return rp
}

func (rp *replay) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sent := map[string]string{}
	for k := range r.Header {
		if !transportHeaders[k] {
			sent[k] = strings.Join(r.Header.Values(k), ", ")
		}
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	for i, ex := range rp.all {
		if rp.used[i] || ex.Request.Method != r.Method || ex.Request.Path != r.URL.RequestURI() || ex.Request.Body != string(body) || !sameHeaders(ex.Request.Header, sent) {
			continue
		}
		rp.used[i] = true
		rp.calls = append(rp.calls, ex.Call)
		for k, v := range ex.Response.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(ex.Response.Status)
		_, _ = io.WriteString(w, ex.Response.Body)
		return
	}
	rp.misses = append(rp.misses, fmt.Sprintf("%s %s headers %v body %q", r.Method, r.URL.RequestURI(), sortedHeaders(sent), body))
	w.WriteHeader(599)
}

func sameHeaders(want, got map[string]string) bool {
	if len(want) != len(got) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func sortedHeaders(h map[string]string) []string {
	var out []string
	for k, v := range h {
		out = append(out, k+": "+v)
	}
	sort.Strings(out)
	return out
}

// unused lists the recorded calls no request asked for.
func (rp *replay) unused() []string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var out []string
	for i, ex := range rp.all {
		if !rp.used[i] {
			out = append(out, ex.Call)
		}
	}
	return out
}
