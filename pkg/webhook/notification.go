package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Entities and types of notifications.
const (
	EntitySubscription   = "Subscription"
	EntityInvoice        = "Invoice"
	EntityUser           = "User"
	EntityProductVersion = "ProductVersion" // a plan; Metadata carries flags such as "approved", "published"

	TypeCreated  = "CREATED"
	TypeModified = "MODIFIED"
	TypeDeleted  = "DELETED"
)

// Notification is the body of a delivery. It says which entity changed and
// how; fetch the entity from the API (EntityURL, relative to the /api/ base)
// for its state rather than trusting the notification alone.
type Notification struct {
	// Date is when the event happened, in UTC.
	Date time.Time `json:"date"`
	// Entity is one of the Entity constants.
	Entity string `json:"entity"`
	// EntityURL locates the entity under the API base /api/, e.g.
	// "subscription/2388".
	EntityURL string `json:"entityUrl"`
	// ID is the entity's id.
	ID int64 `json:"id"`
	// Type is one of the Type constants.
	Type string `json:"type"`
	// EventID is the event's own id: the same on every delivery of one event,
	// so it tells duplicates apart. Zero when the sender omits it.
	EventID int64 `json:"eventId,omitempty"`
	// Metadata holds optional details, such as a plan's flags.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Parse decodes a notification body. See [Notification.UnmarshalJSON] for
// what it accepts; it also requires entity and type.
func Parse(body []byte) (Notification, error) {
	var n Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return Notification{}, fmt.Errorf("webhook: parse notification: %w", err)
	}
	if n.Entity == "" || n.Type == "" {
		return Notification{}, errors.New("webhook: parse notification: entity or type missing")
	}
	return n, nil
}

// wire is Notification as found on the wire, before normalization.
type wire struct {
	Date      flexDate       `json:"date"`
	Entity    string         `json:"entity"`
	EntityURL string         `json:"entityUrl"`
	ID        flexInt        `json:"id"`
	Type      string         `json:"type"`
	EventID   flexInt        `json:"eventId"`
	Metadata  map[string]any `json:"metadata"`
}

// UnmarshalJSON decodes a notification leniently, as senders differ: id and
// eventId may be JSON integers or strings holding one (older Cloudesire
// senders); date may be RFC 3339, ISO 8601 with a "+0000" offset or none
// (read as UTC), or a number of milliseconds since 1970. Unknown fields are
// ignored; a null field leaves its zero value.
func (n *Notification) UnmarshalJSON(b []byte) error {
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*n = Notification{
		Date:      time.Time(w.Date),
		Entity:    w.Entity,
		EntityURL: w.EntityURL,
		ID:        int64(w.ID),
		Type:      w.Type,
		EventID:   int64(w.EventID),
		Metadata:  w.Metadata,
	}
	return nil
}

// MarshalJSON encodes the notification as Mercato sends it: Date in UTC, id
// and eventId as JSON numbers.
func (n Notification) MarshalJSON() ([]byte, error) {
	type plain Notification // without methods
	p := plain(n)
	p.Date = p.Date.UTC()
	return json.Marshal(p)
}

// flexInt is an integer sent as a JSON number or as a string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("id %s is not an integer", b)
	}
	*f = flexInt(v)
	return nil
}

// flexDate is a time sent in one of the forms listed on UnmarshalJSON.
type flexDate time.Time

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700", // Java's "+0000"
	"2006-01-02T15:04:05.999999999",      // no offset: UTC
}

func (d *flexDate) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("date %s is neither a string nor integer milliseconds", b)
		}
		*d = flexDate(time.UnixMilli(ms).UTC())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*d = flexDate(t.UTC())
			return nil
		}
	}
	return fmt.Errorf("date %q is not ISO 8601", s)
}
