// Package notify decides who hears of what happens in the marketplace. It
// reads the lifecycle events that every change writes to the outbox
// (events) in its own transaction, a small batch of those not yet
// considered at a time; decides which messages each causes and who
// receives them (the customer's users, the vendor's users…), in each
// recipient's language; renders them (html/template and text/template
// with English and Italian message catalogues, go-i18n); and, in that one
// transaction, queues them in the mail outbox and marks the events
// considered. A batch is all or nothing, and a message's key (event,
// template, recipient) is taken once, so a batch that is repeated queues
// nothing twice. internal/mail sends what is queued.
//
// It also reads the outbox for the operator (platform only) and renders
// the attachments (an invoice's PDF) when a message is sent. It knows
// nothing of HTTP or SQL: its repositories are the interfaces below,
// which internal/store implements.
package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Recipient is a user a message goes to.
type Recipient struct {
	UserID   int64
	Email    string
	Name     string
	Language string
	Role     mercato.Role
}

// SubscriptionFacts are what the messages about a subscription tell.
type SubscriptionFacts struct {
	ID           int64
	CustomerID   int64
	VendorID     int64
	CustomerName string
	ProductName  string
	PlanName     string
	Quantity     int64
	Total        decimal.Decimal // of the order that created it
	Currency     string
	LaunchURL    string // its APP endpoint, once the provider set one
}

// Tx is what the service does in the transaction of one batch.
type Tx interface {
	Now() time.Time
	// ClaimUnnotifiedEvents returns up to limit events not yet
	// considered, oldest first, locked for the transaction (concurrent
	// batches on PostgreSQL skip each other's).
	ClaimUnnotifiedEvents(ctx context.Context, limit int) ([]subscription.Event, error)
	// MarkEventsNotified marks events considered.
	MarkEventsNotified(ctx context.Context, ids []int64) error
	// MailRecipients lists the users of an organization.
	MailRecipients(ctx context.Context, orgID int64) ([]Recipient, error)
	// OperatorName is the platform organization's name.
	OperatorName(ctx context.Context) (string, error)
	SubscriptionFacts(ctx context.Context, id int64) (SubscriptionFacts, error)
	// InvoiceForMail reads any invoice with its lines.
	InvoiceForMail(ctx context.Context, id int64) (billing.Invoice, error)
	// QueueMail queues a message unless its key is queued already, and
	// reports whether it did.
	QueueMail(ctx context.Context, m *mail.Message) (bool, error)
	// EndingSubscriptions lists the subscriptions whose term ends after
	// from and no later than to: the trials (trial true) or the normal
	// subscriptions that renew by themselves (trial false), live ones
	// only (not terminated, not failed).
	EndingSubscriptions(ctx context.Context, trial bool, from, to time.Time) ([]Ending, error)
	// DunningSettings returns the operator's settings, its reminder days
	// among them; found is false until they are saved.
	DunningSettings(ctx context.Context) (d billing.DunningSettings, found bool, err error)
}

// Ending is a subscription whose term ends soon.
type Ending struct {
	ID      int64
	EndDate time.Time
}

// MailTx is what a service that queues its own message (a password-reset
// link, a disabled webhook endpoint) offers from its transaction.
type MailTx interface {
	OperatorName(ctx context.Context) (string, error)
	MailRecipients(ctx context.Context, orgID int64) ([]Recipient, error)
	QueueMail(ctx context.Context, m *mail.Message) (bool, error)
}

