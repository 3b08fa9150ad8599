// Package mailpit runs Mailpit (github.com/axllent/mailpit), a real SMTP
// server that keeps what it receives, for tests: each test starts its own
// on free loopback ports with its database in the test's temporary
// directory, and reads what arrived through Mailpit's HTTP API
// (/api/v1/messages, /api/v1/message/{ID}). Without the mailpit binary
// (`go install github.com/axllent/mailpit@v1.33.1`, as .ci/run does) a
// test skips, saying why, except under CI=true, where it fails.
//
// Like storetest, it does not import testing: its helpers take a TB.
package mailpit

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// Version is the Mailpit release the tests and CI run.
const Version = "v1.33.1"

// TB is what the helpers need of a test: storetest's, which testing.TB
// satisfies.
type TB = storetest.TB

// Server is a running Mailpit.
type Server struct {
	SMTPAddr string // HOST:PORT of its SMTP server
	APIURL   string // http://HOST:PORT of its web UI and API
	bin      string
	args     []string
	log      string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Binary finds the mailpit binary: on PATH, else in GOPATH/bin (where go
// install puts it).
func Binary() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(filepath.SplitList(gopath)[0], "bin", "mailpit")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("mailpit is not on PATH nor in %s", filepath.Dir(p))
	}
	return p, nil
}

// Start starts a Mailpit with extra flags (e.g. --smtp-allowed-recipients)
// and stops it when the test ends.
func Start(t TB, extra ...string) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Mailpit is required under CI: %v (go install github.com/axllent/mailpit@%s)", err, Version)
		}
		t.Skipf("%v: go install github.com/axllent/mailpit@%s to run this test; CI runs it", err, Version)
	}
	dir := t.TempDir()
	s := &Server{SMTPAddr: freeAddr(t), bin: bin, log: filepath.Join(dir, "mailpit.log")}
	api := freeAddr(t)
	s.APIURL = "http://" + api
	s.args = append([]string{"--smtp", s.SMTPAddr, "--listen", api, "--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check", "--quiet", "--smtp-disable-rdns", "--max", "100000"}, extra...)
	t.Cleanup(s.Stop)
	s.Restart(t)
	return s
}

func freeAddr(t TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Restart starts a stopped server again on the same ports and database
// (what it received before is still there), and waits until it answers.
func (s *Server) Restart(t TB) {
	t.Helper()
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(s.bin, s.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(s.APIURL + "/readyz")
		if err == nil {
			res.Body.Close()
			if c, err := net.DialTimeout("tcp", s.SMTPAddr, time.Second); err == nil {
				c.Close()
				if res.StatusCode == http.StatusOK {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.log)
			t.Fatalf("mailpit did not start on %s: %v\n%s", s.SMTPAddr, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server (it stands for an SMTP server that went away)
// and waits until it has exited.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// Address is a mailbox as Mailpit lists it.
type Address struct {
	Name    string
	Address string
}

// Summary is a received message as the list shows it.
type Summary struct {
	ID          string // Mailpit's id, for Message
	MessageID   string // the Message-ID header, without angle brackets
	From        Address
	To          []Address
	Subject     string
	Attachments int
}

// Attachment is a part of a received message.
type Attachment struct {
	PartID      string
	FileName    string
	ContentType string
	Size        int
}

// Message is a received message with its parts.
type Message struct {
	ID          string
	MessageID   string
	From        Address
	To          []Address
	Subject     string
	Text        string
	HTML        string
	Attachments []Attachment
}

// Messages lists everything received, newest first.
func (s *Server) Messages(t TB) []Summary {
	t.Helper()
	var out []Summary
	for start := 0; ; {
		var page struct {
			Total    int
			Messages []Summary
		}
		s.getJSON(t, "/api/v1/messages?limit=500&start="+strconv.Itoa(start), &page)
		out = append(out, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.Total {
			return out
		}
	}
}

// Message reads one received message by Mailpit's id.
func (s *Server) Message(t TB, id string) Message {
	t.Helper()
	var m Message
	s.getJSON(t, "/api/v1/message/"+url.PathEscape(id), &m)
	return m
}

// Headers reads the headers of a received message.
func (s *Server) Headers(t TB, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	s.getJSON(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &h)
	return h
}

// Part reads an attachment of a received message.
func (s *Server) Part(t TB, id, partID string) []byte {
	t.Helper()
	return s.get(t, "/api/v1/message/"+url.PathEscape(id)+"/part/"+url.PathEscape(partID))
}

// WaitFor waits up to timeout until at least n messages arrived and
// returns them.
func (s *Server) WaitFor(t TB, n int, timeout time.Duration) []Summary {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.Messages(t)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages arrived at Mailpit within %s, want %d", len(got), timeout, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) getJSON(t TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(s.get(t, path), v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

func (s *Server) get(t TB, path string) []byte {
	t.Helper()
	res, err := http.Get(s.APIURL + path)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %d %v\n%s", path, res.StatusCode, err, b)
	}
	return b
}
