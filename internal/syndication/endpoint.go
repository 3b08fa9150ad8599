package syndication

import (
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// Bounds of a secret the endpoint's owner sets itself (a Cloudesire
// secret it already verifies with).
const (
	MinSecretLength = 16
	MaxSecretLength = 256
)

// Validate checks what an endpoint's owner chose: a URL (checked against
// the URL policy by the transport, which knows the operator's policy),
// the event filter and, when it sets one, the secret.
func (e Endpoint) Validate() error {
	fe := mercato.FieldErrors(mercato.Fields(ValidateEvents(e.Events)))
	if e.URL == "" {
		fe.Add("url", "is required")
	}
	if e.Secret != "" {
		fe = append(fe, mercato.Fields(ValidateSecret(e.Secret))...)
	}
	return fe.Err("invalid endpoint")
}

// ValidateSecret checks a secret an endpoint's owner sets: a "whsec_"
// secret signs both schemes and must be a well-formed one; any other text
// is a Cloudesire secret, which signs CMW-Event-Signature only (Standard
// Webhooks needs a "whsec_" key), of MinSecretLength to MaxSecretLength
// printable ASCII characters without spaces, so that it travels in
// configuration files and headers unchanged.
func ValidateSecret(s string) error {
	var fe mercato.FieldErrors
	switch {
	case strings.HasPrefix(s, webhook.SecretPrefix):
		if webhook.CheckSecret(s) != nil {
			fe.Add("secret", "a whsec_ secret is whsec_ and the standard base64 of 24 to 64 bytes")
		}
	case len(s) < MinSecretLength || len(s) > MaxSecretLength:
		fe.Add("secret", "must be 16 to 256 characters")
	case strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		fe.Add("secret", "must be printable ASCII without spaces")
	}
	return fe.Err("invalid secret")
}

// StandardSecret reports whether a secret signs Standard Webhooks too (a
// "whsec_" secret); a Cloudesire secret an owner set signs
// CMW-Event-Signature only.
func StandardSecret(s string) bool { return webhook.CheckSecret(s) == nil }

// EndpointChange is a change to an endpoint: the fields set change, the
// others stay as they are.
type EndpointChange struct {
	URL     *string
	Events  *[]string
	Enabled *bool
	// Secret replaces the signing secret with one the owner chose; the
	// current one keeps signing beside it for the rotation's grace.
	Secret *string
}

// Validate checks the fields the change sets.
func (c EndpointChange) Validate() error {
	var fe mercato.FieldErrors
	if c.URL != nil && *c.URL == "" {
		fe.Add("url", "must not be empty")
	}
	if c.Events != nil {
		fe = append(fe, mercato.Fields(ValidateEvents(*c.Events))...)
	}
	if c.Secret != nil {
		fe = append(fe, mercato.Fields(ValidateSecret(*c.Secret))...)
	}
	return fe.Err("invalid endpoint")
}

// Replay names the deliveries to an endpoint to send again: one event
// (EventID), or every event sent to it in [From, To).
type Replay struct {
	EventID  int64
	From, To time.Time
}

// Validate checks that the replay names an event, or a time range with
// From before To.
func (r Replay) Validate() error {
	if r.EventID > 0 || (r.EventID == 0 && !r.From.IsZero() && r.From.Before(r.To)) {
		return nil
	}
	return mercato.Invalid("invalid replay", mercato.FieldError{Path: "event_id", Message: "give an event_id, or from and to with from before to"})
}

// Attempt is the record of one try to deliver (or of a test event, which
// is not recorded).
type Attempt struct {
	ID          int64
	DeliveryID  int64
	EndpointID  int64
	EventID     int64
	AttemptedAt time.Time
	StatusCode  int // 0 when no answer came
	Latency     time.Duration
	Error       string
	Response    string // the first KiB of the answer
	// What the delivery log shows besides (left empty elsewhere): the
	// event sent, how many tries its delivery has had, and when it is
	// tried next (zero once delivered, or when the delivery is gone).
	Event   subscription.Event
	Tries   int
	NextTry time.Time
}
