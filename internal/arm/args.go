package arm

import "fmt"

// Argument helpers: each names the argument's position in its error so the
// message reads "concat: argument 2 must be ...".

func argStr(args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d must be a string, not %s", i+1, typeName(args[i]))
	}
	return s, nil
}

func argInt(args []any, i int) (int64, error) {
	switch t := args[i].(type) {
	case int64:
		return t, nil
	case float64:
		if t == float64(int64(t)) {
			return int64(t), nil
		}
	}
	return 0, fmt.Errorf("argument %d must be an integer, not %s", i+1, typeName(args[i]))
}

func argBool(args []any, i int) (bool, error) {
	b, ok := args[i].(bool)
	if !ok {
		return false, fmt.Errorf("argument %d must be a boolean, not %s", i+1, typeName(args[i]))
	}
	return b, nil
}

func argArr(args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an array, not %s", i+1, typeName(args[i]))
	}
	return a, nil
}

func argObj(args []any, i int) (map[string]any, error) {
	o, ok := args[i].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("argument %d must be an object, not %s", i+1, typeName(args[i]))
	}
	return o, nil
}

// clampIndex converts an int64 to a slice position clamped to [0, n].
func clampIndex(i int64, n int) int {
	if i < 0 {
		return 0
	}
	if i > int64(n) {
		return n
	}
	return int(i)
}
