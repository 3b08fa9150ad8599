package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/mercato-market/mercato/internal/mercato"
)

// ParameterType is the JSON type of a configuration value.
type ParameterType string

// Parameter types.
const (
	ParamString  ParameterType = "string"
	ParamInteger ParameterType = "integer"
	ParamBoolean ParameterType = "boolean"
)

// Parameter is one field of a product's checkout form, such as the Azure
// "global prefix" or the Microsoft tenant domain.
type Parameter struct {
	Name          string        `json:"name" pattern:"^[A-Za-z][A-Za-z0-9_.-]{0,63}$" doc:"Key of the value in the order's configuration"`
	Label         string        `json:"label,omitempty" doc:"What the buyer sees"`
	Description   string        `json:"description,omitempty"`
	Type          ParameterType `json:"type" enum:"string,integer,boolean"`
	Required      bool          `json:"required,omitempty"`
	Pattern       string        `json:"pattern,omitempty" doc:"Regular expression (RE2) a string value must match in full"`
	AllowedValues []string      `json:"allowed_values,omitempty" doc:"The only values accepted, as strings"`
	MinLength     int           `json:"min_length,omitempty"`
	MaxLength     int           `json:"max_length,omitempty"`
	MinValue      *int64        `json:"min_value,omitempty" doc:"Smallest integer accepted"`
	MaxValue      *int64        `json:"max_value,omitempty" doc:"Largest integer accepted"`
	Secret        bool          `json:"secret,omitempty" doc:"Never shown back after checkout"`
}

var parameterName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)

// ValidateParameters checks a product's parameter definitions.
func ValidateParameters(params []Parameter) error {
	var fe mercato.FieldErrors
	seen := map[string]bool{}
	for i, p := range params {
		path := fmt.Sprintf("parameters[%d]", i)
		if !parameterName.MatchString(p.Name) {
			fe.Add(path+".name", "must start with a letter and hold only letters, digits, '_', '.', '-' (at most 64)")
		}
		if seen[p.Name] {
			fe.Add(path+".name", "duplicate parameter %q", p.Name)
		}
		seen[p.Name] = true
		switch p.Type {
		case ParamString, ParamInteger, ParamBoolean:
		default:
			fe.Add(path+".type", "must be string, integer or boolean")
		}
		if p.Pattern != "" {
			if _, err := regexp.Compile(p.Pattern); err != nil {
				fe.Add(path+".pattern", "not a valid regular expression: %v", err)
			}
		}
		if p.MinLength < 0 || p.MaxLength < 0 || (p.MaxLength > 0 && p.MinLength > p.MaxLength) {
			fe.Add(path+".max_length", "lengths must be >= 0 and min_length <= max_length")
		}
		if (p.MinValue != nil || p.MaxValue != nil) && p.Type != ParamInteger {
			fe.Add(path+".min_value", "bounds apply to integer parameters only")
		} else if p.MinValue != nil && p.MaxValue != nil && *p.MinValue > *p.MaxValue {
			fe.Add(path+".max_value", "must not be less than min_value")
		}
	}
	return fe.Err("invalid configuration parameters")
}

// ValidateConfiguration checks a buyer's configuration against the
// product's parameters: required values present, types, patterns, lengths,
// integer bounds, allowed values, and no unknown keys. Paths are "configuration.<name>".
func ValidateConfiguration(params []Parameter, config map[string]any) error {
	var fe mercato.FieldErrors
	known := map[string]bool{}
	for _, p := range params {
		known[p.Name] = true
		path := "configuration." + p.Name
		v, ok := config[p.Name]
		if !ok || v == nil {
			if p.Required {
				fe.Add(path, "is required")
			}
			continue
		}
		var text string
		switch p.Type {
		case ParamString:
			s, isString := v.(string)
			if !isString {
				fe.Add(path, "must be a string")
				continue
			}
			if p.Required && s == "" {
				fe.Add(path, "is required")
				continue
			}
			if p.MinLength > 0 && len([]rune(s)) < p.MinLength {
				fe.Add(path, "must be at least %d characters", p.MinLength)
			}
			if p.MaxLength > 0 && len([]rune(s)) > p.MaxLength {
				fe.Add(path, "must be at most %d characters", p.MaxLength)
			}
			if p.Pattern != "" {
				re, err := regexp.Compile("^(?:" + p.Pattern + ")$")
				if err == nil && !re.MatchString(s) {
					fe.Add(path, "must match %s", p.Pattern)
				}
			}
			text = s
		case ParamInteger:
			f, isNumber := v.(float64)
			if !isNumber || f != float64(int64(f)) {
				fe.Add(path, "must be an integer")
				continue
			}
			if n := int64(f); p.MinValue != nil && n < *p.MinValue {
				fe.Add(path, "must be at least %d", *p.MinValue)
			} else if p.MaxValue != nil && n > *p.MaxValue {
				fe.Add(path, "must be at most %d", *p.MaxValue)
			}
			text = strconv.FormatInt(int64(f), 10)
		case ParamBoolean:
			b, isBool := v.(bool)
			if !isBool {
				fe.Add(path, "must be true or false")
				continue
			}
			text = strconv.FormatBool(b)
		}
		if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, text) {
			fe.Add(path, "must be one of %v", p.AllowedValues)
		}
	}
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !known[k] {
			fe.Add("configuration."+k, "is not a parameter of this product")
		}
	}
	return fe.Err("invalid configuration")
}

// SecretNames returns the names of the secret parameters among params.
func SecretNames(params []Parameter) []string {
	var out []string
	for _, p := range params {
		if p.Secret {
			out = append(out, p.Name)
		}
	}
	return out
}
