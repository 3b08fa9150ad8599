package subscription

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mercato-market/mercato/internal/mercato"
)

// What a provider reports about a subscription once it is provisioned: the
// links the customer uses, instructions per language, and first-access
// credentials (Cloudesire's endpoints, endUserInstructions, credentials).

// EndpointCategory says what an endpoint link is for.
type EndpointCategory string

// Endpoint categories; every provisioned subscription has an APP one.
const (
	CategoryApp           EndpointCategory = "APP"
	CategoryPasswordReset EndpointCategory = "PASSWORD_RESET"
	CategoryDocumentation EndpointCategory = "DOCUMENTATION"
	CategoryVideo         EndpointCategory = "VIDEO"
)

// EndpointCategories lists every category.
var EndpointCategories = []EndpointCategory{CategoryApp, CategoryPasswordReset, CategoryDocumentation, CategoryVideo}

// Endpoint is a link to the provisioned service.
type Endpoint struct {
	Endpoint    string
	Description string
	Category    EndpointCategory
}

// Credential is a first-access secret for the customer. Value is set only
// when the caller may read it (the customer and the platform).
type Credential struct {
	Key         string
	Value       string
	Description map[string]string // by language
	Weight      int               // display order, lowest first
	CreatedAt   time.Time
}

// Limits of provisioning data.
const (
	MaxEndpoints          = 20
	MaxEndpointLength     = 2000
	MaxDescriptionLength  = 1024
	MaxLanguages          = 50
	MaxInstructionsLength = 20000
	MaxCredentials        = 50
	MaxCredentialKey      = 100
	MaxCredentialValue    = 4096
)

var language = regexp.MustCompile(`^[a-z]{2}$`)

func text(fe *mercato.FieldErrors, path, s string, max int) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		fe.Add(path, "must be UTF-8 text without NUL characters")
	case utf8.RuneCountInString(s) > max:
		fe.Add(path, "at most %d characters", max)
	}
}

// ValidateEndpoints checks endpoints as a provider posts them: https URLs
// of at most 2000 characters, descriptions of at most 1024, known
// categories.
func ValidateEndpoints(eps []Endpoint) error {
	var fe mercato.FieldErrors
	if len(eps) == 0 {
		fe.Add("endpoints", "at least one endpoint is required")
	}
	if len(eps) > MaxEndpoints {
		fe.Add("endpoints", "at most %d endpoints", MaxEndpoints)
	}
	for i, e := range eps {
		p := fmt.Sprintf("endpoints[%d].", i)
		if len(e.Endpoint) > MaxEndpointLength {
			fe.Add(p+"endpoint", "at most %d characters", MaxEndpointLength)
		} else if u, err := url.Parse(e.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(e.Endpoint, " \t\r\n\x00") {
			fe.Add(p+"endpoint", "must be an https URL")
		}
		text(&fe, p+"description", e.Description, MaxDescriptionLength)
		known := false
		for _, c := range EndpointCategories {
			known = known || c == e.Category
		}
		if !known {
			fe.Add(p+"category", "must be APP, PASSWORD_RESET, DOCUMENTATION or VIDEO")
		}
	}
	return fe.Err("invalid endpoints")
}

// HasApp reports whether eps include an APP endpoint.
func HasApp(eps []Endpoint) bool {
	for _, e := range eps {
		if e.Category == CategoryApp {
			return true
		}
	}
	return false
}

// ValidateInstructions checks end-user instructions: texts by two-letter
// lower-case language code (ISO 639-1).
func ValidateInstructions(m map[string]string) error {
	var fe mercato.FieldErrors
	if len(m) > MaxLanguages {
		fe.Add("instructions", "at most %d languages", MaxLanguages)
	}
	for lang, t := range m {
		if !language.MatchString(lang) {
			fe.Add("instructions."+safeKey(lang), "languages are two-letter lower-case codes such as en or it")
		}
		text(&fe, "instructions."+safeKey(lang), t, MaxInstructionsLength)
	}
	return fe.Err("invalid instructions")
}

// ValidateCredentials checks credentials: unique keys, values of at most
// 4096 characters, descriptions by language.
func ValidateCredentials(cs []Credential) error {
	var fe mercato.FieldErrors
	if len(cs) == 0 {
		fe.Add("credentials", "at least one credential is required")
	}
	if len(cs) > MaxCredentials {
		fe.Add("credentials", "at most %d credentials", MaxCredentials)
	}
	seen := map[string]bool{}
	for i, c := range cs {
		p := fmt.Sprintf("credentials[%d].", i)
		if c.Key == "" {
			fe.Add(p+"key", "is required")
		}
		text(&fe, p+"key", c.Key, MaxCredentialKey)
		if seen[c.Key] {
			fe.Add(p+"key", "appears twice")
		}
		seen[c.Key] = true
		text(&fe, p+"value", c.Value, MaxCredentialValue)
		if len(c.Description) > MaxLanguages {
			fe.Add(p+"description", "at most %d languages", MaxLanguages)
		}
		for lang, t := range c.Description {
			if !language.MatchString(lang) {
				fe.Add(p+"description."+safeKey(lang), "languages are two-letter lower-case codes such as en or it")
			}
			text(&fe, p+"description."+safeKey(lang), t, MaxDescriptionLength)
		}
	}
	return fe.Err("invalid credentials")
}

// safeKey keeps a user-chosen map key short and printable in an error path.
func safeKey(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > 20 {
		s = s[:20] + "…"
	}
	return strings.ToValidUTF8(s, "")
}

// Provisioning is what a subscription's provider reported.
type Provisioning struct {
	Endpoints    []Endpoint
	Instructions map[string]string
	// Credentials in display order; their values are set only when
	// Revealed, that is for the customer and the platform.
	Credentials []Credential
	Revealed    bool
}

// Parties are who a subscription belongs to: its customer, and its
// product's vendor (the provider).
type Parties struct {
	SubscriptionID, CustomerID, ProductID, VendorID int64
}

// RevealsCredentials says whether p reads the credential values of a
// subscription of these parties: only its customer and the platform do.
func (s Parties) RevealsCredentials(p mercato.Principal) bool {
	return p.IsPlatform() || p.OrgID == s.CustomerID
}

// Provides says whether p may write a subscription's provisioning data:
// its provider (the product's vendor) or the platform, with a role that
// writes.
func (s Parties) Provides(p mercato.Principal) bool {
	return (p.IsPlatform() || s.VendorID == p.OrgID) && p.CanWrite()
}
