package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mail/mailpit"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// A message is queued only whole: a plain address, a language messages are
// written in, a subject and both parts; each fault names its field.
func TestMessageValidate(t *testing.T) {
	good := mail.Message{Key: "k", To: "ada@example.org", Language: "it", Template: "t", Subject: "s", Text: "x", HTML: "<p>x</p>",
		Attachments: []mail.Attachment{{Kind: mail.AttachInvoicePDF, ID: 1, Name: "MKT-1.pdf"}}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, change := range map[string]func(*mail.Message){
		"key":            func(m *mail.Message) { m.Key = "" },
		"to":             func(m *mail.Message) { m.To = "Ada <ada@example.org>" },
		"to_name":        func(m *mail.Message) { m.ToName = "Ada\r\nBcc: eve@example.org" },
		"language":       func(m *mail.Message) { m.Language = "fr" },
		"template":       func(m *mail.Message) { m.Template = "" },
		"subject":        func(m *mail.Message) { m.Subject = "Hi\nthere" },
		"body":           func(m *mail.Message) { m.HTML = "" },
		"attachments[0]": func(m *mail.Message) { m.Attachments[0].Name = "../x.pdf" },
	} {
		m := good
		m.Attachments = append([]mail.Attachment(nil), good.Attachments...)
		change(&m)
		err := m.Validate()
		if fe := mercato.Fields(err); mercato.ErrorCode(err) != mercato.EINVALID || len(fe) != 1 || fe[0].Path != field {
			t.Errorf("%s: %v %+v", field, err, fe)
		}
	}
	if mail.Language("fr") != "en" || mail.Language("it") != "it" {
		t.Error("unknown languages fall back to English")
	}
}

// A message that holds a secret keeps no body once it is sent; kept, the
// operator still reads it.
func TestSensitiveBodiesAreClearedOnceSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		mp := mailpit.Start(t)
		o := newOutbox(t, st)
		queue := func(key string) int64 {
			m := mail.Message{Key: key, To: "ada@example.org", Language: "en", Template: "password_reset", Subject: "Reset your password",
				Text: "https://market.example.com/reset?token=secret", HTML: `<a href="https://market.example.com/reset?token=secret">Reset</a>`, Sensitive: true}
			if err := st.InTx(ctx, func(tx *store.Tx) error { _, err := tx.QueueMail(ctx, &m); return err }); err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		sent := queue("reset:1")
		runOnce(t, o.sender(smtpTo(t, mp, "", ""), 10), 1)
		if m := o.message(sent); m.Status != mail.Sent || m.Text != "" || m.HTML != "" || m.Subject != "Reset your password" {
			t.Fatalf("sent: %+v", m)
		}
		got := mp.WaitFor(t, 1, 5*time.Second)
		if !strings.Contains(mp.Message(t, got[0].ID).Text, "token=secret") {
			t.Fatal("the link did not arrive")
		}
		kept := queue("reset:2")
		runOnce(t, o.sender(nil, 10), 1)
		if m := o.message(kept); m.Status != mail.Kept || !strings.Contains(m.Text, "token=secret") {
			t.Fatalf("kept: %+v", m)
		}
	})
}
