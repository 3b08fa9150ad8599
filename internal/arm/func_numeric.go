package arm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Numeric functions.

func init() {
	register(map[string]*builtin{
		"add": {min: 2, max: 2, fn: arith(func(x, y int64) (int64, error) {
			r := x + y
			if (r > x) != (y > 0) {
				return 0, errOverflow
			}
			return r, nil
		})},
		"sub": {min: 2, max: 2, fn: arith(func(x, y int64) (int64, error) {
			r := x - y
			if (r < x) != (y > 0) {
				return 0, errOverflow
			}
			return r, nil
		})},
		"mul": {min: 2, max: 2, fn: arith(func(x, y int64) (int64, error) {
			if x != 0 && y != 0 {
				r := x * y
				if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
					return 0, errOverflow
				}
				return r, nil
			}
			return 0, nil
		})},
		"div": {min: 2, max: 2, fn: arith(func(x, y int64) (int64, error) {
			if y == 0 {
				return 0, fmt.Errorf("division by zero")
			}
			if x == math.MinInt64 && y == -1 {
				return 0, errOverflow
			}
			return x / y, nil
		})},
		"mod": {min: 2, max: 2, fn: arith(func(x, y int64) (int64, error) {
			if y == 0 {
				return 0, fmt.Errorf("division by zero")
			}
			if y == -1 {
				return 0, nil
			}
			return x % y, nil
		})},
		"int": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			switch v := a[0].(type) {
			case int64:
				return v, nil
			case float64:
				return int64(v), nil
			case string:
				n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("%q is not an integer", v)
				}
				return n, nil
			}
			return nil, fmt.Errorf("cannot convert %s to an integer", typeName(a[0]))
		}},
		"float": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			switch v := a[0].(type) {
			case int64:
				return float64(v), nil
			case float64:
				return v, nil
			case string:
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					return nil, fmt.Errorf("%q is not a number", v)
				}
				return f, nil
			}
			return nil, fmt.Errorf("cannot convert %s to a float", typeName(a[0]))
		}},
		"min":       {min: 1, max: -1, fn: minMax(false)},
		"max":       {min: 1, max: -1, fn: minMax(true)},
		"copyIndex": {min: 0, max: 2, fn: copyIndexFn},
	})
}

var errOverflow = fmt.Errorf("integer overflow")

func arith(op func(x, y int64) (int64, error)) func(c *callCtx, a []any) (any, error) {
	return func(c *callCtx, a []any) (any, error) {
		x, err := argInt(a, 0)
		if err != nil {
			return nil, err
		}
		y, err := argInt(a, 1)
		if err != nil {
			return nil, err
		}
		return op(x, y)
	}
}

func minMax(isMax bool) func(c *callCtx, a []any) (any, error) {
	return func(c *callCtx, a []any) (any, error) {
		vals := a
		if len(a) == 1 {
			if arr, ok := a[0].([]any); ok {
				vals = arr
			}
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("needs at least one value")
		}
		var best int64
		for i := range vals {
			n, err := argInt(vals, i)
			if err != nil {
				return nil, err
			}
			if i == 0 || (isMax && n > best) || (!isMax && n < best) {
				best = n
			}
		}
		return best, nil
	}
}

func copyIndexFn(c *callCtx, a []any) (any, error) {
	var name string
	var offset int64
	switch len(a) {
	case 1:
		switch v := a[0].(type) {
		case string:
			name = v
		case int64:
			offset = v
		default:
			return nil, fmt.Errorf("argument 1 must be a loop name or an offset, not %s", typeName(a[0]))
		}
	case 2:
		var err error
		if name, err = argStr(a, 0); err != nil {
			return nil, err
		}
		if offset, err = argInt(a, 1); err != nil {
			return nil, err
		}
	}
	for i := len(c.copies) - 1; i >= 0; i-- {
		f := c.copies[i]
		if (name == "" && f.unnamed) || (name != "" && strings.EqualFold(f.name, name)) {
			return int64(f.index) + offset, nil
		}
	}
	if name == "" && len(c.copies) > 0 {
		return int64(c.copies[len(c.copies)-1].index) + offset, nil
	}
	if name != "" {
		return nil, fmt.Errorf("no copy loop named '%s' encloses this expression", name)
	}
	return nil, fmt.Errorf("copyIndex can only be used inside a copy loop")
}
