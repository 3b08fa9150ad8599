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

// maxTypeMembers bounds the declarations (parameters, their properties,
// additional properties and items, through every $ref) one template's
// parameters may expand to: definitions that name each other twice over
// would otherwise grow exponentially.
const maxTypeMembers = 10000

// typeScope is what reading a template's parameter types shares: the
// definitions, the declarations whose structure is being read on the
// current path by the definitions they name (a type may contain itself, as
// Bicep's recursive types do: the inner occurrence takes the outer one's
// structure, so values are checked at every depth), and the declarations
// left to the template.
type typeScope struct {
	defs      map[string]any
	expanding map[string]*Parameter
	left      int
}

func newTypeScope(defs map[string]any) *typeScope {
	return &typeScope{defs: defs, expanding: map[string]*Parameter{}, left: maxTypeMembers}
}

// structure is the declaration whose properties, additional properties and
// items p's values follow: p's own, or those of the declaration of its
// type that contains it.
func (p *Parameter) structure() *Parameter {
	if p.within != nil {
		return p.within
	}
	return p
}

// resolveRef merges the definition a declaration's $ref names under the
// declaration's own members, and tells the definitions it went through.
func resolveRef(path string, d map[string]any, defs map[string]any) (map[string]any, []string, error) {
	var names []string
	for depth := 0; ; depth++ {
		ref, ok := lookupKey(d, "$ref")
		if !ok {
			return d, names, nil
		}
		if depth == maxRefDepth {
			return nil, nil, parseErr(joinPath(path, "$ref"), "$ref chain longer than %d", maxRefDepth)
		}
		rs, _ := ref.(string)
		name, found := strings.CutPrefix(rs, "#/definitions/")
		def, ok := lookupKey(defs, name)
		dm, isMap := def.(map[string]any)
		if !found || !ok || !isMap {
			return nil, nil, parseErr(joinPath(path, "$ref"), "%v names no type of the template's definitions", ref)
		}
		names = append(names, strings.ToLower(name))
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
func (p *Parameter) parseStructure(path string, d map[string]any, scope *typeScope) error {
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
			sub, err := parseParameter(name, sp, sd, scope)
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
			sub, err := parseParameter("", joinPath(path, "additionalProperties"), a, scope)
			if err != nil {
				return err
			}
			p.Additional = sub
		}
	}
	if iv, ok := lookupKey(d, "items"); ok {
		if im, ok := iv.(map[string]any); ok {
			sub, err := parseParameter("", joinPath(path, "items"), im, scope)
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
	st := p.structure()
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
		for _, sub := range st.Properties {
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
			case st.Closed:
				errs = append(errs, Violation{p.Name + "." + k, "additionalProperties", "the type declares no such property"})
			case st.Additional != nil:
				nested(p.Name+"."+k, st.Additional, t[k])
			}
		}
	case []any:
		if st.Items != nil {
			for i, e := range t {
				nested(fmt.Sprintf("%s[%d]", p.Name, i), st.Items, e)
			}
		}
	}
	return errs
}

// structureSchema adds the JSON Schema of properties and items to s. A
// type within itself is described by its outer occurrence alone.
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
