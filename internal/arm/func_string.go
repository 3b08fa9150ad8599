package arm

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf16"
)

// ARM strings are .NET strings: lengths and indexes count UTF-16 code units.
func u16(s string) []uint16     { return utf16.Encode([]rune(s)) }
func fromU16(u []uint16) string { return string(utf16.Decode(u)) }

func init() {
	register(map[string]*builtin{
		"base64": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			return base64.StdEncoding.EncodeToString([]byte(s)), err
		}},
		"base64ToString": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("invalid base64: %w", err)
			}
			return string(b), nil
		}},
		"base64ToJson": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("invalid base64: %w", err)
			}
			return parseJSONArg(lenientJSON(string(b)))
		}},
		"dataUri": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			return "data:text/plain;charset=utf8;base64," + base64.StdEncoding.EncodeToString([]byte(s)), err
		}},
		"dataUriToString": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			head, data, ok := strings.Cut(s, ",")
			if !ok || !strings.HasPrefix(head, "data:") {
				return nil, fmt.Errorf("%q is not a data URI", s)
			}
			if strings.HasSuffix(head, ";base64") {
				b, err := base64.StdEncoding.DecodeString(data)
				if err != nil {
					return nil, fmt.Errorf("invalid base64: %w", err)
				}
				return string(b), nil
			}
			return url.PathUnescape(data)
		}},
		"endsWith": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			s, t, err := twoStrings(a)
			return strings.HasSuffix(strings.ToLower(s), strings.ToLower(t)), err
		}},
		"startsWith": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			s, t, err := twoStrings(a)
			return strings.HasPrefix(strings.ToLower(s), strings.ToLower(t)), err
		}},
		"format": {min: 1, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			f, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			return formatComposite(f, a[1:])
		}},
		"guid": {min: 1, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			ss, err := allStrings(a)
			return armGUID(ss...), err
		}},
		"uniqueString": {min: 1, max: -1, fn: func(c *callCtx, a []any) (any, error) {
			ss, err := allStrings(a)
			return uniqueString(ss...), err
		}},
		"newGuid": {min: 0, max: 0, fn: func(c *callCtx, a []any) (any, error) {
			if !c.paramDefault {
				return nil, fmt.Errorf("newGuid can only be used in a parameter's defaultValue")
			}
			var u [16]byte
			r := c.e.rand
			if r == nil {
				r = rand.Reader
			}
			if _, err := io.ReadFull(r, u[:]); err != nil {
				return nil, err
			}
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			return formatUUID(u), nil
		}},
		"indexOf":     {min: 2, max: 2, fn: indexOfFn(false)},
		"lastIndexOf": {min: 2, max: 2, fn: indexOfFn(true)},
		"join": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			arr, err := argArr(a, 0)
			if err != nil {
				return nil, err
			}
			sep, err := argStr(a, 1)
			if err != nil {
				return nil, err
			}
			parts := make([]string, len(arr))
			for i, e := range arr {
				switch e.(type) {
				case []any, map[string]any:
					return nil, fmt.Errorf("element %d is %s; join takes strings, integers and booleans", i, typeName(e))
				}
				parts[i] = stringify(e)
			}
			return strings.Join(parts, sep), nil
		}},
		"padLeft": {min: 2, max: 3, fn: func(c *callCtx, a []any) (any, error) {
			var s string
			switch v := a[0].(type) {
			case string:
				s = v
			case int64:
				s = fmt.Sprint(v)
			default:
				return nil, fmt.Errorf("argument 1 must be a string or an integer, not %s", typeName(a[0]))
			}
			n, err := argInt(a, 1)
			if err != nil {
				return nil, err
			}
			if n > MaxStringLength {
				return nil, fmt.Errorf("%w: padLeft to %d characters", ErrLimit, n)
			}
			pad := " "
			if len(a) == 3 {
				if pad, err = argStr(a, 2); err != nil {
					return nil, err
				}
				if len(u16(pad)) != 1 {
					return nil, fmt.Errorf("the padding character must be one character, got %q", pad)
				}
			}
			if missing := int(n) - len(u16(s)); missing > 0 {
				s = strings.Repeat(pad, missing) + s
			}
			return s, nil
		}},
		"replace": {min: 3, max: 3, fn: func(c *callCtx, a []any) (any, error) {
			ss, err := allStrings(a)
			if err != nil {
				return nil, err
			}
			if ss[1] == "" {
				return nil, fmt.Errorf("the string to replace cannot be empty")
			}
			if n := strings.Count(ss[0], ss[1]); n > 0 && len(ss[2]) > len(ss[1]) &&
				len(ss[0])+n*(len(ss[2])-len(ss[1])) > MaxStringLength {
				return nil, fmt.Errorf("%w: replace result longer than %d bytes", ErrLimit, MaxStringLength)
			}
			return strings.ReplaceAll(ss[0], ss[1], ss[2]), nil
		}},
		"split": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			var seps []string
			switch d := a[1].(type) {
			case string:
				seps = []string{d}
			case []any:
				for i, e := range d {
					es, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("delimiter %d must be a string, not %s", i, typeName(e))
					}
					seps = append(seps, es)
				}
			default:
				return nil, fmt.Errorf("argument 2 must be a string or an array of strings, not %s", typeName(a[1]))
			}
			if err := c.e.charge(len(s) * len(seps) / 64); err != nil {
				return nil, err
			}
			return splitMulti(s, seps), nil
		}},
		"string": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) { return stringify(a[0]), nil }},
		"substring": {min: 2, max: 3, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			u := u16(s)
			start, err := argInt(a, 1)
			if err != nil {
				return nil, err
			}
			length := int64(len(u)) - start
			if len(a) == 3 {
				if length, err = argInt(a, 2); err != nil {
					return nil, err
				}
			}
			if start < 0 || start > int64(len(u)) {
				return nil, fmt.Errorf("the start index %d is outside the string of length %d", start, len(u))
			}
			if length < 0 || length > int64(len(u))-start {
				return nil, fmt.Errorf("the index and length (%d, %d) must refer to a location within the string of length %d", start, length, len(u))
			}
			return fromU16(u[start : start+length]), nil
		}},
		"toLower": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			return strings.ToLower(s), err
		}},
		"toUpper": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			return strings.ToUpper(s), err
		}},
		"trim": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			return strings.TrimSpace(s), err
		}},
		"uri": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			base, rel, err := twoStrings(a)
			if err != nil {
				return nil, err
			}
			b, err := url.Parse(base)
			if err != nil || !b.IsAbs() {
				return nil, fmt.Errorf("the base URI %q is not an absolute URI", base)
			}
			r, err := url.Parse(rel)
			if err != nil {
				return nil, fmt.Errorf("invalid relative URI %q: %w", rel, err)
			}
			return b.ResolveReference(r).String(), nil
		}},
		"uriComponent": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			return escapeDataString(s), err
		}},
		"uriComponentToString": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			return url.PathUnescape(s)
		}},
	})
}

