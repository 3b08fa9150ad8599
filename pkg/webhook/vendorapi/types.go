package vendorapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Deployment statuses of a subscription.
const (
	StatusPending           = "PENDING"            // provision it (when paid, or a trial)
	StatusDeployed          = "DEPLOYED"           // provisioned; also the status after a suspension ends
	StatusUndeployed        = "UNDEPLOYED"         // deprovisioned
	StatusStopped           = "STOPPED"            // suspended
	StatusFailed            = "FAILED"             // provisioning failed (the instructions say why)
	StatusRequiresApproval  = "REQUIRES_APPROVAL"  // waiting for the vendor's approval
	StatusUndeploySent      = "UNDEPLOY_SENT"      // terminated or expired: deprovision it, then report UNDEPLOYED
	StatusPostConfiguration = "POST_CONFIGURATION" // provisioned, being configured
	StatusWaitingPayment    = "WAITING_PAYMENT"    // ordered, not paid yet
	StatusPaymentExpired    = "PAYMENT_EXPIRED"    // never paid
)

// Subscription types.
const (
	TypeNormal  = "NORMAL"
	TypeTrial   = "TRIAL"
	TypeSandbox = "SANDBOX" // the vendor's own order of its product
)

// Endpoint categories.
const (
	CategoryApp           = "APP" // exactly one: where the customer launches the service
	CategoryPasswordReset = "PASSWORD_RESET"
	CategoryDocumentation = "DOCUMENTATION"
	CategoryVideo         = "VIDEO"
)

// Ref refers to another resource: {"url": "product/12"}.
type Ref struct {
	URL string `json:"url"`
}

// ID is the number at the end of the reference's URL.
func (r *Ref) ID() (int64, error) {
	if r == nil {
		return 0, fmt.Errorf("vendorapi: no reference")
	}
	i := strings.LastIndexByte(r.URL, '/')
	id, err := strconv.ParseInt(r.URL[i+1:], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("vendorapi: reference %q has no id: %w", r.URL, err)
	}
	return id, nil
}

// User is a marketplace user.
type User struct {
	ID           int64     `json:"id"`
	Self         string    `json:"self"`
	Email        string    `json:"email"`
	UserName     string    `json:"userName"`
	Name         string    `json:"name"`
	UserRole     string    `json:"userRole"` // ROLE_VENDOR, ROLE_USER (a customer), ROLE_ADMIN…
	Company      *Ref      `json:"company"`
	Enabled      bool      `json:"enabled"`
	Activated    bool      `json:"activated"`
	CreationDate time.Time `json:"creationDate"`
}

// Endpoint is a link to the provisioned service.
type Endpoint struct {
	Endpoint    string `json:"endpoint"` // https, at most 2000 characters
	Description string `json:"description"`
	Category    string `json:"category"` // one of the Category constants
}

// Credential is a first-access credential for the customer, as the vendor
// posts it: its description per two-letter language.
type Credential struct {
	Key         string            `json:"key"`
	Value       string            `json:"value"`
	Description map[string]string `json:"description,omitempty"` // by two-letter language
	Weight      int               `json:"weight"`                // display order
}

// SubscriptionCredential is a credential as the marketplace shows it: its
// description in one language (the one asked for, else English). The
// marketplace shows its value to the customer only: in answers to the
// vendor, Value is empty.
type SubscriptionCredential struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Description string `json:"description"`
	Weight      int    `json:"weight"`
}

// BillingItem is the quantity bought of a plan's unit (seats, licences).
type BillingItem struct {
	BillingItem *Ref        `json:"billingItem"` // billingItem/{id}
	Identifier  string      `json:"identifier"`  // the unit, e.g. seat
	Unit        string      `json:"unit"`
	Value       json.Number `json:"value"` // a decimal, e.g. 3
	Bought      bool        `json:"bought"`
	Tag         string      `json:"tag"`
	Unlimited   bool        `json:"unlimited"` // the quantity is in the plan's last, unbounded range
}

// Quantity is the value as a whole number (0 when it is not one).
func (b BillingItem) Quantity() int64 {
	n, _ := b.Value.Int64()
	return n
}

// BillingItemValue is one price range of a billing item: from Start
// (inclusive) to End (exclusive; nil when unbounded), at Price per unit or
// per Step units.
type BillingItemValue struct {
	Item  *Ref        `json:"item"`
	Start int64       `json:"start"`
	End   *int64      `json:"end,omitempty"`
	Price json.Number `json:"price"` // a decimal in the plan's currency
	Step  *int64      `json:"step,omitempty"`
}

// ConfigurationValue is the buyer's value of one of the product's
// configuration parameters; ConfigurationParameter is nil when the product
// no longer has the parameter.
type ConfigurationValue struct {
	ConfigurationParameter *Ref   `json:"configurationParameter,omitempty"` // configurationParameter/{id}
	Code                   string `json:"code"`                             // the parameter's name
	Value                  string `json:"value"`                            // numbers and booleans as JSON text
}

// Subscription is a customer's subscription to one of the vendor's plans.
// A list ([Client.Subscriptions]) leaves Orders, Invoices and
// BillingItemValues empty; [Client.Subscription] fills them too.
type Subscription struct {
	ID                 int64      `json:"id"`
	Self               string     `json:"self"`
	Name               string     `json:"name"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          time.Time  `json:"updatedAt"`
	StartDate          time.Time  `json:"startDate"`
	EndDate            time.Time  `json:"endDate"`
	BillingPeriodStart *time.Time `json:"billingPeriodStart,omitempty"` // the current billing period; nil once ended
	BillingPeriodEnd   *time.Time `json:"billingPeriodEnd,omitempty"`
	DeploymentStatus   string     `json:"deploymentStatus"` // one of the Status constants
	Paid               bool       `json:"paid"`
	AutoRenew          bool       `json:"autoRenew"`
	Type               string     `json:"type"`          // one of the Type constants
	BillingPeriod      int        `json:"billingPeriod"` // months
	Product            *Ref       `json:"product"`
	ProductVersion     *Ref       `json:"productVersion"` // the plan
	Company            *Ref       `json:"company"`        // the customer
	Buyer              *Ref       `json:"buyer"`          // the user who ordered
	Endpoints          []Endpoint `json:"endpoints"`
	// EndUserInstructions are the instructions in the language the client
	// asked for (see [WithLanguage]), else in English.
	EndUserInstructions string                   `json:"endUserInstructions"`
	BillingItems        []BillingItem            `json:"billingItems"`
	Credentials         []SubscriptionCredential `json:"credentials"`
	// ConfigurationParameters are the buyer's answers to the product's
	// parameters; see [Subscription.Parameter].
	ConfigurationParameters []ConfigurationValue `json:"configurationParameters"`

	Orders            []Ref              `json:"orders"`            // order/{id}
	Invoices          []Ref              `json:"invoices"`          // invoice/{id}: issued invoices billing it
	BillingItemValues []BillingItemValue `json:"billingItemValues"` // the plan's price ranges
}

// ReadyToProvision tells whether the vendor should provision the
// subscription now: it is PENDING and paid, or PENDING as a trial (trials
// skip payment).
func (s Subscription) ReadyToProvision() bool {
	return s.DeploymentStatus == StatusPending && (s.Paid || s.Type == TypeTrial)
}

// Parameter returns the buyer's value of the configuration parameter name.
func (s Subscription) Parameter(name string) (string, bool) {
	for _, c := range s.ConfigurationParameters {
		if c.Code == name {
			return c.Value, true
		}
	}
	return "", false
}
