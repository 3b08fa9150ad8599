// Package mail sends the e-mail Mercato queues. Messages wait in an outbox
// table (mail_messages) that is written in the same transaction as the
// change that causes them: internal/notify queues the ones lifecycle
// events cause, and a service that creates a secret (a password-reset
// link, an invitation) queues its own through its transaction's QueueMail.
//
// The Sender is the worker that empties the outbox: it leases a few due
// messages at a time (so two replicas never send the same message at
// once, and a crashed one's lease runs out for another to take over),
// sends them through an SMTP server with github.com/wneessen/go-mail, and
// records each outcome: sent; refused for good (the server refused the
// recipient with a 5xx reply), which is not retried; or failed, retried
// later with an exponential backoff. Every message carries a Message-ID
// derived from its row (<mercato.ID@HOST>), so one sent again after a
// crash between the send and the record of it is recognisably the same
// message. Without an SMTP server messages are kept (status kept) for the
// operator to read in the control panel's Outbox.
package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Status is where a message is in the outbox.
type Status string

// Statuses.
const (
	Queued  Status = "queued"  // waiting to be sent, or to be tried again
	Sent    Status = "sent"    // the SMTP server took it
	Refused Status = "refused" // the SMTP server refused the recipient for good: not retried
	Kept    Status = "kept"    // no SMTP server is configured: kept for the operator to read
)

// Statuses lists every status.
var Statuses = []Status{Queued, Sent, Refused, Kept}

// Languages are the languages messages are written in; the first is the
// default.
var Languages = []string{"en", "it"}

// Language returns lang when messages are written in it, else the default.
func Language(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

// Attachment is a file a message carries, by reference: the outbox row
// stays small, and the file is rendered when the message is sent.
type Attachment struct {
	Kind string `json:"kind"` // what to render, e.g. AttachInvoicePDF
	ID   int64  `json:"id"`   // of what, e.g. the invoice
	Name string `json:"name"` // the file name the recipient sees
}

// AttachInvoicePDF is an invoice's PDF (billing.WritePDF), by invoice id.
const AttachInvoicePDF = "invoice_pdf"

// File is a rendered attachment.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Message is one e-mail to one recipient, as the outbox holds it.
type Message struct {
	ID int64
	// Key identifies the message among everything ever queued (e.g.
	// "event:42:order_confirmation:7"): the outbox takes a key once, so
	// work that is repeated (a retried batch) queues nothing twice.
	Key      string
	EventID  int64 // the lifecycle event that caused it (0: none)
	UserID   int64 // the recipient's user (0: none, or deleted since)
	To       string
	ToName   string
	Language string
	Template string // which message it is, e.g. "order_confirmation"
	Subject  string
	Text     string // the plain-text part
	HTML     string // the HTML part
	// Attachments are rendered at send time.
	Attachments []Attachment
	// Sensitive messages hold a secret (a password-reset link): their
	// bodies are cleared once they are sent.
	Sensitive     bool
	Status        Status
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        *time.Time
}

// Validate checks what a message needs before it is queued.
func (m Message) Validate() error {
	var fe mercato.FieldErrors
	if m.Key == "" || len(m.Key) > 200 || !mercato.ValidText(m.Key) {
		fe.Add("key", "is required: up to 200 characters, no control characters")
	}
	if !mercato.ValidEmail(m.To) {
		fe.Add("to", "must be a plain e-mail address")
	}
	if !mercato.ValidText(m.ToName) {
		fe.Add("to_name", "must not hold control characters")
	}
	if Language(m.Language) != m.Language {
		fe.Add("language", "must be one of %s", strings.Join(Languages, ", "))
	}
	if m.Template == "" {
		fe.Add("template", "is required")
	}
	if m.Subject == "" || !mercato.ValidText(m.Subject) {
		fe.Add("subject", "is required, without control characters")
	}
	if m.Text == "" || m.HTML == "" {
		fe.Add("body", "both the text and the HTML part are required")
	}
	for i, a := range m.Attachments {
		if a.Kind == "" || a.ID <= 0 || a.Name == "" || !mercato.ValidText(a.Name) || strings.ContainsAny(a.Name, `/\`) {
			fe.Add(fmt.Sprintf("attachments[%d]", i), "needs a kind, an id and a file name")
		}
	}
	return fe.Err("invalid e-mail message")
}

// MessageID is the Message-ID header of the outbox row id sent from host
// (the host of --public-url), without its angle brackets: the same for
// every attempt, so that a message sent again after a crash is known to
// be the same one.
func MessageID(id int64, host string) string {
	return fmt.Sprintf("mercato.%d@%s", id, host)
}

// Filter narrows the outbox as the operator lists it.
type Filter struct {
	Status Status // empty: all
	Before int64  // only messages with a smaller id (0: from the newest)
	Limit  int    // at most this many (default 50, at most 200)
}

// Size is the number of messages a list holds at most.
func (f Filter) Size() int {
	return mercato.Page{Limit: f.Limit}.Size()
}
