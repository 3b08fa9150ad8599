package arm

import (
	"fmt"
	"io"
	"strings"
)

// engine holds the state of one evaluation.
type engine struct {
	tpl    *Template
	dep    *Deployment
	given  map[string]any // supplied parameter values, lower-case names
	params map[string]*lazyValue
	vars   map[string]*lazyValue
	work   int
	rand   io.Reader
	// index of the template's resources, set once names are known, so that
	// reference() and dependsOn can resolve names and symbolic names.
	index *resourceIndex
	// depth counts the deployments this one is nested in.
	depth int
	// outer, for a nested deployment evaluated in the outer scope, is the
	// parent whose parameters, variables and functions it reads.
	outer *engine
	// pending, for a nested deployment in the inner scope, names the
	// parameters whose values only Azure computes (lower case): reading
	// one needs runtime state.
	pending map[string]bool
	// nestedRuns memoizes this template's nested deployments.
	nestedRuns map[*instance]*nestedRun
	// emptyLoops names the copy loops (by copy and symbolic name, lower
	// case) that expanded to no instance: a dependency on one is no
	// dependency, as in Azure.
	emptyLoops map[string]bool
}

// lazyValue memoizes a parameter or variable and detects cycles.
type lazyValue struct {
	busy bool
	done bool
	val  any
	err  error
}

func newEngine(tpl *Template, params map[string]any, dep *Deployment) *engine {
	e := &engine{
		tpl:    tpl,
		dep:    dep,
		given:  map[string]any{},
		params: map[string]*lazyValue{},
		vars:   map[string]*lazyValue{},
		rand:   dep.Rand,

		nestedRuns: map[*instance]*nestedRun{},
		emptyLoops: map[string]bool{},
	}
	for k, v := range params {
		e.given[strings.ToLower(k)] = v
	}
	return e
}

func (e *engine) rootScope(path string) *scope {
	return &scope{e: e, path: path}
}

// parameter returns the value of a template parameter: the supplied value
// or its default, evaluated once.
func (e *engine) parameter(name string) (any, error) {
	if e.outer != nil {
		return e.outer.parameter(name)
	}
	key := strings.ToLower(name)
	p, ok := e.tpl.params[key]
	if !ok {
		return nil, fmt.Errorf("the template has no parameter '%s'", name)
	}
	lv := e.params[key]
	if lv == nil {
		lv = &lazyValue{}
		e.params[key] = lv
	}
	if lv.done {
		return lv.val, lv.err
	}
	if lv.busy {
		return nil, fmt.Errorf("parameter '%s' depends on itself", p.Name)
	}
	lv.busy = true
	lv.val, lv.err = e.resolveParameter(p)
	lv.busy, lv.done = false, true
	return lv.val, lv.err
}

func (e *engine) resolveParameter(p *Parameter) (any, error) {
	if e.pending[strings.ToLower(p.Name)] {
		return nil, fmt.Errorf("%w: parameter '%s' is given a value Azure computes while deploying", ErrNoState, p.Name)
	}
	if v, ok := e.given[strings.ToLower(p.Name)]; ok {
		return v, nil
	}
	if !p.HasDefault {
		if p.Nullable {
			return nil, nil
		}
		return nil, fmt.Errorf("parameter '%s' has no value and no default", p.Name)
	}
	s := &scope{e: e, path: joinPath(joinPath("parameters", p.Name), "defaultValue"), paramDefault: true}
	v, err := s.evalJSON(p.DefaultValue, false)
	if err != nil {
		return nil, err
	}
	if errs := p.validate(v); len(errs) > 0 {
		return nil, &EvalError{Path: s.path, Err: errs[0]}
	}
	return v, nil
}

