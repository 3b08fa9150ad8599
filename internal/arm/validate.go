package arm

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidParameters is wrapped by a ValidationError.
var ErrInvalidParameters = errors.New("invalid parameter values")

// Violation is one broken rule of one parameter.
type Violation struct {
	Parameter string `json:"parameter"`
	// Rule is the rule broken: declared, required, type, allowedValues,
	// minValue, maxValue, minLength or maxLength.
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (v Violation) Error() string {
	return fmt.Sprintf("parameter '%s': %s: %s", v.Parameter, v.Rule, v.Message)
}

// ValidationError lists every violation found in a set of parameter values.
type ValidationError struct {
	Violations []Violation
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Error()
	}
	return fmt.Sprintf("%d invalid parameter value(s): %s", len(parts), strings.Join(parts, "; "))
}

func (e *ValidationError) Unwrap() error { return ErrInvalidParameters }

// ValidateParameters checks buyer-supplied parameter values against the
// template's declarations and returns a *ValidationError naming every
// violation, or nil. Parameters without a value must have a default (whose
// expression is checked when the template is evaluated).
func (t *Template) ValidateParameters(values map[string]any) error {
	var out []Violation
	seen := map[string]bool{}
	for _, name := range sortedKeys(values) {
		p, ok := t.params[strings.ToLower(name)]
		if !ok {
			out = append(out, Violation{name, "declared", "the template does not declare this parameter"})
			continue
		}
		seen[strings.ToLower(name)] = true
		v := normalize(cloneDeep(values[name]))
		for _, err := range p.validate(v) {
			var vi Violation
			if errors.As(err, &vi) {
				out = append(out, vi)
			}
		}
	}
	for _, p := range t.Parameters {
		if !seen[strings.ToLower(p.Name)] && !p.HasDefault && !p.Nullable {
			out = append(out, Violation{p.Name, "required", "no value given and the parameter has no default"})
		}
	}
	if len(out) > 0 {
		return &ValidationError{Violations: out}
	}
	return nil
}

// Validate checks one value against the parameter's declaration, its
// user-defined type's structure included, and returns a *ValidationError
// naming every violation, or nil.
func (p *Parameter) Validate(v any) error {
	var out []Violation
	for _, err := range p.validate(normalize(cloneDeep(v))) {
		var vi Violation
		if errors.As(err, &vi) {
			out = append(out, vi)
		}
	}
	if len(out) > 0 {
		return &ValidationError{Violations: out}
	}
	return nil
}

// validate checks one value against the parameter's rules and returns every
// violation (as Violation errors).
func (p *Parameter) validate(v any) []error {
	var errs []error
	bad := func(rule, format string, a ...any) {
		errs = append(errs, Violation{p.Name, rule, fmt.Sprintf(format, a...)})
	}
	if v == nil {
		if !p.Nullable {
			bad("type", "expected a value of type %s, got null", p.Type)
		}
		return errs
	}
	if err := checkType(p.Type, v); err != nil {
		bad("type", "%v", err)
		return errs
	}
	if len(p.AllowedValues) > 0 {
		if arr, isArr := v.([]any); isArr && p.Type == "array" {
			for i, e := range arr {
				if !containsValue(p.AllowedValues, e) {
					bad("allowedValues", "element %d (%s) is not one of %s", i, describe(e, p), describeAllowed(p))
				}
			}
		} else if !containsValue(p.AllowedValues, v) {
			bad("allowedValues", "%s is not one of %s", describe(v, p), describeAllowed(p))
		}
	}
	if n, ok := v.(int64); ok {
		if p.MinValue != nil && n < *p.MinValue {
			bad("minValue", "%d is less than the minimum %d", n, *p.MinValue)
		}
		if p.MaxValue != nil && n > *p.MaxValue {
			bad("maxValue", "%d is greater than the maximum %d", n, *p.MaxValue)
		}
	}
	length := -1
	unit := "characters"
	switch t := v.(type) {
	case string:
		length = len(u16(t))
	case []any:
		length, unit = len(t), "elements"
	}
	if length >= 0 {
		if p.MinLength != nil && int64(length) < *p.MinLength {
			bad("minLength", "length %d is shorter than the minimum of %d %s", length, *p.MinLength, unit)
		}
		if p.MaxLength != nil && int64(length) > *p.MaxLength {
			bad("maxLength", "length %d is longer than the maximum of %d %s", length, *p.MaxLength, unit)
		}
	}
	return append(errs, p.validateStructure(v)...)
}

// describe shows a value in a message, hiding secure values.
func describe(v any, p *Parameter) string {
	if p.Secure() {
		return "the value"
	}
	return truncate(toJSONString(v), 100)
}

func describeAllowed(p *Parameter) string {
	return truncate(toJSONString(p.AllowedValues), 200)
}