func twoStrings(a []any) (string, string, error) {
	s, err := argStr(a, 0)
	if err != nil {
		return "", "", err
	}
	t, err := argStr(a, 1)
	return s, t, err
}

func allStrings(a []any) ([]string, error) {
	out := make([]string, len(a))
	for i := range a {
		s, err := argStr(a, i)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// indexOfFn implements indexOf and lastIndexOf: case-insensitive on strings
// (as Azure documents), deep equality on array elements.
func indexOfFn(last bool) func(c *callCtx, a []any) (any, error) {
	return func(c *callCtx, a []any) (any, error) {
		switch v := a[0].(type) {
		case string:
			t, err := argStr(a, 1)
			if err != nil {
				return nil, err
			}
			hay, needle := strings.ToLower(v), strings.ToLower(t)
			var i int
			if last {
				i = strings.LastIndex(hay, needle)
			} else {
				i = strings.Index(hay, needle)
			}
			if i < 0 {
				return int64(-1), nil
			}
			// Report the position in UTF-16 code units, as .NET does.
			return int64(len(u16(hay[:i]))), nil
		case []any:
			idx := int64(-1)
			for i, e := range v {
				if deepEqual(e, a[1]) {
					idx = int64(i)
					if !last {
						break
					}
				}
			}
			return idx, nil
		}
		return nil, fmt.Errorf("argument 1 must be a string or an array, not %s", typeName(a[0]))
	}
}

// splitMulti splits on any of the separators, keeping empty entries, as
// .NET's String.Split(string[], StringSplitOptions.None) does.
func splitMulti(s string, seps []string) []any {
	var out []any
	start := 0
	for i := 0; i < len(s); {
		matched := ""
		for _, sep := range seps {
			if sep != "" && strings.HasPrefix(s[i:], sep) {
				matched = sep
				break
			}
		}
		if matched == "" {
			i++
			continue
		}
		out = append(out, s[start:i])
		i += len(matched)
		start = i
	}
	return append(out, s[start:])
}

// escapeDataString is .NET's Uri.EscapeDataString: every byte outside the
// RFC 3986 unreserved set is percent-encoded with upper-case hex.
func escapeDataString(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isIdentPart(c) && c != '$' || c == '-' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func parseJSONArg(s string) (any, error) {
	if len(s) > MaxStringLength {
		return nil, fmt.Errorf("%w: JSON text longer than %d bytes", ErrLimit, MaxStringLength)
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("invalid JSON %q: %w", truncate(s, 80), err)
	}
	return v, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
