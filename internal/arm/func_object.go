package arm

import (
	"fmt"
	"strings"
)

// Object functions.

func init() {
	register(map[string]*builtin{
		"createObject": {min: 0, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			if len(a)%2 != 0 {
				return nil, fmt.Errorf("expects key/value pairs, got an odd number of arguments")
			}
			out := make(map[string]any, len(a)/2)
			for i := 0; i < len(a); i += 2 {
				k, err := argStr(a, i)
				if err != nil {
					return nil, err
				}
				out[k] = a[i+1]
			}
			return out, nil
		}},
		"items": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			obj, err := argObj(a, 0)
			if err != nil {
				return nil, err
			}
			out := make([]any, 0, len(obj))
			for _, k := range sortedKeys(obj) {
				out = append(out, map[string]any{"key": k, "value": obj[k]})
			}
			return out, nil
		}},
		"json": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			return parseJSONArg(lenientJSON(s))
		}},
		"null": {min: 0, max: 0, fn: func(c *callCtx, a []any) (any, error) { return nil, nil }},
		"objectKeys": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			obj, err := argObj(a, 0)
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, k := range sortedKeys(obj) {
				out = append(out, k)
			}
			return out, nil
		}},
		"shallowMerge": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			arr, err := argArr(a, 0)
			if err != nil {
				return nil, err
			}
			out := map[string]any{}
			for i, e := range arr {
				obj, ok := e.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("element %d is %s; shallowMerge takes an array of objects", i, typeName(e))
				}
				mergeInto(out, obj, false)
			}
			return out, nil
		}},
		"tryGet": {min: 2, max: -1, cheap: true, fn: func(c *callCtx, a []any) (any, error) {
			cur := a[0]
			for _, k := range a[1:] {
				switch v := cur.(type) {
				case map[string]any:
					ks, ok := k.(string)
					if !ok {
						return nil, nil
					}
					cur, _ = lookupKey(v, ks)
				case []any:
					i, ok := k.(int64)
					if !ok || i < 0 || i >= int64(len(v)) {
						return nil, nil
					}
					cur = v[i]
				default:
					return nil, nil
				}
			}
			return cur, nil
		}},
	})
}

// mergeInto copies src's members into dst; with deep, members that are
// objects on both sides merge recursively. Keys match case-insensitively.
func mergeInto(dst, src map[string]any, deep bool) {
	for k, v := range src {
		existing, found := realKey(dst, k)
		if found {
			if deep {
				if d, ok := dst[existing].(map[string]any); ok {
					if s, ok := v.(map[string]any); ok {
						merged := map[string]any{}
						mergeInto(merged, d, true)
						mergeInto(merged, s, true)
						dst[existing] = merged
						continue
					}
				}
			}
			delete(dst, existing)
		}
		dst[k] = v
	}
}

// lenientJSON rewrites single-quoted strings, which Azure's JSON reader
// (Newtonsoft) accepts, into double-quoted ones.
func lenientJSON(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	var b strings.Builder
	inDouble := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inDouble:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inDouble = false
			}
		case c == '"':
			inDouble = true
			b.WriteByte(c)
		case c == '\'':
			b.WriteByte('"')
			for i++; i < len(s) && s[i] != '\''; i++ {
				switch s[i] {
				case '"':
					b.WriteString(`\"`)
				case '\\':
					b.WriteByte('\\')
					if i+1 < len(s) {
						i++
						b.WriteByte(s[i])
					}
				default:
					b.WriteByte(s[i])
				}
			}
			b.WriteByte('"')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
