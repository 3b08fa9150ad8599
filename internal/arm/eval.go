package arm

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrNoState is wrapped when reference() or a list*() function needs the
// runtime state of a resource that Deployment.State does not hold.
var ErrNoState = errors.New("runtime state not available")

// ErrLimit is wrapped when a template exceeds one of the engine's limits.
var ErrLimit = errors.New("limit exceeded")

// EvalError is an error evaluating the template value at Path (a JSON path
// such as resources[2].properties.osProfile.computerName); Expr is the
// expression text when the value was an expression.
type EvalError struct {
	Path string
	Expr string
	Err  error
}

func (e *EvalError) Error() string {
	if e.Expr != "" {
		return fmt.Sprintf("%s: %s: %v", e.Path, e.Expr, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *EvalError) Unwrap() error { return e.Err }

// copyFrame is one active copy loop.
type copyFrame struct {
	name  string
	index int
	// unnamed marks resource and output loops, which copyIndex() without a
	// loop name refers to.
	unnamed bool
}

// scope is what one expression sees: the engine, the loops it is inside,
// the arguments of the user function or lambda it is in, and its path.
type scope struct {
	e      *engine
	path   string
	copies []copyFrame
	// fnArgs is non-nil inside a user-defined function: parameters() reads
	// the function's arguments and most template functions are off limits.
	fnArgs map[string]any
	// lambdaVars holds lambda('x', ...) variables by lower-case name.
	lambdaVars map[string]any
	// paramDefault allows utcNow() and newGuid(), which Azure accepts only
	// in parameter default values.
	paramDefault bool
	// refs collects the ids of template resources that reference() or
	// list*() touched, which ARM turns into implicit dependencies.
	refs *[]string
	// unresolved, when set, makes expressions that need runtime state keep
	// their text (as what-if shows them) and records their paths here.
	unresolved *[]string
}

func (s *scope) at(path string) *scope {
	c := *s
	c.path = path
	return &c
}

func (s *scope) withCopy(f copyFrame) *scope {
	c := *s
	c.copies = append(append([]copyFrame(nil), s.copies...), f)
	return &c
}

// parseCache shares parsed expressions: copy loops evaluate the same text
// hundreds of times. It stops growing at maxCached entries so that a
// long-running server fed many templates keeps bounded memory.
var (
	parseCache  sync.Map // string -> node or error
	parseCached atomic.Int64
)

const maxCached = 20000

func parse(src string) (node, error) {
	if v, ok := parseCache.Load(src); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(node), nil
	}
	n, err := parseExpression(src)
	if len(src) < 4096 && parseCached.Load() < maxCached {
		parseCached.Add(1)
		if err != nil {
			parseCache.Store(src, err)
		} else {
			parseCache.Store(src, n)
		}
	}
	return n, err
}

// evalString evaluates one JSON string: an expression when bracketed,
// otherwise the literal text.
func (s *scope) evalString(str string) (any, error) {
	inner, isExpr, lit := exprText(str)
	if !isExpr {
		return lit, nil
	}
	n, err := parse(inner)
	if err != nil {
		return nil, &EvalError{Path: s.path, Expr: str, Err: err}
	}
	v, err := s.evalNode(n)
	if err != nil && s.unresolved != nil && errors.Is(err, ErrNoState) {
		*s.unresolved = append(*s.unresolved, s.path)
		return str, nil
	}
	if err != nil {
		var ee *EvalError
		if errors.As(err, &ee) && ee.Path == s.path {
			return nil, err
		}
		return nil, &EvalError{Path: s.path, Expr: str, Err: err}
	}
	return v, nil
}

// evalJSON evaluates every expression in a JSON value. With propertyCopy,
// objects holding a "copy" array of {name,count,input} expand into arrays
// (property and variable iteration).
func (s *scope) evalJSON(v any, propertyCopy bool) (any, error) {
	if err := s.e.charge(1); err != nil {
		return nil, &EvalError{Path: s.path, Err: err}
	}
	switch t := v.(type) {
	case string:
		return s.evalString(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := s.at(fmt.Sprintf("%s[%d]", s.path, i)).evalJSON(e, propertyCopy)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			if propertyCopy && strings.EqualFold(k, "copy") {
				if loops, ok := t[k].([]any); ok && isPropertyCopy(loops) {
					if err := s.at(joinPath(s.path, k)).expandPropertyCopies(loops, out); err != nil {
						return nil, err
					}
					continue
				}
			}
			key := k
			if _, isExpr, _ := exprText(k); isExpr {
				// Azure evaluates expressions in property names too.
				kv, err := s.at(joinPath(s.path, k)).evalString(k)
				if err != nil {
					return nil, err
				}
				ks, ok := kv.(string)
				if !ok {
					return nil, &EvalError{Path: joinPath(s.path, k), Err: fmt.Errorf("a property name must be a string, not %s", typeName(kv))}
				}
				key = ks
			} else {
				_, _, key = exprText(k)
			}
			r, err := s.at(joinPath(s.path, k)).evalJSON(t[k], propertyCopy)
			if err != nil {
				return nil, err
			}
			out[key] = r
		}
		return out, nil
	}
	return v, nil
}

// joinPath appends a member name to a JSON path, quoting odd names.
func joinPath(path, key string) string {
	simple := key != ""
	for i := 0; i < len(key); i++ {
		if !isIdentPart(key[i]) && key[i] != '-' {
			simple = false
			break
		}
	}
	if !simple {
		key = fmt.Sprintf("[%q]", key)
		return path + key
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func (s *scope) evalNode(n node) (any, error) {
	switch t := n.(type) {
	case *strNode:
		return t.val, nil
	case *intNode:
		return t.val, nil
	case *litNode:
		return t.val, nil
	case *memberNode:
		target, err := s.evalNode(t.target)
		if err != nil {
			return nil, err
		}
		return member(target, t.name)
	case *indexNode:
		target, err := s.evalNode(t.target)
		if err != nil {
			return nil, err
		}
		idx, err := s.evalNode(t.index)
		if err != nil {
			return nil, err
		}
		return index(target, idx)
	case *callNode:
		return s.call(t)
	}
	return nil, fmt.Errorf("unknown expression node %T", n)
}

func member(target any, name string) (any, error) {
	obj, ok := target.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cannot read property '%s' of a value of type %s", name, typeName(target))
	}
	v, ok := lookupKey(obj, name)
	if !ok {
		return nil, fmt.Errorf("the object has no property '%s' (it has %s)", name, describeKeys(obj))
	}
	return v, nil
}

func describeKeys(obj map[string]any) string {
	keys := sortedKeys(obj)
	if len(keys) == 0 {
		return "none"
	}
	if len(keys) > 10 {
		keys = append(keys[:10], "...")
	}
	return "'" + strings.Join(keys, "', '") + "'"
}

func index(target, idx any) (any, error) {
	switch t := target.(type) {
	case []any:
		i, ok := idx.(int64)
		if !ok {
			return nil, fmt.Errorf("an array index must be an integer, not %s", typeName(idx))
		}
		if i < 0 || i >= int64(len(t)) {
			return nil, fmt.Errorf("index %d is out of range for an array of length %d", i, len(t))
		}
		return t[i], nil
	case map[string]any:
		k, ok := idx.(string)
		if !ok {
			return nil, fmt.Errorf("an object index must be a string, not %s", typeName(idx))
		}
		return member(t, k)
	}
	return nil, fmt.Errorf("cannot index a value of type %s", typeName(target))
}

func (s *scope) call(c *callNode) (any, error) {
	if err := s.e.charge(1); err != nil {
		return nil, err
	}
	name := strings.ToLower(c.name)
	if strings.Contains(name, ".") {
		return s.callUser(c)
	}
	b, ok := builtins[name]
	if !ok && strings.HasPrefix(name, "list") {
		b = listBuiltin
	}
	if b == nil {
		return nil, fmt.Errorf("unknown function '%s'", c.name)
	}
	if len(c.args) < b.min || (b.max >= 0 && len(c.args) > b.max) {
		return nil, fmt.Errorf("%s: %s", c.name, arityText(b.min, b.max, len(c.args)))
	}
	if s.fnArgs != nil && b.notInFunctions {
		return nil, fmt.Errorf("%s cannot be used in a user-defined function", c.name)
	}
	var (
		v   any
		err error
	)
	if b.lazy != nil {
		v, err = b.lazy(s, c.args)
	} else {
		args := make([]any, len(c.args))
		for i, a := range c.args {
			if args[i], err = s.evalNode(a); err != nil {
				return nil, err
			}
		}
		v, err = b.fn(&callCtx{scope: s, name: c.name}, args)
	}
	if err != nil {
		if errors.Is(err, ErrNoState) || errors.Is(err, ErrLimit) {
			return nil, err
		}
		var ee *EvalError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	if !b.cheap {
		if err := s.e.measure(v); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return v, nil
}

func arityText(min, max, got int) string {
	switch {
	case max == min:
		return fmt.Sprintf("expects %d argument(s), got %d", min, got)
	case max < 0:
		return fmt.Sprintf("expects at least %d argument(s), got %d", min, got)
	}
	return fmt.Sprintf("expects %d to %d arguments, got %d", min, max, got)
}

// measure charges the size of a value a function built and rejects values
// over the size limits.
func (e *engine) measure(v any) error {
	switch t := v.(type) {
	case string:
		if len(t) > MaxStringLength {
			return fmt.Errorf("%w: string of %d bytes (the limit is %d)", ErrLimit, len(t), MaxStringLength)
		}
		return e.charge(len(t)/16 + 1)
	case []any, map[string]any:
		n := valueSize(v, MaxValueSize)
		if n > MaxValueSize {
			return fmt.Errorf("%w: value larger than %d units", ErrLimit, MaxValueSize)
		}
		return e.charge(n)
	}
	return nil
}

func (e *engine) charge(n int) error {
	e.work += n
	if e.work > maxWork {
		return fmt.Errorf("%w: evaluation needs too much work", ErrLimit)
	}
	return nil
}
