package arm

import (
	"bytes"
	"encoding/json"
)

// Form is the buyer's checkout form for a template: a JSON Schema (draft
// 2020-12) of an object whose properties are the template's parameters, in
// the order the template declares them.
type Form struct {
	Title       string
	Description string
	Fields      []FormField
	Required    []string
}

// FormField is one parameter's schema.
type FormField struct {
	Name   string
	Schema map[string]any
}

// Form builds the buyer form from the template's parameters: JSON types,
// constraints (enum, minimum, maximum, minLength, maxLength, minItems,
// maxItems), descriptions from metadata.description, literal defaults, and
// secure parameters marked writeOnly (format "password" for strings) with
// their defaults withheld. Defaults that are expressions are evaluated at
// deployment; the form carries their text as x-arm-defaultExpression.
func (t *Template) Form() *Form {
	f := &Form{}
	if d, ok := lookupKey(t.Metadata, "description"); ok {
		f.Description, _ = d.(string)
	}
	if n, ok := lookupKey(t.Metadata, "title"); ok {
		f.Title, _ = n.(string)
	}
	for _, p := range t.Parameters {
		f.Fields = append(f.Fields, FormField{Name: p.Name, Schema: p.schema()})
		if !p.HasDefault && !p.Nullable {
			f.Required = append(f.Required, p.Name)
		}
	}
	return f
}

var jsonTypes = map[string]string{
	"string": "string", "securestring": "string", "int": "integer", "bool": "boolean",
	"object": "object", "secureobject": "object", "array": "array",
}

func (p *Parameter) schema() map[string]any {
	s := map[string]any{"title": p.Name, "x-arm-type": p.Type}
	if p.Nullable {
		s["type"] = []any{jsonTypes[p.Type], "null"}
	} else {
		s["type"] = jsonTypes[p.Type]
	}
	if p.Description != "" {
		s["description"] = p.Description
	}
	if p.Secure() {
		s["writeOnly"] = true
		if p.Type == "securestring" {
			s["format"] = "password"
		}
	} else if p.HasDefault {
		if hasExpression(p.DefaultValue) {
			s["x-arm-defaultExpression"] = p.DefaultValue
		} else {
			s["default"] = unescapeLiterals(p.DefaultValue)
		}
	}
	if len(p.AllowedValues) > 0 {
		enum := unescapeLiterals(p.AllowedValues)
		if p.Type == "array" {
			s["items"] = map[string]any{"enum": enum}
			s["uniqueItems"] = true
		} else {
			s["enum"] = enum
		}
	}
	if p.MinValue != nil {
		s["minimum"] = *p.MinValue
	}
	if p.MaxValue != nil {
		s["maximum"] = *p.MaxValue
	}
	minKey, maxKey := "minLength", "maxLength"
	if p.Type == "array" {
		minKey, maxKey = "minItems", "maxItems"
	}
	if p.MinLength != nil {
		s[minKey] = *p.MinLength
	}
	if p.MaxLength != nil {
		s[maxKey] = *p.MaxLength
	}
	p.structureSchema(s)
	return s
}

// hasExpression reports whether a JSON value holds a template expression.
func hasExpression(v any) bool {
	switch t := v.(type) {
	case string:
		return isExpression(t)
	case []any:
		for _, e := range t {
			if hasExpression(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if hasExpression(e) {
				return true
			}
		}
	}
	return false
}

// unescapeLiterals drops the escape bracket of "[[" literals.
func unescapeLiterals(v any) any {
	switch t := v.(type) {
	case string:
		_, _, lit := exprText(t)
		return lit
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = unescapeLiterals(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = unescapeLiterals(e)
		}
		return out
	}
	return v
}

// MarshalJSON writes the form as a JSON Schema, keeping parameter order.
func (f *Form) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"$schema":"https://json-schema.org/draft/2020-12/schema"`)
	write := func(key string, v any) error {
		kb, _ := json.Marshal(key)
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.WriteByte(',')
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
		return nil
	}
	if f.Title != "" {
		if err := write("title", f.Title); err != nil {
			return nil, err
		}
	}
	if f.Description != "" {
		if err := write("description", f.Description); err != nil {
			return nil, err
		}
	}
	b.WriteString(`,"type":"object","properties":{`)
	for i, fld := range f.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(fld.Name)
		vb, err := json.Marshal(fld.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	req := f.Required
	if req == nil {
		req = []string{}
	}
	if err := write("required", req); err != nil {
		return nil, err
	}
	b.WriteString(`,"additionalProperties":false}`)
	return b.Bytes(), nil
}
