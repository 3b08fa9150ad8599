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

// stripJSONComments blanks // and /* */ comments outside strings, keeping
// offsets so that syntax error positions stay right.
func stripJSONComments(src []byte) []byte {
	if !bytes.Contains(src, []byte("/")) {
		return src
	}
	out := bytes.Clone(src)
	inStr := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inStr {
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			out[i], out[i+1] = ' ', ' '
			i += 2
			for ; i < len(out); i++ {
				if out[i] == '*' && i+1 < len(out) && out[i+1] == '/' {
					out[i], out[i+1] = ' ', ' '
					i++
					break
				}
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
		}
	}
	return out
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
