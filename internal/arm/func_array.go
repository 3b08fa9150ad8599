package arm

import (
	"fmt"
	"strings"
)

// Array functions. Several (concat, contains, empty, first, last, length,
// skip, take, intersection, union) also accept strings or objects.

func init() {
	register(map[string]*builtin{
		"array": {min: 1, max: 1, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			if arr, ok := a[0].([]any); ok {
				return arr, nil
			}
			return []any{a[0]}, nil
		}},
		"concat": {min: 0, max: -1, fn: concatFn},
		"contains": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			switch v := a[0].(type) {
			case string:
				switch n := a[1].(type) {
				case string, int64, bool:
					return strings.Contains(v, stringify(n)), nil
				}
				return nil, fmt.Errorf("cannot look for %s in a string", typeName(a[1]))
			case []any:
				for _, e := range v {
					if deepEqual(e, a[1]) {
						return true, nil
					}
				}
				return false, nil
			case map[string]any:
				k, ok := a[1].(string)
				if !ok {
					return nil, fmt.Errorf("an object key must be a string, not %s", typeName(a[1]))
				}
				_, found := lookupKey(v, k)
				return found, nil
			}
			return nil, fmt.Errorf("argument 1 must be a string, an array or an object, not %s", typeName(a[0]))
		}},
		"createArray": {min: 0, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			return append([]any{}, a...), nil
		}},
		"empty": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			switch v := a[0].(type) {
			case nil:
				return true, nil
			case string:
				return v == "", nil
			case []any:
				return len(v) == 0, nil
			case map[string]any:
				return len(v) == 0, nil
			}
			return nil, fmt.Errorf("argument 1 must be a string, an array, an object or null, not %s", typeName(a[0]))
		}},
		"first": {min: 1, max: 1, cheap: true, fn: func(c *callCtx, a []any) (any, error) { return firstLast(a[0], false) }},
		"last":  {min: 1, max: 1, cheap: true, fn: func(c *callCtx, a []any) (any, error) { return firstLast(a[0], true) }},
		"flatten": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			arr, err := argArr(a, 0)
			if err != nil {
				return nil, err
			}
			out := []any{}
			for i, e := range arr {
				inner, ok := e.([]any)
				if !ok {
					return nil, fmt.Errorf("element %d is %s; flatten takes an array of arrays", i, typeName(e))
				}
				out = append(out, inner...)
			}
			return out, nil
		}},
		"intersection": {min: 2, max: -1, fn: intersectionFn},
		"union":        {min: 1, max: -1, fn: unionFn},
		"length": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			switch v := a[0].(type) {
			case string:
				return int64(len(u16(v))), nil
			case []any:
				return int64(len(v)), nil
			case map[string]any:
				return int64(len(v)), nil
			}
			return nil, fmt.Errorf("argument 1 must be a string, an array or an object, not %s", typeName(a[0]))
		}},
		"range": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			start, err := argInt(a, 0)
			if err != nil {
				return nil, err
			}
			count, err := argInt(a, 1)
			if err != nil {
				return nil, err
			}
			if count < 0 || count > MaxRangeCount {
				return nil, fmt.Errorf("%w: the count %d is outside 0..%d", ErrLimit, count, MaxRangeCount)
			}
			if start > 2147483647-count || start < -2147483648 {
				return nil, fmt.Errorf("the start index and count must stay within 32-bit integers")
			}
			out := make([]any, count)
			for i := range out {
				out[i] = start + int64(i)
			}
			return out, nil
		}},
		"skip": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) { return skipTake(a, true) }},
		"take": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) { return skipTake(a, false) }},
	})
}

