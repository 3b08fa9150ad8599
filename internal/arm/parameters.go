package arm

import "fmt"

// ParseParameters parses a parameter file ({"parameters":{"p":{"value":…}}})
// into parameter values. Key Vault references ({"reference":…}) are
// reported as errors: resolving them needs Azure.
func ParseParameters(data []byte) (map[string]any, error) {
	clean := strictJSON(data)
	v, err := decodeJSON(clean)
	if err != nil {
		return nil, &ParseError{Err: fmt.Errorf("%w: %s", ErrTemplate, jsonErrorText(clean, err))}
	}
	root, ok := v.(map[string]any)
	if !ok {
		return nil, parseErr("", "a parameter file must be a JSON object, not %s", typeName(v))
	}
	pv, ok := lookupKey(root, "parameters")
	if !ok {
		return nil, parseErr("parameters", "a parameter file needs a parameters object")
	}
	pm, ok := pv.(map[string]any)
	if !ok {
		return nil, parseErr("parameters", "must be an object, not %s", typeName(pv))
	}
	out := make(map[string]any, len(pm))
	for name, e := range pm {
		path := joinPath("parameters", name)
		em, ok := e.(map[string]any)
		if !ok {
			return nil, parseErr(path, "must be an object with a value, not %s", typeName(e))
		}
		if val, ok := lookupKey(em, "value"); ok {
			out[name] = val
			continue
		}
		if _, ok := lookupKey(em, "reference"); ok {
			return nil, parseErr(joinPath(path, "reference"), "Key Vault references cannot be resolved offline")
		}
		return nil, parseErr(path, "needs a value")
	}
	return out, nil
}
