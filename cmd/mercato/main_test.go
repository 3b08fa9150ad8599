package main_test

// End-to-end tests of the real binary: TestMain builds it once, and every
// test runs it as a subprocess, talking to it over HTTP as a user would.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// binary is the mercato executable TestMain built.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mercato-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "mercato")
	build := exec.Command("go", slices.Concat([]string{"build"}, raceFlags, []string{"-o", binary, "."})...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build mercato: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// environ is the test process's environment without any MERCATO_*
// variable, so that the caller's settings never leak into a test, plus
// extra.
func environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MERCATO_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// run runs the binary to completion and returns its exit code and output.
func run(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("mercato %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, out, errOut := run(t, environ(), "version")
	if code != 0 || !strings.HasPrefix(out, "mercato ") {
		t.Fatalf("version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestMigrate(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	for i := range 2 { // the second run has nothing to apply
		code, out, errOut := run(t, environ(), "migrate", "--database-url", db)
		if code != 0 || !strings.Contains(out, "migrations applied") {
			t.Fatalf("migrate run %d: exit %d, stdout %q, stderr %q", i+1, code, out, errOut)
		}
	}
	if code, _, errOut := run(t, environ(), "migrate", "--no-such-flag"); code != 2 {
		t.Fatalf("unknown flag: exit %d, want 2; stderr %q", code, errOut)
	}
	if code, _, errOut := run(t, environ(), "no-such-command"); code != 2 {
		t.Fatalf("unknown command: exit %d, want 2; stderr %q", code, errOut)
	}
}

func TestServeDemoSQLite(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "d.db")
	serveDemo(t, []string{"--database-url", db, "--metrics-addr", freeAddr(t)}, nil)
}

func TestServeDemoPostgres(t *testing.T) {
	serveDemo(t, nil, []string{"MERCATO_DATABASE_URL=" + storetest.PostgresSchema(t)})
}

// productTypes are the product types the demo has one published product of.
var productTypes = []string{"saas", "microsoft_csp", "azure_plan", "azure_marketplace_vm", "arm_template", "service"}

// serveDemo runs the whole demo flow against `mercato serve --demo` with the
// given extra arguments and environment.
func serveDemo(t *testing.T, args, env []string) {
	bootstrap := "e2e-bootstrap-" + randomHex(t)
	env = append(env, "MERCATO_BOOTSTRAP_TOKEN="+bootstrap)

	s := start(t, args, env)
	s.waitReady(t)
	s.get(t, "/healthz", "", http.StatusOK)
	// Prometheus metrics, with the routes the requests so far took: on a
	// listener of their own with --metrics-addr (and not on the API's),
	// else on the API's for platform tokens only.
	var metrics string
	if i := slices.Index(args, "--metrics-addr"); i >= 0 {
		s.get(t, "/metrics", bootstrap, http.StatusNotFound)
		res, err := s.client.Get("http://" + args[i+1] + "/metrics")
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("metrics listener: %v %v", err, res)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		metrics = string(b)
	} else {
		s.get(t, "/metrics", "", http.StatusUnauthorized)
		s.get(t, "/metrics", "mct_demo_customer_adatum", http.StatusForbidden)
		metrics = string(s.get(t, "/metrics", bootstrap, http.StatusOK))
	}
	for _, want := range []string{`mercato_http_requests_total{method="GET",route="GET /healthz",status="200"}`, "mercato_webhook_queue_depth", "go_goroutines"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The bootstrap token acts as the platform admin.
	var me struct {
		ID             int64  `json:"id"`
		OrganizationID int64  `json:"organization_id"`
		Email          string `json:"email"`
		Role           string `json:"role"`
	}
	s.getJSON(t, "/api/v1/me", bootstrap, &me)
	var org struct {
		Kind string `json:"kind"`
	}
	s.getJSON(t, fmt.Sprintf("/api/v1/organizations/%d", me.OrganizationID), bootstrap, &org)
	if org.Kind != "platform" || me.Role != "admin" {
		t.Fatalf("bootstrap token acts as a %s of a %s organization, want an admin of the platform", me.Role, org.Kind)
	}
	s.get(t, "/api/v1/me", "not-a-token", http.StatusUnauthorized)

	// Every printed demo token authenticates as the user printed next to it.
	logins := s.demoLogins(t)
	for email, token := range logins {
		s.getJSON(t, "/api/v1/me", token, &me)
		if me.Email != email {
			t.Errorf("token %s acts as %s, printed for %s", token, me.Email, email)
		}
	}
	customer := logins["it@adatum.example"]
	if customer == "" {
		t.Fatalf("no demo customer login printed for it@adatum.example: %v", logins)
	}

	// One published product of every type; the SaaS one is Contoso CRM.
	var saas product
	for _, typ := range productTypes {
		var list struct{ Items []product }
		s.getJSON(t, "/api/v1/products?type="+typ, customer, &list)
		if len(list.Items) != 1 || !list.Items[0].Published || list.Items[0].Type != typ {
			t.Errorf("products of type %s: %+v, want one published", typ, list.Items)
			continue
		}
		if typ == "saas" {
			saas = list.Items[0]
		}
	}
	if saas.Name != "Contoso CRM" {
		t.Fatalf("the demo SaaS product is %q, want Contoso CRM", saas.Name)
	}

	// The demo customer's subscriptions were carried to DEPLOYED: the
	// first order, the Team seats whose price waits for the renewal and
	// the Business seats with a downgrade scheduled.
	var subs struct {
		Items []struct {
			ID               int64  `json:"id"`
			DeploymentStatus string `json:"deployment_status"`
		} `json:"items"`
	}
	s.getJSON(t, "/api/v1/subscriptions", customer, &subs)
	deployed := 0
	for _, sub := range subs.Items {
		if sub.DeploymentStatus == "DEPLOYED" {
			deployed++
		}
	}
	if deployed != 3 {
		t.Fatalf("demo customer's subscriptions %+v: want three DEPLOYED", subs.Items)
	}

	// The customer orders the SaaS product, filling in the configuration it
	// requires, and gets a subscription.
	var plans struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	s.getJSON(t, fmt.Sprintf("/api/v1/products/%d/plans", saas.ID), customer, &plans)
	if len(plans.Items) == 0 {
		t.Fatalf("product %d has no plans", saas.ID)
	}
	config := map[string]any{}
	for _, p := range saas.Parameters {
		if p.Required {
			config[p.Name] = "e2etest"
		}
	}
	if _, ok := config["company_subdomain"]; !ok {
		t.Fatalf("Contoso CRM's parameters %+v do not require company_subdomain", saas.Parameters)
	}
	orderBody, _ := json.Marshal(map[string]any{"plan_id": plans.Items[0].ID, "quantity": 2, "configuration": config})
	raw := s.do(t, http.MethodPost, "/api/v1/orders", customer, orderBody, http.StatusCreated)
	var order struct {
		SubscriptionID int64 `json:"subscription_id"`
	}
	if err := json.Unmarshal(raw, &order); err != nil || order.SubscriptionID == 0 {
		t.Fatalf("order answer without subscription_id (%v): %s", err, raw)
	}
	s.get(t, fmt.Sprintf("/api/v1/subscriptions/%d", order.SubscriptionID), customer, http.StatusOK)
	orgs := s.countOrganizations(t, bootstrap)

	// SIGTERM shuts the server down gracefully.
	s.stop(t)

	// A second start on the same database keeps the demo data as it is.
	s2 := start(t, args, env)
	s2.waitReady(t)
	if n := s2.countOrganizations(t, bootstrap); n != orgs {
		t.Fatalf("after a restart there are %d organizations, were %d", n, orgs)
	}
	for _, typ := range productTypes {
		var list struct{ Items []product }
		s2.getJSON(t, "/api/v1/products?type="+typ, customer, &list)
		if len(list.Items) != 1 {
			t.Errorf("after a restart there are %d products of type %s, want 1", len(list.Items), typ)
		}
	}
	s2.getJSON(t, "/api/v1/me", logins["it@adatum.example"], &me)
	s2.stop(t)
}

type product struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Published  bool   `json:"published"`
	Parameters []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"parameters"`
}

func randomHex(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// syncBuffer collects a subprocess's output while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `mercato serve --demo`.
type server struct {
	cmd            *exec.Cmd
	base           string
	stdout, stderr *syncBuffer
	exited         chan struct{} // closed when the process has exited
	waitErr        error         // valid once exited is closed
	client         *http.Client
}

// start runs `mercato serve --demo` on a free loopback port; the process is
// killed when the test ends unless it has exited.
func start(t *testing.T, args, env []string) *server {
	t.Helper()
	addr := freeAddr(t)
	return startProcess(t, addr, append([]string{"serve", "--demo", "--addr", addr}, args...), env)
}

// startProcess runs the binary with argv; addr is where it will listen. The
// process is killed when the test ends unless it has exited.
func startProcess(t *testing.T, addr string, argv, env []string) *server {
	t.Helper()
	s := &server{base: "http://" + addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second}}
	s.cmd = exec.Command(binary, argv...)
	s.cmd.Env = environ(env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start mercato %s: %v", argv[0], err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		s.client.CloseIdleConnections()
		if t.Failed() {
			t.Logf("mercato serve stdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		}
	})
	return s
}

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitFor polls cond until it holds, failing the test when the process
// exits or the deadline passes first.
func (s *server) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// A guard against a hang, not a performance bound: under the race
	// detector, with other packages' tests beside it on two cores, a
	// restarted serve took 17 s to start and over a minute to send the
	// mail a killed one left queued.
	deadline := time.Now().Add(3 * time.Minute)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-s.exited:
			t.Fatalf("mercato serve exited (%v) before %s; stderr:\n%s", s.waitErr, what, s.stderr)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitReady waits until /readyz answers 200.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	s.waitFor(t, "/readyz to answer 200", func() bool {
		res, err := s.client.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// demoLogins returns the demo tokens the server printed, by user email.
func (s *server) demoLogins(t *testing.T) map[string]string {
	t.Helper()
	logins := map[string]string{}
	parse := func() bool {
		clear(logins)
		for line := range strings.Lines(s.stdout.String()) {
			f := strings.Fields(line)
			if len(f) >= 2 && strings.HasPrefix(f[len(f)-1], "mct_demo_") {
				logins[f[len(f)-2]] = f[len(f)-1]
			}
		}
		return len(logins) >= 6 // the platform admin and five demo users
	}
	// The table is printed before the server listens; its bytes may still be
	// on their way through the pipe.
	s.waitFor(t, "the demo logins on stdout", parse)
	return logins
}

// do sends a request and fails the test unless the answer has status want.
func (s *server) do(t *testing.T, method, path, token string, body []byte, want int) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	return raw
}

func (s *server) get(t *testing.T, path, token string, want int) []byte {
	t.Helper()
	return s.do(t, http.MethodGet, path, token, nil, want)
}

func (s *server) getJSON(t *testing.T, path, token string, v any) {
	t.Helper()
	raw := s.get(t, path, token, http.StatusOK)
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, raw)
	}
}

// countOrganizations counts every organization the platform admin sees.
func (s *server) countOrganizations(t *testing.T, adminToken string) int {
	t.Helper()
	n := 0
	path := "/api/v1/organizations?limit=200"
	for {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		s.getJSON(t, path, adminToken, &page)
		n += len(page.Items)
		if page.NextCursor == nil {
			return n
		}
		path = "/api/v1/organizations?limit=200&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

// stop sends SIGTERM and expects a prompt exit with status 0.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.client.CloseIdleConnections()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		// Ask the Go runtime for its goroutines, to show what hangs.
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
		}
		t.Fatalf("mercato serve still running 15s after SIGTERM; stderr:\n%s", s.stderr)
	}
	if s.waitErr != nil {
		t.Fatalf("mercato serve after SIGTERM: %v; stderr:\n%s", s.waitErr, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "shutting down") {
		t.Errorf("no graceful shutdown logged; stderr:\n%s", s.stderr)
	}
}
