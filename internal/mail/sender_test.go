package mail_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

var ctx = context.Background()

const host = "market.example.com"

// outbox is a store with messages queued in it and a sender over it.
type outbox struct {
	t   *testing.T
	st  *store.Store
	log *bytes.Buffer
}

func newOutbox(t *testing.T, st *store.Store) *outbox {
	st.Now = storetest.Clock(storetest.Epoch)
	return &outbox{t: t, st: st, log: &bytes.Buffer{}}
}

// platform is the operator's principal.
func (o *outbox) platform() mercato.Principal {
	o.t.Helper()
	p, err := o.st.Bootstrap(ctx, "")
	if err != nil {
		o.t.Fatal(err)
	}
	return p
}

// at moves the store's clock to Epoch+d.
func (o *outbox) at(d time.Duration) { o.st.Now = storetest.Clock(storetest.Epoch.Add(d)) }

// queue queues a message to each address, in one transaction.
func (o *outbox) queue(to ...string) []int64 {
	o.t.Helper()
	var ids []int64
	err := o.st.InTx(ctx, func(tx *store.Tx) error {
		for i, addr := range to {
			m := mail.Message{Key: fmt.Sprintf("test:%d:%s", i, addr), To: addr, ToName: "Ada Lovelace", Language: "en", Template: "test",
				Subject: "Hello " + addr, Text: "Plain text for " + addr, HTML: "<p>HTML for " + addr + "</p>",
				Attachments: []mail.Attachment{{Kind: "note", ID: int64(i + 1), Name: "note.txt"}}}
			if err := m.Validate(); err != nil {
				return err
			}
			if ok, err := tx.QueueMail(ctx, &m); err != nil || !ok {
				return fmt.Errorf("queue %s: %v %v", addr, ok, err)
			}
			ids = append(ids, m.ID)
		}
		return nil
	})
	if err != nil {
		o.t.Fatal(err)
	}
	return ids
}

// sender sends through t (nil: keeps) with a batch of n.
func (o *outbox) sender(t mail.Transport, n int) *mail.Sender {
	return mail.NewSender(o.st, t, slog.New(slog.NewTextHandler(o.log, nil)), mail.Config{Batch: n, Lease: time.Minute,
		Attach: func(_ context.Context, a mail.Attachment) (mail.File, error) {
			return mail.File{Name: a.Name, ContentType: "text/plain", Data: []byte(fmt.Sprintf("note %d", a.ID))}, nil
		}})
}

func (o *outbox) message(id int64) mail.Message {
	o.t.Helper()
	m, err := o.st.MailMessage(ctx, id)
	if err != nil {
		o.t.Fatal(err)
	}
	return m
}

func runOnce(t *testing.T, s *mail.Sender, want int) {
	t.Helper()
	n, err := s.RunOnce(ctx)
	if err != nil || n != want {
		t.Fatalf("RunOnce: %d messages, %v; want %d", n, err, want)
	}
}

func smtpTo(t *testing.T, mp *mailpit.Server, user, password string) *mail.SMTP {
	t.Helper()
	u := "smtp://" + mp.SMTPAddr + "?tls=none"
	if user != "" {
		u = "smtp://" + user + "@" + mp.SMTPAddr + "?tls=none"
	}
	return transport(t, u, password, nil)
}

