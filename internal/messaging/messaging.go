// Package messaging holds the conversations of the marketplace: each
// subscription has a thread between its customer and those who provide or
// sold it (vendor, reseller, distributor, platform), and the platform
// sends notifications to organizations (dunning reminders, disabled
// webhook endpoints). Whoever sees a subscription reads its thread and,
// with a role that writes, posts to it; reading a thread marks it read for
// the reader's organization. Which subscriptions a caller sees is the
// store's scope; the rules are here, over repository interfaces the
// service declares.
package messaging

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Message is one message of a subscription's thread, as read by its
// author's organization.
type Message struct {
	ID             int64
	SubscriptionID int64
	AuthorOrgID    int64
	AuthorUserID   int64  // 0 when no user wrote it (an API token of the organization)
	AuthorOrg      string // the author organization's name
	AuthorName     string // the author user's name, when known
	Body           string
	CreatedAt      time.Time
}

// MaxMessageLength is the longest message, in characters.
const MaxMessageLength = 10000

// Validate checks a message's body, which the service has trimmed of
// surrounding white space: some text, UTF-8 without NUL characters (which
// PostgreSQL cannot store), at most MaxMessageLength characters.
func (m Message) Validate() error {
	var fe mercato.FieldErrors
	switch {
	case m.Body == "":
		fe.Add("body", "is required")
	case !utf8.ValidString(m.Body) || strings.ContainsRune(m.Body, 0):
		fe.Add("body", "must be UTF-8 text without NUL characters")
	case utf8.RuneCountInString(m.Body) > MaxMessageLength:
		fe.Add("body", "at most %d characters", MaxMessageLength)
	}
	return fe.Err("invalid message")
}

// Thread sums up one subscription's messages for an organization.
type Thread struct {
	SubscriptionID int64
	Messages       int
	Unread         int // messages from other organizations not yet read
	LastAt         time.Time
}

// Notification is a message to an organization from the platform.
type Notification struct {
	ID        int64
	Kind      string
	Message   string
	CreatedAt time.Time
}
