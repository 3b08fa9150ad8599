package arm

import (
	"fmt"
	"strings"
)

// User-defined types (languageVersion 2.0): a parameter, or a property or
// the items of one, may be declared by "$ref": "#/definitions/<name>", and
// an object or array type may declare its properties (required unless
// nullable), additionalProperties and items. Each such declaration is
// parsed as a Parameter of its own, so the same rules validate it.

// maxRefDepth bounds chains of $ref.
const maxRefDepth = 32

// resolveRef merges the definition a declaration's $ref names under the
// declaration's own members.
func resolveRef(path string, d map[string]any, defs map[string]any) (map[string]any, error) {
	for depth := 0; ; depth++ {
		ref, ok := lookupKey(d, "$ref")
		if !ok {
			return d, nil
		}
		if depth == maxRefDepth {
			return nil, parseErr(joinPath(path, "$ref"), "$ref chain longer than %d", maxRefDepth)
		}
		rs, _ := ref.(string)
		name, found := strings.CutPrefix(rs, "#/definitions/")
		def, ok := lookupKey(defs, name)
		dm, isMap := def.(map[string]any)
		if !found || !ok || !isMap {
			return nil, parseErr(joinPath(path, "$ref"), "%v names no type of the template's definitions", ref)
		}
		merged := make(map[string]any, len(dm)+len(d))
		for k, v := range dm {
			merged[k] = v
		}
		for k, v := range d {
			if k != "$ref" {
				merged[k] = v
			}
		}
		d = merged
	}
}

// parseStructure reads the properties, additionalProperties and items of a
// resolved declaration.
func (p *Parameter) parseStructure(path string, d map[string]any, defs map[string]any) error {
	if pv, ok := lookupKey(d, "properties"); ok {
		pm, ok := pv.(map[string]any)
		if !ok {
			return parseErr(joinPath(path, "properties"), "must be an object, not %s", typeName(pv))
		}
		for _, name := range sortedKeys(pm) {
			sp := joinPath(joinPath(path, "properties"), name)
			sd, ok := pm[name].(map[string]any)
			if !ok {
				return parseErr(sp, "a property declaration must be an object, not %s", typeName(pm[name]))
			}
			sub, err := parseParameter(name, sp, sd, defs)
			if err != nil {
				return err
			}
			p.Properties = append(p.Properties, sub)
		}
	}
	if av, ok := lookupKey(d, "additionalProperties"); ok {
		switch a := av.(type) {
		case bool:
			p.Closed = !a
		case map[string]any:
			sub, err := parseParameter("", joinPath(path, "additionalProperties"), a, defs)
			if err != nil {
				return err
			}
			p.Additional = sub
		}
	}
	if iv, ok := lookupKey(d, "items"); ok {
		if im, ok := iv.(map[string]any); ok {
			sub, err := parseParameter("", joinPath(path, "items"), im, defs)
			if err != nil {
				return err
			}
			p.Items = sub
		}
	}
	return nil
}

// validateStructure checks an object's properties and an array's items
// against their declarations; violations name the value's path.
func (p *Parameter) validateStructure(v any) []error {
	var errs []error
	nested := func(at string, sub *Parameter, val any) {
		for _, err := range sub.validate(val) {
			if vi, ok := err.(Violation); ok {
				vi.Parameter = at + strings.TrimPrefix(vi.Parameter, sub.Name)
				errs = append(errs, vi)
			}
		}
	}
	switch t := v.(type) {
	case map[string]any:
		declared := map[string]bool{}
		for _, sub := range p.Properties {
			declared[strings.ToLower(sub.Name)] = true
			at := p.Name + "." + sub.Name
			val, ok := lookupKey(t, sub.Name)
			if !ok || val == nil {
				if !sub.Nullable {
					errs = append(errs, Violation{at, "required", "the property is required"})
				}
				continue
			}
			nested(at, sub, val)
		}
		for _, k := range sortedKeys(t) {
			if declared[strings.ToLower(k)] {
				continue
			}
			switch {
			case p.Closed:
				errs = append(errs, Violation{p.Name + "." + k, "additionalProperties", "the type declares no such property"})
			case p.Additional != nil:
				nested(p.Name+"."+k, p.Additional, t[k])
			}
		}
	case []any:
		if p.Items != nil {
			for i, e := range t {
				nested(fmt.Sprintf("%s[%d]", p.Name, i), p.Items, e)
			}
		}
	}
	return errs
}

// structureSchema adds the JSON Schema of properties and items to s.
func (p *Parameter) structureSchema(s map[string]any) {
	if len(p.Properties) > 0 {
		props := map[string]any{}
		var required []any
		for _, sub := range p.Properties {
			props[sub.Name] = sub.schema()
			if !sub.Nullable {
				required = append(required, sub.Name)
			}
		}
		s["properties"] = props
		if len(required) > 0 {
			s["required"] = required
		}
	}
	if p.Closed {
		s["additionalProperties"] = false
	} else if p.Additional != nil {
		s["additionalProperties"] = p.Additional.schema()
	}
	if p.Items != nil && len(p.AllowedValues) == 0 {
		s["items"] = p.Items.schema()
	}
}