func concatFn(c *callCtx, a []any) (any, error) {
	if len(a) > 0 {
		if _, isArr := a[0].([]any); isArr {
			out := []any{}
			for i, e := range a {
				switch v := e.(type) {
				case []any:
					out = append(out, v...)
				case nil:
				default:
					return nil, fmt.Errorf("argument %d is %s; concat of arrays takes arrays only", i+1, typeName(e))
				}
			}
			return out, nil
		}
	}
	var b strings.Builder
	for i, e := range a {
		switch e.(type) {
		case []any, map[string]any:
			return nil, fmt.Errorf("argument %d is %s; concat of strings takes strings, integers and booleans", i+1, typeName(e))
		}
		b.WriteString(stringify(e))
		if b.Len() > MaxStringLength {
			return nil, fmt.Errorf("%w: concat result longer than %d bytes", ErrLimit, MaxStringLength)
		}
	}
	return b.String(), nil
}

func firstLast(v any, last bool) (any, error) {
	switch t := v.(type) {
	case string:
		u := u16(t)
		if len(u) == 0 {
			return "", nil
		}
		if last {
			return fromU16(u[len(u)-1:]), nil
		}
		return fromU16(u[:1]), nil
	case []any:
		if len(t) == 0 {
			return nil, nil
		}
		if last {
			return t[len(t)-1], nil
		}
		return t[0], nil
	}
	return nil, fmt.Errorf("argument 1 must be a string or an array, not %s", typeName(v))
}

func skipTake(a []any, skip bool) (any, error) {
	n, err := argInt(a, 1)
	if err != nil {
		return nil, err
	}
	switch v := a[0].(type) {
	case string:
		u := u16(v)
		k := clampIndex(n, len(u))
		if skip {
			return fromU16(u[k:]), nil
		}
		return fromU16(u[:k]), nil
	case []any:
		k := clampIndex(n, len(v))
		if skip {
			return append([]any{}, v[k:]...), nil
		}
		return append([]any{}, v[:k]...), nil
	}
	return nil, fmt.Errorf("argument 1 must be a string or an array, not %s", typeName(a[0]))
}

func intersectionFn(c *callCtx, a []any) (any, error) {
	switch first := a[0].(type) {
	case []any:
		others := make([]valueSet, 0, len(a)-1)
		for i := 1; i < len(a); i++ {
			arr, err := argArr(a, i)
			if err != nil {
				return nil, err
			}
			others = append(others, newValueSet(arr))
		}
		out := []any{}
		seen := valueSet{}
	next:
		for _, e := range first {
			k := canonical(e)
			if seen[k] {
				continue
			}
			for _, o := range others {
				if !o[k] {
					continue next
				}
			}
			seen[k] = true
			out = append(out, e)
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
	members:
		for k, v := range first {
			for i := 1; i < len(a); i++ {
				o, err := argObj(a, i)
				if err != nil {
					return nil, err
				}
				w, ok := lookupKey(o, k)
				if !ok || !deepEqual(v, w) {
					continue members
				}
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("argument 1 must be an array or an object, not %s", typeName(a[0]))
}

// valueSet holds values by their canonical JSON text, making union and
// intersection linear rather than quadratic.
type valueSet map[string]bool

func newValueSet(arr []any) valueSet {
	s := make(valueSet, len(arr))
	for _, e := range arr {
		s[canonical(e)] = true
	}
	return s
}

// canonical is a value's JSON text with object keys sorted.
func canonical(v any) string { return toJSONString(v) }

func containsValue(arr []any, v any) bool {
	for _, e := range arr {
		if deepEqual(e, v) {
			return true
		}
	}
	return false
}

// unionFn merges arrays (keeping the first occurrence of each value) or
// objects (later arguments win; nested objects merge recursively, as
// Azure documents).
func unionFn(c *callCtx, a []any) (any, error) {
	switch a[0].(type) {
	case []any:
		out := []any{}
		seen := valueSet{}
		for i := range a {
			arr, err := argArr(a, i)
			if err != nil {
				return nil, err
			}
			for _, e := range arr {
				if k := canonical(e); !seen[k] {
					seen[k] = true
					out = append(out, e)
				}
			}
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
		for i := range a {
			obj, err := argObj(a, i)
			if err != nil {
				return nil, err
			}
			mergeInto(out, obj, true)
		}
		return out, nil
	}
	return nil, fmt.Errorf("argument 1 must be an array or an object, not %s", typeName(a[0]))
}
