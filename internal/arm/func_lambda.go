package arm

import (
	"fmt"
	"sort"
	"strings"
)

// Lambda functions: filter, map, reduce, sort, toObject, groupBy,
// mapValues. Their lambda arguments are evaluated per element.

type lambdaFn struct {
	params []string
	body   node
}

func parseLambda(n node, wantMin, wantMax int) (*lambdaFn, error) {
	c, ok := n.(*callNode)
	if !ok || !strings.EqualFold(c.name, "lambda") {
		return nil, fmt.Errorf("expected a lambda(...) argument")
	}
	if len(c.args) < 2 {
		return nil, fmt.Errorf("a lambda needs parameter names and a body")
	}
	l := &lambdaFn{body: c.args[len(c.args)-1]}
	for _, p := range c.args[:len(c.args)-1] {
		s, ok := p.(*strNode)
		if !ok {
			return nil, fmt.Errorf("lambda parameter names must be string literals")
		}
		l.params = append(l.params, strings.ToLower(s.val))
	}
	if len(l.params) < wantMin || len(l.params) > wantMax {
		return nil, fmt.Errorf("the lambda takes %d to %d parameters, got %d", wantMin, wantMax, len(l.params))
	}
	return l, nil
}

func (s *scope) applyLambda(l *lambdaFn, vals ...any) (any, error) {
	vars := make(map[string]any, len(s.lambdaVars)+len(vals))
	for k, v := range s.lambdaVars {
		vars[k] = v
	}
	for i, p := range l.params {
		if i < len(vals) {
			vars[p] = vals[i]
		}
	}
	c := *s
	c.lambdaVars = vars
	v, err := c.evalNode(l.body)
	if err != nil {
		return nil, err
	}
	// Charge what each call returns, so that lambdas cannot build more
	// than the work budget allows.
	if err := s.e.measure(v); err != nil {
		return nil, err
	}
	return v, nil
}

func lazyArrayArg(s *scope, n node) ([]any, error) {
	v, err := s.evalNode(n)
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("argument 1 must be an array, not %s", typeName(v))
	}
	return arr, nil
}

func init() {
	register(map[string]*builtin{
		"lambda": {min: 2, max: -1, lazy: func(s *scope, a []node) (any, error) {
			return nil, fmt.Errorf("lambda can only be used as an argument of filter, map, reduce, sort, toObject, groupBy or mapValues")
		}},
		"lambdaVariables": {min: 1, max: 1, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			name, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			v, ok := c.lambdaVars[strings.ToLower(name)]
			if !ok {
				return nil, fmt.Errorf("no lambda variable '%s' in scope", name)
			}
			return v, nil
		}},
		"filter": {min: 2, max: 2, lazy: func(s *scope, a []node) (any, error) {
			arr, err := lazyArrayArg(s, a[0])
			if err != nil {
				return nil, err
			}
			l, err := parseLambda(a[1], 1, 2)
			if err != nil {
				return nil, err
			}
			out := []any{}
			for i, e := range arr {
				keep, err := s.applyLambda(l, e, int64(i))
				if err != nil {
					return nil, err
				}
				b, ok := keep.(bool)
				if !ok {
					return nil, fmt.Errorf("the filter lambda must return a boolean, not %s", typeName(keep))
				}
				if b {
					out = append(out, e)
				}
			}
			return out, nil
		}},
		"map": {min: 2, max: 2, lazy: func(s *scope, a []node) (any, error) {
			arr, err := lazyArrayArg(s, a[0])
			if err != nil {
				return nil, err
			}
			l, err := parseLambda(a[1], 1, 2)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(arr))
			for i, e := range arr {
				if out[i], err = s.applyLambda(l, e, int64(i)); err != nil {
					return nil, err
				}
			}
			return out, nil
		}},
		"reduce": {min: 3, max: 3, lazy: func(s *scope, a []node) (any, error) {
			arr, err := lazyArrayArg(s, a[0])
			if err != nil {
				return nil, err
			}
			acc, err := s.evalNode(a[1])
			if err != nil {
				return nil, err
			}
			l, err := parseLambda(a[2], 2, 3)
			if err != nil {
				return nil, err
			}
			for i, e := range arr {
				if acc, err = s.applyLambda(l, acc, e, int64(i)); err != nil {
					return nil, err
				}
				if err := s.e.measure(acc); err != nil {
					return nil, err
				}
			}
			return acc, nil
		}},
		"sort": {min: 2, max: 2, lazy: func(s *scope, a []node) (any, error) {
			arr, err := lazyArrayArg(s, a[0])
			if err != nil {
				return nil, err
			}
			l, err := parseLambda(a[1], 2, 2)
			if err != nil {
				return nil, err
			}
			out := append([]any{}, arr...)
			var sortErr error
			sort.SliceStable(out, func(i, j int) bool {
				if sortErr != nil {
					return false
				}
				r, err := s.applyLambda(l, out[i], out[j])
				if err != nil {
					sortErr = err
					return false
				}
				b, _ := r.(bool)
				return b
			})
			return out, sortErr
		}},
		"toObject": {min: 2, max: 3, lazy: func(s *scope, a []node) (any, error) {
			arr, err := lazyArrayArg(s, a[0])
			if err != nil {
				return nil, err
			}
			kl, err := parseLambda(a[1], 1, 1)
			if err != nil {
				return nil, err
			}
			var vl *lambdaFn
			if len(a) == 3 {
				if vl, err = parseLambda(a[2], 1, 1); err != nil {
					return nil, err
				}
			}
			out := map[string]any{}
			for _, e := range arr {
				k, err := s.applyLambda(kl, e)
				if err != nil {
					return nil, err
				}
				ks, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("the key lambda must return a string, not %s", typeName(k))
				}
				v := e
				if vl != nil {
					if v, err = s.applyLambda(vl, e); err != nil {
						return nil, err
					}
				}
				out[ks] = v
			}
			return out, nil
		}},
		"groupBy": {min: 2, max: 2, lazy: func(s *scope, a []node) (any, error) {
			arr, err := lazyArrayArg(s, a[0])
			if err != nil {
				return nil, err
			}
			l, err := parseLambda(a[1], 1, 1)
			if err != nil {
				return nil, err
			}
			out := map[string]any{}
			for _, e := range arr {
				k, err := s.applyLambda(l, e)
				if err != nil {
					return nil, err
				}
				ks, ok := k.(string)
				if !ok {
					return nil, fmt.Errorf("the key lambda must return a string, not %s", typeName(k))
				}
				group, _ := out[ks].([]any)
				out[ks] = append(group, e)
			}
			return out, nil
		}},
		"mapValues": {min: 2, max: 2, lazy: func(s *scope, a []node) (any, error) {
			v, err := s.evalNode(a[0])
			if err != nil {
				return nil, err
			}
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("argument 1 must be an object, not %s", typeName(v))
			}
			l, err := parseLambda(a[1], 1, 1)
			if err != nil {
				return nil, err
			}
			out := make(map[string]any, len(obj))
			for k, e := range obj {
				if out[k], err = s.applyLambda(l, e); err != nil {
					return nil, err
				}
			}
			return out, nil
		}},
	})
}
