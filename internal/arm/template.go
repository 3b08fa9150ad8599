package arm

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTemplate is wrapped by every error in a template's or parameter file's
// structure.
var ErrTemplate = errors.New("invalid template")

// ParseError is a structural error in a template or parameter file at a JSON
// path such as parameters.vmSize.type.
type ParseError struct {
	Path string
	Err  error
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

func parseErr(path, format string, a ...any) error {
	return &ParseError{Path: path, Err: fmt.Errorf("%w: "+format, append([]any{ErrTemplate}, a...)...)}
}

// Scope is the level a template deploys at, from its $schema.
type Scope string

// The deployment scopes.
const (
	ScopeResourceGroup   Scope = "resourceGroup"
	ScopeSubscription    Scope = "subscription"
	ScopeManagementGroup Scope = "managementGroup"
	ScopeTenant          Scope = "tenant"
)

// Template is a parsed ARM template. Its expressions are evaluated later by
// Evaluate; parsing checks the structure only.
type Template struct {
	Schema          string
	ContentVersion  string
	LanguageVersion string
	Scope           Scope
	// Parameters in the order the template declares them.
	Parameters []*Parameter
	// Outputs in the order the template declares them.
	Outputs []*OutputDecl
	// Metadata is the template's top-level metadata object, if any.
	Metadata map[string]any

	raw        map[string]any
	params     map[string]*Parameter // lower-case name
	variables  map[string]any        // raw, lower-case name
	varNames   map[string]string     // lower-case -> declared name
	varCopies  []any                 // the variables' "copy" array, if any
	functions  map[string]*userFunc  // lower-case "namespace.name"
	resources  []*resourceDecl       // flattened, parents first
	symbolic   bool                  // languageVersion 2.0 resources object
	definition map[string]any        // languageVersion 2.0 type definitions
}

// Parameter is one declared template parameter.
type Parameter struct {
	Name string
	// Type is the declared type in lower case: string, securestring, int,
	// bool, object, secureobject or array.
	Type          string
	DefaultValue  any
	HasDefault    bool
	AllowedValues []any
	MinValue      *int64
	MaxValue      *int64
	MinLength     *int64
	MaxLength     *int64
	Nullable      bool
	// Properties, Closed (additionalProperties false), Additional and
	// Items declare the structure of object and array values (user-defined
	// types).
	Properties  []*Parameter
	Closed      bool
	Additional  *Parameter
	Items       *Parameter
	within      *Parameter // the declaration of this type that contains it (a recursive type)
	Description string
	Metadata    map[string]any
	// Raw is the declaration as written.
	Raw map[string]any
}

// Secure reports whether the parameter's value must not be displayed.
func (p *Parameter) Secure() bool {
	return p.Type == "securestring" || p.Type == "secureobject"
}

// OutputDecl is one declared output.
type OutputDecl struct {
	Name string
	Type string
	// Nullable outputs (languageVersion 2.0) may be null whatever their
	// type.
	Nullable bool
	Raw      map[string]any
}

// resourceDecl is one resource declaration, top-level or nested.
type resourceDecl struct {
	path     string
	raw      map[string]any
	symbolic string
	parent   *resourceDecl
	children []*resourceDecl
	existing bool
}

var paramTypes = map[string]bool{
	"string": true, "securestring": true, "int": true, "bool": true,
	"object": true, "secureobject": true, "array": true,
}

// ParseTemplate parses an ARM template. JSON comments (// and /* */), which
// Azure accepts, are allowed.
func ParseTemplate(data []byte) (*Template, error) {
	clean := strictJSON(data)
	v, err := decodeJSON(clean)
	if err != nil {
		return nil, &ParseError{Err: fmt.Errorf("%w: %s", ErrTemplate, jsonErrorText(clean, err))}
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, parseErr("", "a template must be a JSON object, not %s", typeName(v))
	}
	t := &Template{
		raw:       root,
		params:    map[string]*Parameter{},
		variables: map[string]any{},
		varNames:  map[string]string{},
		functions: map[string]*userFunc{},
	}
	if err := t.parseHeader(root); err != nil {
		return nil, err
	}
	if err := t.parseParameters(root, clean); err != nil {
		return nil, err
	}
	if err := t.parseVariables(root); err != nil {
		return nil, err
	}
	if err := t.parseFunctions(root); err != nil {
		return nil, err
	}
	if err := t.parseResources(root, clean); err != nil {
		return nil, err
	}
	if err := t.parseOutputs(root, clean); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Template) parseHeader(root map[string]any) error {
	for _, f := range []struct {
		key string
		dst *string
	}{{"$schema", &t.Schema}, {"contentVersion", &t.ContentVersion}, {"languageVersion", &t.LanguageVersion}} {
		if v, ok := lookupKey(root, f.key); ok {
			s, ok := v.(string)
			if !ok {
				return parseErr(f.key, "must be a string, not %s", typeName(v))
			}
			*f.dst = s
		}
	}
	if m, ok := lookupKey(root, "metadata"); ok {
		t.Metadata, _ = m.(map[string]any)
	}
	if d, ok := lookupKey(root, "definitions"); ok {
		t.definition, _ = d.(map[string]any)
	}
	schema := strings.ToLower(t.Schema)
	switch {
	case strings.Contains(schema, "subscriptiondeploymenttemplate"):
		t.Scope = ScopeSubscription
	case strings.Contains(schema, "managementgroupdeploymenttemplate"):
		t.Scope = ScopeManagementGroup
	case strings.Contains(schema, "tenantdeploymenttemplate"):
		t.Scope = ScopeTenant
	default:
		t.Scope = ScopeResourceGroup
	}
	return nil
}

func (t *Template) parseParameters(root map[string]any, src []byte) error {
	pv, ok := lookupKey(root, "parameters")
	if !ok || pv == nil {
		return nil
	}
	pm, ok := pv.(map[string]any)
	if !ok {
		return parseErr("parameters", "must be an object, not %s", typeName(pv))
	}
	scope := newTypeScope(t.definition)
	for _, name := range orderedKeys(src, "parameters", pm) {
		path := joinPath("parameters", name)
		d, ok := pm[name].(map[string]any)
		if !ok {
			return parseErr(path, "a parameter declaration must be an object, not %s", typeName(pm[name]))
		}
		p, err := parseParameter(name, path, d, scope)
		if err != nil {
			return err
		}
		lower := strings.ToLower(name)
		if _, dup := t.params[lower]; dup {
			return parseErr(path, "parameter '%s' is declared twice", name)
		}
		t.params[lower] = p
		t.Parameters = append(t.Parameters, p)
	}
	return nil
}

func parseParameter(name, path string, d map[string]any, scope *typeScope) (*Parameter, error) {
	if scope.left--; scope.left < 0 {
		return nil, parseErr(path, "the template's parameter types declare more than %d members", maxTypeMembers)
	}
	p := &Parameter{Name: name, Raw: d}
	// languageVersion 2.0 declarations may name a type of the template's
	// definitions.
	d, refs, err := resolveRef(path, d, scope.defs)
	if err != nil {
		return nil, err
	}
	tv, _ := lookupKey(d, "type")
	ts, ok := tv.(string)
	if !ok || !paramTypes[strings.ToLower(ts)] {
		return nil, parseErr(joinPath(path, "type"), "parameter type must be one of string, securestring, int, bool, object, secureObject, array (got %v)", tv)
	}
	p.Type = strings.ToLower(ts)
	if v, ok := lookupKey(d, "defaultValue"); ok {
		p.DefaultValue, p.HasDefault = v, true
	}
	if v, ok := lookupKey(d, "nullable"); ok {
		p.Nullable, _ = v.(bool)
	}
	if v, ok := lookupKey(d, "allowedValues"); ok {
		a, ok := v.([]any)
		if !ok {
			return nil, parseErr(joinPath(path, "allowedValues"), "must be an array, not %s", typeName(v))
		}
		p.AllowedValues = a
	}
	if str, ok := p.DefaultValue.(string); p.HasDefault && len(p.AllowedValues) > 0 && (!ok || !isExpression(str)) {
		// Azure refuses a literal default outside the allowed values.
		defaults := []any{p.DefaultValue}
		if arr, ok := p.DefaultValue.([]any); ok && p.Type == "array" {
			defaults = arr
		}
		for _, v := range defaults {
			if !containsValue(p.AllowedValues, v) {
				return nil, parseErr(joinPath(path, "defaultValue"), "the default value %s is not one of the allowed values %s", describe(v, p), describeAllowed(p))
			}
		}
	}
	for _, f := range []struct {
		key string
		dst **int64
	}{{"minValue", &p.MinValue}, {"maxValue", &p.MaxValue}, {"minLength", &p.MinLength}, {"maxLength", &p.MaxLength}} {
		if v, ok := lookupKey(d, f.key); ok {
			n, ok := v.(int64)
			if !ok {
				return nil, parseErr(joinPath(path, f.key), "must be an integer, not %s", typeName(v))
			}
			*f.dst = &n
		}
	}
	if v, ok := lookupKey(d, "metadata"); ok {
		p.Metadata, _ = v.(map[string]any)
		if desc, ok := lookupKey(p.Metadata, "description"); ok {
			p.Description, _ = desc.(string)
		}
	}
	for _, r := range refs {
		if outer := scope.expanding[r]; outer != nil {
			p.within = outer // a type within itself
			return p, nil
		}
	}
	for _, r := range refs {
		scope.expanding[r] = p
	}
	err = p.parseStructure(path, d, scope)
	for _, r := range refs {
		delete(scope.expanding, r)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (t *Template) parseVariables(root map[string]any) error {
	vv, ok := lookupKey(root, "variables")
	if !ok || vv == nil {
		return nil
	}
	vm, ok := vv.(map[string]any)
	if !ok {
		return parseErr("variables", "must be an object, not %s", typeName(vv))
	}
	for name, v := range vm {
		if strings.EqualFold(name, "copy") {
			loops, ok := v.([]any)
			if !ok {
				return parseErr("variables.copy", "must be an array of copy loops")
			}
			for i, l := range loops {
				lm, ok := l.(map[string]any)
				if !ok {
					return parseErr(fmt.Sprintf("variables.copy[%d]", i), "a copy loop must be an object")
				}
				n, _ := lookupKey(lm, "name")
				ns, ok := n.(string)
				if !ok || ns == "" {
					return parseErr(fmt.Sprintf("variables.copy[%d].name", i), "a copy loop needs a name")
				}
				if _, ok := lookupKey(lm, "input"); !ok {
					return parseErr(fmt.Sprintf("variables.copy[%d].input", i), "a variable copy loop needs an input")
				}
				t.varNames[strings.ToLower(ns)] = ns
			}
			t.varCopies = loops
			continue
		}
		t.variables[strings.ToLower(name)] = v
		t.varNames[strings.ToLower(name)] = name
	}
	return nil
}

func (t *Template) parseResources(root map[string]any, src []byte) error {
	rv, ok := lookupKey(root, "resources")
	if !ok || rv == nil {
		return nil
	}
	switch rs := rv.(type) {
	case []any:
		return t.parseResourceList(rs, "resources", nil)
	case map[string]any:
		// languageVersion 2.0: resources keyed by symbolic name.
		t.symbolic = true
		for _, name := range orderedKeys(src, "resources", rs) {
			path := joinPath("resources", name)
			m, ok := rs[name].(map[string]any)
			if !ok {
				return parseErr(path, "a resource must be an object, not %s", typeName(rs[name]))
			}
			if err := t.addResource(m, path, name, nil); err != nil {
				return err
			}
		}
		return nil
	}
	return parseErr("resources", "must be an array (or an object with languageVersion 2.0), not %s", typeName(rv))
}

func (t *Template) parseResourceList(list []any, path string, parent *resourceDecl) error {
	for i, r := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		m, ok := r.(map[string]any)
		if !ok {
			return parseErr(p, "a resource must be an object, not %s", typeName(r))
		}
		if err := t.addResource(m, p, "", parent); err != nil {
			return err
		}
	}
	return nil
}

func (t *Template) addResource(m map[string]any, path, symbolic string, parent *resourceDecl) error {
	for _, key := range []string{"type", "name"} {
		v, ok := lookupKey(m, key)
		if !ok {
			return parseErr(joinPath(path, key), "a resource needs a %s", key)
		}
		if _, ok := v.(string); !ok {
			return parseErr(joinPath(path, key), "must be a string, not %s", typeName(v))
		}
	}
	d := &resourceDecl{path: path, raw: m, symbolic: symbolic, parent: parent}
	if v, ok := lookupKey(m, "existing"); ok {
		d.existing, _ = v.(bool)
	}
	if c, ok := lookupKey(m, "copy"); ok {
		if _, ok := c.(map[string]any); !ok {
			return parseErr(joinPath(path, "copy"), "a resource copy must be an object with name and count")
		}
	}
	if dv, ok := lookupKey(m, "dependsOn"); ok && dv != nil {
		if _, ok := dv.([]any); !ok {
			return parseErr(joinPath(path, "dependsOn"), "must be an array, not %s", typeName(dv))
		}
	}
	t.resources = append(t.resources, d)
	if parent != nil {
		parent.children = append(parent.children, d)
	}
	if len(t.resources) > MaxResources {
		return parseErr(path, "more than %d resources", MaxResources)
	}
	if kids, ok := lookupKey(m, "resources"); ok && kids != nil {
		list, ok := kids.([]any)
		if !ok {
			return parseErr(joinPath(path, "resources"), "must be an array, not %s", typeName(kids))
		}
		return t.parseResourceList(list, joinPath(path, "resources"), d)
	}
	return nil
}

func (t *Template) parseOutputs(root map[string]any, src []byte) error {
	ov, ok := lookupKey(root, "outputs")
	if !ok || ov == nil {
		return nil
	}
	om, ok := ov.(map[string]any)
	if !ok {
		return parseErr("outputs", "must be an object, not %s", typeName(ov))
	}
	for _, name := range orderedKeys(src, "outputs", om) {
		path := joinPath("outputs", name)
		d, ok := om[name].(map[string]any)
		if !ok {
			return parseErr(path, "an output must be an object, not %s", typeName(om[name]))
		}
		// A user-defined type (languageVersion 2.0) gives the output its
		// type by "$ref".
		typed, _, err := resolveRef(path, d, t.definition)
		if err != nil {
			return err
		}
		tv, _ := lookupKey(typed, "type")
		ts, _ := tv.(string)
		if !paramTypes[strings.ToLower(ts)] {
			return parseErr(joinPath(path, "type"), "output type must be one of string, securestring, int, bool, object, secureObject, array (got %v)", tv)
		}
		_, hasValue := lookupKey(d, "value")
		_, hasCopy := lookupKey(d, "copy")
		if !hasValue && !hasCopy {
			return parseErr(path, "an output needs a value or a copy")
		}
		nullable, _ := lookupKey(typed, "nullable")
		null, _ := nullable.(bool)
		t.Outputs = append(t.Outputs, &OutputDecl{Name: name, Type: strings.ToLower(ts), Nullable: null, Raw: d})
	}
	return nil
}

// Parameter returns the declared parameter with the name, ignoring case.
func (t *Template) Parameter(name string) (*Parameter, bool) {
	p, ok := t.params[strings.ToLower(name)]
	return p, ok
}
