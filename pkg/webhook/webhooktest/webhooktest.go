// Package webhooktest helps vendors test their webhook receivers: it builds
// notification requests signed exactly as Mercato signs its deliveries
// (CMW-Event-Signature and the Standard Webhooks headers, the same body
// encoding and headers), and sends them to the vendor's real handler over a
// real HTTP server on loopback, so that a receiver is tested the way it
// runs, with nothing faked.
//
//	srv := webhooktest.NewServer(myHandler, secret) // the vendor's http.Handler
//	defer srv.Close()
//	ans, err := srv.Deliver(ctx, webhooktest.Notification(webhook.EntitySubscription, webhook.TypeCreated, 2388, 91, when))
//	// ans.StatusCode: 204 from a webhook.Handler whose function succeeded
//
// Like the rest of the module it needs only the standard library.
package webhooktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// Headers Mercato sends with every delivery besides the signatures.
const (
	ContentType = "application/json; charset=utf-8"
	UserAgent   = "Mercato-Webhooks/1"
)

// Notification returns the notification Mercato sends for an event: date
// in UTC truncated to the second, entityUrl relative to the API base
// ("subscription/2388" for entity Subscription and id 2388).
func Notification(entity, typ string, id, eventID int64, date time.Time) webhook.Notification {
	return webhook.Notification{
		Date:      date.UTC().Truncate(time.Second),
		Entity:    entity,
		EntityURL: EntityURL(entity, id),
		ID:        id,
		Type:      typ,
		EventID:   eventID,
	}
}

// EntityURL is where the vendor fetches an entity, relative to the API's
// /api/ base: the entity's name with a lowercase first letter, "/", the id.
func EntityURL(entity string, id int64) string {
	if entity == "" {
		return strconv.FormatInt(id, 10)
	}
	return strings.ToLower(entity[:1]) + entity[1:] + "/" + strconv.FormatInt(id, 10)
}

// MessageID is the webhook-id Mercato sends for an event: "msg_<eventId>",
// the same on every attempt.
func MessageID(eventID int64) string { return "msg_" + strconv.FormatInt(eventID, 10) }

// NewRequest returns the POST of n to url that Mercato would send at ts,
// signed with secrets, the newest first (during a rotation Mercato signs
// with the new and the old secret): the body is n encoded as Mercato
// encodes it, webhook-id is [MessageID] of n.EventID.
func NewRequest(ctx context.Context, url string, secrets []string, ts time.Time, n webhook.Notification) (*http.Request, error) {
	body, err := json.Marshal(n)
	if err != nil {
		return nil, fmt.Errorf("webhooktest: encode notification: %w", err)
	}
	return NewRawRequest(ctx, url, secrets, MessageID(n.EventID), ts, body)
}

// NewRawRequest is [NewRequest] with any body and message id, e.g. to test
// how a receiver takes a body it cannot parse, correctly signed.
func NewRawRequest(ctx context.Context, url string, secrets []string, msgID string, ts time.Time, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("webhooktest: %w", err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if err := webhook.Sign(req.Header, secrets, msgID, ts, body); err != nil {
		return nil, fmt.Errorf("webhooktest: sign: %w", err)
	}
	return req, nil
}

// Answer is what the receiver answered.
type Answer struct {
	StatusCode int
	Header     http.Header
	Body       []byte // at most 1 MiB
}

// Sender posts signed notifications to a receiver's URL, as Mercato does.
type Sender struct {
	// Secrets sign the deliveries, the newest first.
	Secrets []string
	// Now is the time deliveries are signed at; nil means time.Now (a
	// receiver with the default webhook.Verifier refuses timestamps more
	// than five minutes from its own clock).
	Now func() time.Time
	// Client sends the requests; nil means a client with a 15-second
	// timeout, Mercato's. Mercato follows no redirect; neither does that
	// client.
	Client *http.Client
}

var defaultClient = &http.Client{
	Timeout:       15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Send delivers n to url and returns the answer. An error means no answer
// (the request could not be built or sent).
func (s *Sender) Send(ctx context.Context, url string, n webhook.Notification) (Answer, error) {
	req, err := NewRequest(ctx, url, s.Secrets, s.now(), n)
	if err != nil {
		return Answer{}, err
	}
	return s.do(req)
}

// SendRaw delivers any body, correctly signed, under msgID.
func (s *Sender) SendRaw(ctx context.Context, url, msgID string, body []byte) (Answer, error) {
	req, err := NewRawRequest(ctx, url, s.Secrets, msgID, s.now(), body)
	if err != nil {
		return Answer{}, err
	}
	return s.do(req)
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) do(req *http.Request) (Answer, error) {
	c := s.Client
	if c == nil {
		c = defaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("webhooktest: deliver: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, webhook.MaxBodySize))
	if err != nil {
		return Answer{}, fmt.Errorf("webhooktest: read answer: %w", err)
	}
	return Answer{StatusCode: res.StatusCode, Header: res.Header, Body: body}, nil
}

// Server runs a receiver on a real HTTP server on loopback and delivers
// notifications to it. Close it when done.
type Server struct {
	*httptest.Server
	// Sender signs and sends the deliveries; set its Now to sign at
	// another time.
	Sender Sender
	// Path is where deliveries are posted, "/" unless set.
	Path string
}

// NewServer starts h on loopback; deliveries are signed with secrets, the
// newest first.
func NewServer(h http.Handler, secrets ...string) *Server {
	return &Server{Server: httptest.NewServer(h), Sender: Sender{Secrets: secrets}, Path: "/"}
}

// Deliver sends n to the server's Path.
func (s *Server) Deliver(ctx context.Context, n webhook.Notification) (Answer, error) {
	return s.Sender.Send(ctx, s.URL+s.Path, n)
}

// DeliverRaw sends any body, correctly signed, to the server's Path.
func (s *Server) DeliverRaw(ctx context.Context, msgID string, body []byte) (Answer, error) {
	return s.Sender.SendRaw(ctx, s.URL+s.Path, msgID, body)
}