func transport(t *testing.T, url, password string, roots *x509.CertPool) *mail.SMTP {
	t.Helper()
	srv, err := mail.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := mail.NewSMTP(mail.SMTPConfig{Server: srv, Password: password, From: "Mercato <noreply@" + host + ">", Host: host,
		Timeout: 5 * time.Second, RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// A queued message arrives at a real SMTP server with both parts, its
// rendered attachment and a Message-ID made of its row; the outbox
// records it sent.
func TestSendArrives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		mp := mailpit.Start(t)
		o := newOutbox(t, st)
		ids := o.queue("ada@example.org")
		runOnce(t, o.sender(smtpTo(t, mp, "", ""), 10), 1)
		got := mp.WaitFor(t, 1, 5*time.Second)
		if got[0].MessageID != mail.MessageID(ids[0], host) || got[0].Subject != "Hello ada@example.org" {
			t.Fatalf("arrived %+v, want Message-ID %s", got[0], mail.MessageID(ids[0], host))
		}
		m := mp.Message(t, got[0].ID)
		if m.From.Address != "noreply@"+host || len(m.To) != 1 || m.To[0].Address != "ada@example.org" || m.To[0].Name != "Ada Lovelace" ||
			!strings.Contains(m.Text, "Plain text for ada@example.org") || !strings.Contains(m.HTML, "<p>HTML for ada@example.org</p>") {
			t.Fatalf("message %+v", m)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].FileName != "note.txt" || string(mp.Part(t, m.ID, m.Attachments[0].PartID)) != "note 1" {
			t.Fatalf("attachments %+v", m.Attachments)
		}
		if h := mp.Headers(t, m.ID); h["Auto-Submitted"][0] != "auto-generated" || h["Content-Language"][0] != "en" {
			t.Fatalf("headers %v", h)
		}
		if row := o.message(ids[0]); row.Status != mail.Sent || row.Attempts != 1 || row.SentAt == nil || row.LastError != "" {
			t.Fatalf("outbox row %+v", row)
		}
		if !strings.Contains(o.log.String(), "mail sent") || !strings.Contains(o.log.String(), "to=ada@example.org template=test status=sent") {
			t.Fatalf("not logged:\n%s", o.log)
		}
		// Nothing is sent twice.
		runOnce(t, o.sender(smtpTo(t, mp, "", ""), 10), 0)
	})
}

// An SMTP server that goes away in the middle of the run delays the mail
// that was not sent yet, with a backoff that doubles; none is lost, and
// once the server is back every message arrives, each once.
func TestFailingServerDelaysNeverLoses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		mp := mailpit.Start(t)
		o := newOutbox(t, st)
		ids := o.queue("a@example.org", "b@example.org", "c@example.org", "d@example.org")
		s := o.sender(smtpTo(t, mp, "", ""), 2)
		runOnce(t, s, 2) // a and b arrive
		mp.Stop()
		runOnce(t, s, 2) // c and d fail
		for _, id := range ids[2:] {
			m := o.message(id)
			// The clock runs on from Epoch: the retry is 30 s after the failure.
			if d := m.NextAttemptAt.Sub(storetest.Epoch); m.Status != mail.Queued || m.Attempts != 1 || m.LastError == "" || d < 30*time.Second || d > 40*time.Second {
				t.Fatalf("after a failure: %+v", m)
			}
		}
		runOnce(t, s, 0) // not due before the backoff
		o.at(time.Minute)
		runOnce(t, s, 2) // fails again: the next wait doubles
		for _, id := range ids[2:] {
			if m := o.message(id); m.Attempts != 2 || m.NextAttemptAt.Sub(storetest.Epoch) < time.Minute+59*time.Second {
				t.Fatalf("after a second failure: attempts %d, next at %s", m.Attempts, m.NextAttemptAt)
			}
		}
		mp.Restart(t)
		o.at(5 * time.Minute)
		runOnce(t, s, 2)
		got := mp.WaitFor(t, 4, 5*time.Second)
		seen := map[string]int{}
		for _, g := range got {
			seen[g.MessageID]++
		}
		for _, id := range ids {
			if seen[mail.MessageID(id, host)] != 1 {
				t.Errorf("message %d arrived %d times", id, seen[mail.MessageID(id, host)])
			}
			if m := o.message(id); m.Status != mail.Sent {
				t.Errorf("message %d: %s", id, m.Status)
			}
		}
		if !strings.Contains(o.log.String(), "mail not sent: will retry") {
			t.Fatalf("failures not logged:\n%s", o.log)
		}
	})
}

