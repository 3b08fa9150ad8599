package arm

import (
	"fmt"
	"strings"
)

// userFunc is one member of the template's "functions" section.
type userFunc struct {
	name    string // namespace.member as declared
	params  []userFuncParam
	outType string
	output  any
	path    string
}

type userFuncParam struct {
	name string
	typ  string
}

func (t *Template) parseFunctions(root map[string]any) error {
	fv, ok := lookupKey(root, "functions")
	if !ok || fv == nil {
		return nil
	}
	list, ok := fv.([]any)
	if !ok {
		return parseErr("functions", "must be an array of namespaces, not %s", typeName(fv))
	}
	for i, nsv := range list {
		path := fmt.Sprintf("functions[%d]", i)
		ns, ok := nsv.(map[string]any)
		if !ok {
			return parseErr(path, "a function namespace must be an object")
		}
		nv, _ := lookupKey(ns, "namespace")
		nsName, ok := nv.(string)
		if !ok || nsName == "" || strings.Contains(nsName, ".") {
			return parseErr(joinPath(path, "namespace"), "a function namespace needs a name without dots")
		}
		mv, _ := lookupKey(ns, "members")
		members, ok := mv.(map[string]any)
		if !ok {
			return parseErr(joinPath(path, "members"), "must be an object of functions")
		}
		for mname, fd := range members {
			fpath := joinPath(joinPath(path, "members"), mname)
			fm, ok := fd.(map[string]any)
			if !ok {
				return parseErr(fpath, "a function must be an object")
			}
			f := &userFunc{name: nsName + "." + mname, path: fpath}
			if pv, ok := lookupKey(fm, "parameters"); ok && pv != nil {
				pl, ok := pv.([]any)
				if !ok {
					return parseErr(joinPath(fpath, "parameters"), "must be an array")
				}
				for j, p := range pl {
					pm, _ := p.(map[string]any)
					n, _ := lookupKey(pm, "name")
					ty, _ := lookupKey(pm, "type")
					ns, ok1 := n.(string)
					ts, _ := ty.(string)
					if !ok1 || ns == "" {
						return parseErr(fmt.Sprintf("%s.parameters[%d].name", fpath, j), "a function parameter needs a name")
					}
					if _, hasDefault := lookupKey(pm, "defaultValue"); hasDefault {
						return parseErr(fmt.Sprintf("%s.parameters[%d]", fpath, j), "function parameters cannot have default values")
					}
					f.params = append(f.params, userFuncParam{name: ns, typ: strings.ToLower(ts)})
				}
			}
			ov, _ := lookupKey(fm, "output")
			om, ok := ov.(map[string]any)
			if !ok {
				return parseErr(joinPath(fpath, "output"), "a function needs an output with a type and a value")
			}
			ot, _ := lookupKey(om, "type")
			f.outType, _ = ot.(string)
			f.outType = strings.ToLower(f.outType)
			val, ok := lookupKey(om, "value")
			if !ok {
				return parseErr(joinPath(fpath, "output.value"), "a function output needs a value")
			}
			f.output = val
			t.functions[strings.ToLower(f.name)] = f
		}
	}
	return nil
}

func (s *scope) callUser(c *callNode) (any, error) {
	if s.fnArgs != nil {
		return nil, fmt.Errorf("%s: a user-defined function cannot call another user-defined function", c.name)
	}
	f, ok := s.e.tpl.functions[strings.ToLower(c.name)]
	if !ok && s.e.outer != nil {
		f, ok = s.e.outer.tpl.functions[strings.ToLower(c.name)]
	}
	if !ok {
		return nil, fmt.Errorf("unknown user-defined function '%s'", c.name)
	}
	if len(c.args) != len(f.params) {
		return nil, fmt.Errorf("%s: expects %d argument(s), got %d", c.name, len(f.params), len(c.args))
	}
	args := make(map[string]any, len(f.params))
	for i, a := range c.args {
		v, err := s.evalNode(a)
		if err != nil {
			return nil, err
		}
		if err := checkType(f.params[i].typ, v); err != nil {
			return nil, fmt.Errorf("%s: parameter '%s': %w", c.name, f.params[i].name, err)
		}
		args[strings.ToLower(f.params[i].name)] = v
	}
	fs := &scope{e: s.e, path: joinPath(f.path, "output.value"), fnArgs: args, refs: nil}
	v, err := fs.evalJSON(f.output, false)
	if err != nil {
		return nil, err
	}
	if err := checkType(f.outType, v); err != nil {
		return nil, fmt.Errorf("%s: output: %w", c.name, err)
	}
	return v, nil
}

// checkType checks a value against a declared ARM type; an empty type
// accepts anything.
func checkType(typ string, v any) error {
	ok := true
	switch strings.ToLower(typ) {
	case "":
		return nil
	case "string", "securestring":
		_, ok = v.(string)
	case "int":
		_, ok = v.(int64)
	case "bool":
		_, ok = v.(bool)
	case "object", "secureobject":
		_, ok = v.(map[string]any)
	case "array":
		_, ok = v.([]any)
	}
	if !ok {
		return fmt.Errorf("expected a value of type %s, got %s", typ, typeName(v))
	}
	return nil
}