// Reads are what the service reads outside a transaction.
type Reads interface {
	ListMail(ctx context.Context, f mail.Filter) ([]mail.Message, error)
	MailMessage(ctx context.Context, id int64) (mail.Message, error)
	InvoiceForMail(ctx context.Context, id int64) (billing.Invoice, error)
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service decides, renders and queues the messages events cause.
type Service struct {
	reads     Reads
	inTx      InTx
	letters   *Letters
	broken    error // the embedded templates do not parse (a bug)
	publicURL string
	logoURL   string
	batch     int
	reminders Reminders
	log       *slog.Logger
}

// Option configures the service.
type Option func(*Service)

// WithPublicURL sets the base of every link in messages (--public-url);
// links never come from a request.
func WithPublicURL(u string) Option {
	return func(s *Service) { s.publicURL = strings.TrimRight(u, "/") }
}

// WithLogoURL sets the operator's logo shown at the top of every message
// (--mail-logo-url; an https URL the recipient's mail client loads).
func WithLogoURL(u string) Option { return func(s *Service) { s.logoURL = u } }

// WithBatch sets how many events one transaction considers (default 20).
func WithBatch(n int) Option { return func(s *Service) { s.batch = n } }

// WithLog sets where messages that cannot be built are reported.
func WithLog(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns the service over its repositories.
func New(reads Reads, inTx InTx, opts ...Option) *Service {
	s := &Service{reads: reads, inTx: inTx, batch: 20, reminders: DefaultReminders(), log: slog.New(slog.DiscardHandler)}
	s.letters, s.broken = DefaultLetters()
	for _, o := range opts {
		o(s)
	}
	return s
}

// Outcome is what one batch did.
type Outcome struct {
	Events int // events considered
	Queued int // messages queued
}

// Notify considers one batch of events not yet considered: it queues the
// messages they cause and marks them considered, in one transaction. A
// message that cannot be built (a recipient's address the outbox refuses,
// a template that fails) is logged and left out, so that one bad message
// does not hold up everyone's mail; a database error fails the batch,
// which the next call repeats.
func (s *Service) Notify(ctx context.Context) (Outcome, error) {
	if s.publicURL == "" {
		return Outcome{}, fmt.Errorf("notify: no public URL to build links on (WithPublicURL)")
	}
	if s.broken != nil {
		return Outcome{}, fmt.Errorf("notify: %w", s.broken)
	}
	var out Outcome
	err := s.inTx(ctx, func(tx Tx) error {
		out = Outcome{}
		evs, err := tx.ClaimUnnotifiedEvents(ctx, s.batch)
		if err != nil || len(evs) == 0 {
			return err
		}
		operator, err := tx.OperatorName(ctx)
		if err != nil {
			return err
		}
		ids := make([]int64, len(evs))
		for i, ev := range evs {
			ids[i] = ev.ID
			n, err := s.queue(ctx, tx, ev, operator)
			if err != nil {
				return fmt.Errorf("event %d: %w", ev.ID, err)
			}
			out.Queued += n
		}
		out.Events = len(evs)
		return tx.MarkEventsNotified(ctx, ids)
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("notify: %w", err)
	}
	return out, nil
}

// NotifyAll runs batches until every event is considered (or one fails)
// and returns what they did together.
func (s *Service) NotifyAll(ctx context.Context) (Outcome, error) {
	var total Outcome
	for {
		out, err := s.Notify(ctx)
		total.Events += out.Events
		total.Queued += out.Queued
		if err != nil || out.Events == 0 {
			return total, err
		}
	}
}

// queue queues the messages one event causes and returns how many.
func (s *Service) queue(ctx context.Context, tx Tx, ev subscription.Event, operator string) (int, error) {
	letters, err := s.decide(ctx, tx, ev)
	if err != nil {
		if mercato.ErrorCode(err) == mercato.ENOTFOUND {
			// What the event is about is gone: nothing to tell.
			s.log.WarnContext(ctx, "notify: the subject of an event is gone; no message", "event", ev.ID, "err", err)
			return 0, nil
		}
		return 0, err
	}
	n := 0
	for _, l := range letters {
		to, err := tx.MailRecipients(ctx, l.orgID)
		if err != nil {
			return n, err
		}
		for _, r := range to {
			m, err := s.compose(l, r, operator)
			if err == nil {
				m.Key, m.EventID = fmt.Sprintf("event:%d:%s:%d", ev.ID, l.template, r.UserID), ev.ID
				err = m.Validate()
			}
			if err != nil {
				s.log.ErrorContext(ctx, "notify: a message cannot be built; left out", "event", ev.ID, "template", l.template, "user", r.UserID, "err", err)
				continue
			}
			queued, err := tx.QueueMail(ctx, &m)
			if err != nil {
				return n, err
			}
			if queued {
				n++
			}
		}
	}
	return n, nil
}

// compose renders letter l for recipient r.
func (s *Service) compose(l letter, r Recipient, operator string) (mail.Message, error) {
	lang := mail.Language(r.Language)
	d := l.data
	d.Operator, d.Name, d.LogoURL = operator, r.Name, s.logoURL
	subject, text, html, err := s.letters.Render(l.template, lang, d)
	if err != nil {
		return mail.Message{}, err
	}
	return mail.Message{UserID: r.UserID, To: r.Email, ToName: r.Name, Language: lang, Template: l.template,
		Subject: subject, Text: text, HTML: html, Attachments: l.attachments}, nil
}

// link is an absolute link into the marketplace, always on --public-url.
func (s *Service) link(format string, args ...any) string {
	return s.publicURL + fmt.Sprintf(format, args...)
}

// Attachment renders an attachment of a message being sent: an invoice's
// PDF is rendered from the invoice as it is now, by the same code as the
// control panel's and the API's downloads.
func (s *Service) Attachment(ctx context.Context, a mail.Attachment) (mail.File, error) {
	switch a.Kind {
	case mail.AttachInvoicePDF:
		inv, err := s.reads.InvoiceForMail(ctx, a.ID)
		if err != nil {
			return mail.File{}, err
		}
		var buf bytes.Buffer
		if err := billing.WritePDF(&buf, inv); err != nil {
			return mail.File{}, fmt.Errorf("invoice %d PDF: %w", a.ID, err)
		}
		return mail.File{Name: a.Name, ContentType: "application/pdf", Data: buf.Bytes()}, nil
	}
	return mail.File{}, fmt.Errorf("unknown attachment kind %q", a.Kind)
}

// Outbox lists the outbox for the operator, newest first.
func (s *Service) Outbox(ctx context.Context, p mercato.Principal, f mail.Filter) ([]mail.Message, error) {
	if err := operatorOnly(p); err != nil {
		return nil, err
	}
	if f.Status != "" && !validStatus(f.Status) {
		return nil, mercato.Invalid("invalid filter", mercato.FieldError{Path: "status", Message: "is not a status of the outbox", Value: string(f.Status)})
	}
	return s.reads.ListMail(ctx, f)
}

// OutboxMessage reads one message of the outbox for the operator.
func (s *Service) OutboxMessage(ctx context.Context, p mercato.Principal, id int64) (mail.Message, error) {
	if err := operatorOnly(p); err != nil {
		return mail.Message{}, err
	}
	return s.reads.MailMessage(ctx, id)
}

// operatorOnly refuses everyone but the platform: the outbox holds every
// tenant's mail.
func operatorOnly(p mercato.Principal) error {
	if !p.IsPlatform() {
		return mercato.Errorf(mercato.EFORBIDDEN, "the outbox is the operator's")
	}
	return nil
}

func validStatus(st mail.Status) bool {
	for _, s := range mail.Statuses {
		if s == st {
			return true
		}
	}
	return false
}
