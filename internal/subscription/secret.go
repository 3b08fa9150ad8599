package subscription

import (
	"encoding/json"
	"fmt"
)

// Secret configuration values: a parameter a product marks secret (a
// password, an ARM securestring) is kept sealed at rest, passed only to
// the subscription's provider (the vendor's integration, or the platform's
// connector for the products it provisions) and shown as Masked anywhere
// else. The ordering service wraps such values as Secret when it sells;
// the store seals every Secret it writes and reads a sealed value back as
// Masked; the provider's read opens it.

// Masked is how a secret configuration value is shown.
const Masked = "********"

// Secret is a secret configuration value in memory. It encodes as Masked,
// so that it never leaves in an answer, a log or an event by accident.
type Secret string

// MarshalJSON encodes s as Masked.
func (Secret) MarshalJSON() ([]byte, error) { return json.Marshal(Masked) }

// String is Masked, for logs and %v.
func (Secret) String() string { return Masked }

// Text is the secret's value.
func (s Secret) Text() string { return string(s) }

// SealSecrets returns config with the values of the names in secret
// wrapped as Secret (a value that is not a string is kept as its JSON
// text); other values are as they were.
func SealSecrets(config map[string]any, secret []string) map[string]any {
	if len(secret) == 0 || config == nil {
		return config
	}
	out := make(map[string]any, len(config))
	for k, v := range config {
		out[k] = v
	}
	for _, name := range secret {
		switch v := out[name].(type) {
		case nil:
		case string:
			if v != "" {
				out[name] = Secret(v)
			}
		case Secret:
		default:
			b, err := json.Marshal(v)
			if err != nil {
				b = []byte(fmt.Sprint(v))
			}
			out[name] = Secret(b)
		}
	}
	return out
}
