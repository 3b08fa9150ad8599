package arm

import (
	"fmt"
	"strings"
)

// Comparison and logical functions.

func init() {
	register(map[string]*builtin{
		"coalesce": {min: 1, max: -1, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			for _, v := range a {
				if v != nil {
					return v, nil
				}
			}
			return nil, nil
		}},
		"equals":          {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) { return deepEqual(a[0], a[1]), nil }},
		"greater":         {min: 2, max: 2, fn: compareFn(func(r int) bool { return r > 0 })},
		"greaterOrEquals": {min: 2, max: 2, fn: compareFn(func(r int) bool { return r >= 0 })},
		"less":            {min: 2, max: 2, fn: compareFn(func(r int) bool { return r < 0 })},
		"lessOrEquals":    {min: 2, max: 2, fn: compareFn(func(r int) bool { return r <= 0 })},

		"and": {min: 1, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			for i := range a {
				b, err := argBool(a, i)
				if err != nil {
					return nil, err
				}
				if !b {
					return false, nil
				}
			}
			return true, nil
		}},
		"or": {min: 1, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			for i := range a {
				b, err := argBool(a, i)
				if err != nil {
					return nil, err
				}
				if b {
					return true, nil
				}
			}
			return false, nil
		}},
		"not": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			b, err := argBool(a, 0)
			return !b, err
		}},
		"bool": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			switch v := a[0].(type) {
			case bool:
				return v, nil
			case int64:
				return v != 0, nil
			case string:
				switch strings.ToLower(v) {
				case "true":
					return true, nil
				case "false":
					return false, nil
				}
				return nil, fmt.Errorf("%q is not a boolean", v)
			}
			return nil, fmt.Errorf("cannot convert %s to a boolean", typeName(a[0]))
		}},
		"true":  {min: 0, max: 0, fn: func(c *callCtx, a []any) (any, error) { return true, nil }},
		"false": {min: 0, max: 0, fn: func(c *callCtx, a []any) (any, error) { return false, nil }},
		// if evaluates only the branch it returns, as Azure documents, so a
		// branch may hold an expression valid only under its condition.
		"if": {min: 3, max: 3, cheap: true, lazy: func(s *scope, a []node) (any, error) {
			cond, err := s.evalNode(a[0])
			if err != nil {
				return nil, err
			}
			b, ok := cond.(bool)
			if !ok {
				return nil, fmt.Errorf("the condition must be a boolean, not %s", typeName(cond))
			}
			if b {
				return s.evalNode(a[1])
			}
			return s.evalNode(a[2])
		}},
	})
}

// compareFn implements greater/less: integers numerically, strings with a
// culture-style comparison (case-insensitive first, lower case before
// upper case on ties), as .NET's default string comparison orders them.
func compareFn(ok func(int) bool) func(c *callCtx, a []any) (any, error) {
	return func(c *callCtx, a []any) (any, error) {
		switch x := a[0].(type) {
		case int64, float64:
			xf, _ := toFloat(x)
			yf, isNum := toFloat(a[1])
			if !isNum {
				return nil, fmt.Errorf("cannot compare %s with %s", typeName(a[0]), typeName(a[1]))
			}
			switch {
			case xf < yf:
				return ok(-1), nil
			case xf > yf:
				return ok(1), nil
			}
			return ok(0), nil
		case string:
			y, isStr := a[1].(string)
			if !isStr {
				return nil, fmt.Errorf("cannot compare %s with %s", typeName(a[0]), typeName(a[1]))
			}
			return ok(cultureCompare(x, y)), nil
		}
		return nil, fmt.Errorf("can compare integers or strings, not %s", typeName(a[0]))
	}
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}

func cultureCompare(x, y string) int {
	if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
		return c
	}
	xr, yr := []rune(x), []rune(y)
	for i := range xr {
		if xr[i] != yr[i] {
			// Same letter, different case: lower case sorts first.
			if xr[i] > yr[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
