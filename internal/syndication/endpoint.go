package syndication

import (
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Validate checks what an endpoint's owner chose: a URL (checked against
// the URL policy by the transport, which knows the operator's policy) and
// the event filter.
func (e Endpoint) Validate() error {
	fe := mercato.FieldErrors(mercato.Fields(ValidateEvents(e.Events)))
	if e.URL == "" {
		fe.Add("url", "is required")
	}
	return fe.Err("invalid endpoint")
}

// EndpointChange is a change to an endpoint: the fields set change, the
// others stay as they are.
type EndpointChange struct {
	URL     *string
	Events  *[]string
	Enabled *bool
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
}
