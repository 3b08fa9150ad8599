package mail

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS is how the connection to the SMTP server is protected.
type TLS string

// TLS modes, from the --smtp-url.
const (
	// TLSImplicit (smtps://) speaks TLS from the first byte (port 465).
	TLSImplicit TLS = "implicit"
	// TLSStartTLS (smtp://, the default) upgrades with STARTTLS when the
	// server offers it, and goes on in the clear when it does not.
	TLSStartTLS TLS = "starttls"
	// TLSRequired (smtp://…?tls=required) refuses a server without
	// STARTTLS.
	TLSRequired TLS = "required"
	// TLSNone (smtp://…?tls=none) never encrypts: for a server on the
	// loopback (Mailpit in tests and development).
	TLSNone TLS = "none"
)

// Server is an SMTP server as --smtp-url names it.
type Server struct {
	Host string
	Port int
	TLS  TLS
	User string // empty: no SMTP AUTH
	// Password is the one the URL holds, if any; MERCATO_SMTP_PASSWORD,
	// which stays out of process lists, takes its place when set.
	Password string
}

// ParseURL reads --smtp-url: smtp://[user[:password]@]host[:port]
// [?tls=none|required] or smtps://[user[:password]@]host[:port]. The
// password may be in it, as the smtp://user:pass@host:587 has it,
// or come from MERCATO_SMTP_PASSWORD (which does not show in process
// lists).
func ParseURL(raw string) (Server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Server{}, fmt.Errorf("not a URL: %w", err)
	}
	var s Server
	switch u.Scheme {
	case "smtp":
		s.TLS, s.Port = TLSStartTLS, gomail.DefaultPortTLS
	case "smtps":
		s.TLS, s.Port = TLSImplicit, gomail.DefaultPortSSL
	default:
		return s, errors.New("want smtp://[user@]host[:port] or smtps://[user@]host[:port]")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return s, errors.New("the URL names no host")
	}
	if (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return s, errors.New("the URL has a path or fragment; want only [user@]host[:port]")
	}
	s.Host = u.Hostname()
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil || s.Port < 1 || s.Port > 65535 {
			return s, fmt.Errorf("port %q is not a port number", p)
		}
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return s, fmt.Errorf("unknown parameter %q (only tls=none or tls=required)", k)
		}
	}
	switch t := q.Get("tls"); {
	case t == "" || !q.Has("tls"):
	case s.TLS == TLSImplicit:
		return s, errors.New("smtps:// is TLS already: tls= applies to smtp:// only")
	case t == "none":
		s.TLS = TLSNone
	case t == "required":
		s.TLS = TLSRequired
	default:
		return s, fmt.Errorf("tls=%q: want tls=none or tls=required", t)
	}
	return s, nil
}

// SMTP is a Transport that sends through one SMTP server with go-mail, a
// connection per message.
type SMTP struct {
	client   *gomail.Client
	from     *netmail.Address
	hostname string // Message-ID host
}

// SMTPConfig is what NewSMTP needs.
type SMTPConfig struct {
	Server   Server
	Password string // for Server.User (MERCATO_SMTP_PASSWORD); empty: Server.Password
	From     string // "Name <address>" or an address (--mail-from)
	Host     string // Message-IDs are made under it (the host of --public-url)
	Timeout  time.Duration
	RootCAs  *x509.CertPool // nil: the system's
}

// NewSMTP returns the transport to c.Server.
func NewSMTP(c SMTPConfig) (*SMTP, error) {
	sender, err := netmail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", c.From, err)
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	srv := c.Server
	opts := []gomail.Option{gomail.WithPort(srv.Port), gomail.WithTimeout(c.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: srv.Host, MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs})}
	switch srv.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if srv.User != "" {
		// The strongest mechanism the server offers; go-mail uses PLAIN
		// and LOGIN only over an encrypted connection.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(srv.User), gomail.WithPassword(cmp.Or(c.Password, srv.Password)))
	}
	client, err := gomail.NewClient(srv.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", srv.Host, err)
	}
	return &SMTP{client: client, from: sender, hostname: c.Host}, nil
}

// Refusal is a permanent refusal of a message's recipient (an SMTP 5xx
// reply to RCPT TO): sending it again would be refused again.
type Refusal struct {
	Code int
	Err  error
}

func (r *Refusal) Error() string { return fmt.Sprintf("recipient refused (%d): %v", r.Code, r.Err) }
func (r *Refusal) Unwrap() error { return r.Err }

// Send sends m with its rendered attachments. A permanent refusal of the
// recipient is a *Refusal; a message the server took is sent even when
// closing the connection fails afterwards.
func (s *SMTP) Send(ctx context.Context, m Message, files []File) error {
	msg, err := s.build(m, files)
	if err != nil {
		return err
	}
	err = s.client.DialAndSendWithContext(ctx, msg)
	if err == nil || msg.IsDelivered() {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() && se.ErrorCode() >= 500 {
		return &Refusal{Code: se.ErrorCode(), Err: err}
	}
	return err
}

// build turns an outbox row into the message on the wire: both parts, the
// attachments, and the headers that stay the same on every attempt (the
// Message-ID and the Date of when it was queued).
func (s *SMTP) build(m Message, files []File) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(s.from.Name, s.from.Address); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(MessageID(m.ID, s.hostname))
	msg.SetDateWithValue(m.CreatedAt)
	// Automatic messages: no out-of-office replies, please (RFC 3834).
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	if m.Language != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Language)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	for _, f := range files {
		if err := msg.AttachReader(f.Name, bytes.NewReader(f.Data), gomail.WithFileContentType(gomail.ContentType(f.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", f.Name, err)
		}
	}
	return msg, nil
}

// HostOf is the host of a URL (without its port), for Message-IDs; empty
// when raw is not a URL with a host.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
