package arm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Helpers for the JSON text of templates: key order, comments, errors.

// orderedKeys returns the keys of the top-level object member field in the
// order the source declares them (Go maps forget it); keys it cannot find
// in the source are appended sorted.
func orderedKeys(src []byte, field string, m map[string]any) []string {
	var keys []string
	seen := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(src))
	if tok, err := dec.Token(); err == nil && tok == json.Delim('{') {
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				break
			}
			k, _ := kt.(string)
			if !strings.EqualFold(k, field) {
				var skip json.RawMessage
				if dec.Decode(&skip) != nil {
					break
				}
				continue
			}
			if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
				break
			}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					break
				}
				if k, ok := kt.(string); ok {
					if _, in := m[k]; in && !seen[k] {
						keys = append(keys, k)
						seen[k] = true
					}
				}
				var skip json.RawMessage
				if dec.Decode(&skip) != nil {
					break
				}
			}
			break
		}
	}
	for _, k := range sortedKeys(m) {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

// strictJSON turns the JSON ARM accepts into strict JSON: comments (// and
// /* */) and trailing commas become blanks, keeping offsets so that syntax
// error positions stay right; line breaks and tabs written inside strings
// (multi-line strings) become escapes.
func strictJSON(src []byte) []byte {
	if !bytes.ContainsAny(src, "/,\n\r\t") {
		return src
	}
	out := make([]byte, 0, len(src))
	inStr := false
	// last is the last significant character outside strings: a comma is
	// trailing only after a value.
	var last byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		prev := last
		if !inStr && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '/' {
			last = c
		}
		if inStr {
			switch c {
			case '\\':
				out = append(out, c)
				if i+1 < len(src) {
					i++
					out = append(out, src[i])
				}
			case '"':
				inStr = false
				out = append(out, c)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			default:
				out = append(out, c)
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for ; i < len(src) && src[i] != '\n'; i++ {
				out = append(out, ' ')
			}
			if i < len(src) {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			out = append(out, ' ', ' ')
			i += 2
			for ; i < len(src); i++ {
				if src[i] == '*' && i+1 < len(src) && src[i+1] == '/' {
					out = append(out, ' ', ' ')
					i++
					break
				}
				if src[i] == '\n' {
					out = append(out, '\n')
				} else {
					out = append(out, ' ')
				}
			}
		case c == ',' && endsValue(prev) && closesNext(src[i+1:]):
			out = append(out, ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}

// endsValue reports whether c can be the last character of a JSON value.
func endsValue(c byte) bool {
	return c != 0 && c != '[' && c != '{' && c != ',' && c != ':'
}

// closesNext reports whether the next significant character (past blanks
// and comments) closes an object or an array.
func closesNext(rest []byte) bool {
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '/' && i+1 < len(rest) && rest[i+1] == '/':
			for i < len(rest) && rest[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(rest) && rest[i+1] == '*':
			end := bytes.Index(rest[i+2:], []byte("*/"))
			if end < 0 {
				return false
			}
			i += end + 3
		default:
			return c == '}' || c == ']'
		}
	}
	return false
}

// jsonErrorText adds a line and column to JSON syntax errors.
func jsonErrorText(src []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := 1, 1
		for _, c := range src[:min(int(se.Offset), len(src))] {
			if c == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return fmt.Sprintf("JSON syntax error at line %d, column %d: %v", line, col, err)
	}
	return "invalid JSON: " + err.Error()
}