// variable returns the value of a template variable, evaluated once.
func (e *engine) variable(name string) (any, error) {
	if e.outer != nil {
		return e.outer.variable(name)
	}
	key := strings.ToLower(name)
	declared, ok := e.tpl.varNames[key]
	if !ok {
		return nil, fmt.Errorf("the template has no variable '%s'", name)
	}
	lv := e.vars[key]
	if lv == nil {
		lv = &lazyValue{}
		e.vars[key] = lv
	}
	if lv.done {
		return lv.val, lv.err
	}
	if lv.busy {
		return nil, fmt.Errorf("variable '%s' depends on itself", declared)
	}
	lv.busy = true
	if raw, ok := e.tpl.variables[key]; ok {
		lv.val, lv.err = e.rootScope(joinPath("variables", declared)).evalJSON(raw, true)
	} else {
		lv.val, lv.err = e.variableCopy(key)
	}
	lv.busy, lv.done = false, true
	return lv.val, lv.err
}

// variableCopy evaluates a loop of the variables' "copy" array.
func (e *engine) variableCopy(key string) (any, error) {
	for i, l := range e.tpl.varCopies {
		lm := l.(map[string]any)
		n, _ := lookupKey(lm, "name")
		if ns, _ := n.(string); strings.ToLower(ns) == key {
			s := e.rootScope(fmt.Sprintf("variables.copy[%d]", i))
			return s.copyArray(lm, ns, false)
		}
	}
	return nil, fmt.Errorf("the template has no variable '%s'", key)
}

// copyCount evaluates a loop's count and checks Azure's bounds.
func (s *scope) copyCount(loop map[string]any) (int, error) {
	cv, ok := lookupKey(loop, "count")
	if !ok {
		return 0, &EvalError{Path: joinPath(s.path, "count"), Err: fmt.Errorf("a copy loop needs a count")}
	}
	cs := s.at(joinPath(s.path, "count"))
	c, err := cs.evalJSON(cv, false)
	if err != nil {
		return 0, err
	}
	n, err := argInt([]any{c}, 0)
	if err != nil {
		return 0, &EvalError{Path: cs.path, Err: fmt.Errorf("the copy count must be an integer, not %s", typeName(c))}
	}
	if n < 0 || n > MaxCopyCount {
		return 0, &EvalError{Path: cs.path, Err: fmt.Errorf("%w: the copy count %d is outside 0..%d", ErrLimit, n, MaxCopyCount)}
	}
	return int(n), nil
}

// copyArray evaluates a {name,count,input} loop into an array.
func (s *scope) copyArray(loop map[string]any, name string, unnamed bool) ([]any, error) {
	n, err := s.copyCount(loop)
	if err != nil {
		return nil, err
	}
	input, ok := lookupKey(loop, "input")
	if !ok {
		return nil, &EvalError{Path: joinPath(s.path, "input"), Err: fmt.Errorf("a copy loop needs an input")}
	}
	out := make([]any, n)
	for i := 0; i < n; i++ {
		is := s.withCopy(copyFrame{name: name, index: i, unnamed: unnamed}).at(joinPath(s.path, "input"))
		v, err := is.evalJSON(input, true)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// isPropertyCopy reports whether a "copy" member is a property-iteration
// array rather than an ordinary property that happens to be named copy.
func isPropertyCopy(loops []any) bool {
	if len(loops) == 0 {
		return false
	}
	for _, l := range loops {
		m, ok := l.(map[string]any)
		if !ok {
			return false
		}
		_, hasName := lookupKey(m, "name")
		_, hasInput := lookupKey(m, "input")
		_, hasCount := lookupKey(m, "count")
		if !hasName || !hasInput || !hasCount {
			return false
		}
	}
	return true
}

// expandPropertyCopies adds one array member per loop to out.
func (s *scope) expandPropertyCopies(loops []any, out map[string]any) error {
	for i, l := range loops {
		lm := l.(map[string]any)
		ls := s.at(fmt.Sprintf("%s[%d]", s.path, i))
		nv, _ := lookupKey(lm, "name")
		name, ok := nv.(string)
		if !ok {
			return &EvalError{Path: joinPath(ls.path, "name"), Err: fmt.Errorf("a copy loop name must be a string")}
		}
		arr, err := ls.copyArray(lm, name, false)
		if err != nil {
			return err
		}
		out[name] = arr
	}
	return nil
}