// A recipient the server refuses for good (550 to RCPT TO) is marked
// refused and not tried again; the others are sent.
func TestRefusedRecipient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		mp := mailpit.Start(t, "--smtp-allowed-recipients", `@example\.org$`)
		o := newOutbox(t, st)
		operator := o.platform()
		ids := o.queue("nobody@refused.example", "ada@example.org")
		s := o.sender(smtpTo(t, mp, "", ""), 10)
		runOnce(t, s, 2)
		if m := o.message(ids[0]); m.Status != mail.Refused || m.Attempts != 1 || !strings.Contains(m.LastError, "550") {
			t.Fatalf("refused recipient: %+v", m)
		}
		if m := o.message(ids[1]); m.Status != mail.Sent {
			t.Fatalf("other recipient: %+v", m)
		}
		o.at(24 * time.Hour)
		runOnce(t, s, 0)
		if got := mp.Messages(t); len(got) != 1 {
			t.Fatalf("%d messages arrived, want 1", len(got))
		}
		if !strings.Contains(o.log.String(), "mail refused by the SMTP server") {
			t.Fatalf("refusal not logged:\n%s", o.log)
		}
		// The operator is told, once.
		notes, err := st.ListNotifications(ctx, operator)
		if err != nil || len(notes) != 1 || notes[0].Kind != "mail_refused" || !strings.Contains(notes[0].Message, "nobody@refused.example") {
			t.Fatalf("operator's notifications: %+v %v", notes, err)
		}
	})
}

// SMTP AUTH over STARTTLS (required) with the password from the
// environment: the right one sends, a wrong one fails (and is retried,
// not refused); smtps:// speaks TLS from the start.
func TestTLSAndAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := t.TempDir()
		roots := selfSigned(t, dir)
		writeFile(t, dir+"/auth", "mercato:s3cret\n")
		tlsFlags := []string{"--smtp-tls-cert", dir + "/cert.pem", "--smtp-tls-key", dir + "/key.pem"}
		mp := mailpit.Start(t, append(tlsFlags, "--smtp-auth-file", dir+"/auth", "--smtp-require-starttls")...)
		o := newOutbox(t, st)
		ids := o.queue("ada@example.org")
		starttls := "smtp://mercato@" + mp.SMTPAddr + "?tls=required"
		runOnce(t, o.sender(transport(t, starttls, "wrong", roots), 10), 1)
		if m := o.message(ids[0]); m.Status != mail.Queued || m.Attempts != 1 || !strings.Contains(m.LastError, "535") {
			t.Fatalf("wrong password: %+v", m)
		}
		o.at(time.Hour)
		runOnce(t, o.sender(transport(t, starttls, "s3cret", roots), 10), 1)
		if m := o.message(ids[0]); m.Status != mail.Sent {
			t.Fatalf("right password: %+v", m)
		}
		mp.WaitFor(t, 1, 5*time.Second)

		implicit := mailpit.Start(t, append(tlsFlags, "--smtp-require-tls")...)
		ids = o.queue("grace@example.org")
		runOnce(t, o.sender(transport(t, "smtps://"+implicit.SMTPAddr, "", roots), 10), 1)
		if m := o.message(ids[0]); m.Status != mail.Sent {
			t.Fatalf("smtps: %+v", m)
		}
		implicit.WaitFor(t, 1, 5*time.Second)
	})
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and
// returns a pool that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir+"/cert.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, dir+"/key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// Without an SMTP server, messages are kept for the operator, with no
// attempt counted, and logged.
func TestKeptWithoutSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		o := newOutbox(t, st)
		ids := o.queue("ada@example.org")
		runOnce(t, o.sender(nil, 10), 1)
		if m := o.message(ids[0]); m.Status != mail.Kept || m.Attempts != 0 || m.Text == "" {
			t.Fatalf("kept: %+v", m)
		}
		runOnce(t, o.sender(nil, 10), 0)
		if !strings.Contains(o.log.String(), "mail kept") {
			t.Fatalf("not logged:\n%s", o.log)
		}
	})
}
