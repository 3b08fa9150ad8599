package arm

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// formatComposite implements .NET composite formatting as ARM's format()
// uses it: "{index[,alignment][:formatString]}" items, "{{" and "}}" for
// literal braces, and the standard numeric format strings D, N, F, X, P, E
// and G for integers.
func formatComposite(f string, args []any) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch c {
		case '}':
			if i+1 < len(f) && f[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return "", fmt.Errorf("input string %q was not in a correct format: unmatched '}'", f)
		case '{':
			if i+1 < len(f) && f[i+1] == '{' {
				b.WriteByte('{')
				i++
				continue
			}
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("input string %q was not in a correct format: unmatched '{'", f)
			}
			item := f[i+1 : i+end]
			i += end
			s, err := formatItem(item, args)
			if err != nil {
				return "", err
			}
			if b.Len()+len(s) > MaxStringLength {
				return "", fmt.Errorf("%w: format result longer than %d bytes", ErrLimit, MaxStringLength)
			}
			b.WriteString(s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func formatItem(item string, args []any) (string, error) {
	spec := ""
	if k := strings.IndexByte(item, ':'); k >= 0 {
		item, spec = item[:k], item[k+1:]
	}
	align := 0
	if k := strings.IndexByte(item, ','); k >= 0 {
		a, err := strconv.Atoi(strings.TrimSpace(item[k+1:]))
		if err != nil || a > 10000 || a < -10000 {
			return "", fmt.Errorf("invalid alignment in format item {%s}", item)
		}
		item, align = item[:k], a
	}
	idx, err := strconv.Atoi(strings.TrimSpace(item))
	if err != nil || idx < 0 {
		return "", fmt.Errorf("invalid format item index %q", item)
	}
	if idx >= len(args) {
		return "", fmt.Errorf("format item {%d} refers to a missing argument (%d given)", idx, len(args))
	}
	s, err := formatValue(args[idx], spec)
	if err != nil {
		return "", err
	}
	if pad := abs(align) - len(u16(s)); pad > 0 {
		if align > 0 {
			s = strings.Repeat(" ", pad) + s
		} else {
			s += strings.Repeat(" ", pad)
		}
	}
	return s, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func formatValue(v any, spec string) (string, error) {
	switch n := v.(type) {
	case int64:
		return formatInt(n, spec)
	case float64:
		if spec == "" {
			return strconv.FormatFloat(n, 'G', -1, 64), nil
		}
		return formatFloat(n, spec)
	}
	return stringify(v), nil
}

func formatInt(n int64, spec string) (string, error) {
	if spec == "" {
		return strconv.FormatInt(n, 10), nil
	}
	kind := spec[0]
	prec := -1
	if len(spec) > 1 {
		p, err := strconv.Atoi(spec[1:])
		if err != nil || p < 0 || p > 99 {
			return formatCustom(float64(n), spec)
		}
		prec = p
	}
	switch kind {
	case 'D', 'd':
		s := strconv.FormatInt(absInt(n), 10)
		if len(s) < prec {
			s = strings.Repeat("0", prec-len(s)) + s
		}
		if n < 0 {
			s = "-" + s
		}
		return s, nil
	case 'X', 'x':
		s := strconv.FormatUint(uint64(n), 16)
		if kind == 'X' {
			s = strings.ToUpper(s)
		}
		if len(s) < prec {
			s = strings.Repeat("0", prec-len(s)) + s
		}
		return s, nil
	case 'G', 'g':
		return strconv.FormatInt(n, 10), nil
	}
	return formatFloat(float64(n), spec)
}

func absInt(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func formatFloat(f float64, spec string) (string, error) {
	kind := spec[0]
	prec := -1
	if len(spec) > 1 {
		p, err := strconv.Atoi(spec[1:])
		if err != nil || p < 0 || p > 99 {
			return formatCustom(f, spec)
		}
		prec = p
	}
	if prec < 0 {
		prec = 2
	}
	switch kind {
	case 'N', 'n':
		return groupThousands(strconv.FormatFloat(f, 'f', prec, 64)), nil
	case 'F', 'f':
		return strconv.FormatFloat(f, 'f', prec, 64), nil
	case 'P', 'p':
		return groupThousands(strconv.FormatFloat(f*100, 'f', prec, 64)) + " %", nil
	case 'E', 'e':
		if len(spec) == 1 {
			prec = 6
		}
		s := strconv.FormatFloat(f, 'e', prec, 64)
		// .NET writes at least three exponent digits: 1.000000E+003.
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		digits := exp[1:]
		for len(digits) < 3 {
			digits = "0" + digits
		}
		e := "e"
		if kind == 'E' {
			e = "E"
		}
		return mant + e + string(sign) + digits, nil
	case 'G', 'g':
		return strconv.FormatFloat(f, 'G', -1, 64), nil
	}
	return formatCustom(f, spec)
}

// formatCustom handles the common custom numeric formats: zero padding
// ("000"), digit placeholders ("#"), grouping (",") and decimals (".00").
func formatCustom(f float64, spec string) (string, error) {
	for _, c := range spec {
		if !strings.ContainsRune("0#,.", c) {
			return "", fmt.Errorf("unsupported format string %q", spec)
		}
	}
	intPart, frac, _ := strings.Cut(spec, ".")
	decimals := len(frac)
	s := strconv.FormatFloat(math.Abs(f), 'f', decimals, 64)
	whole, fracDigits, _ := strings.Cut(s, ".")
	minWhole := strings.Count(intPart, "0")
	for len(whole) < minWhole {
		whole = "0" + whole
	}
	if minWhole == 0 && whole == "0" {
		whole = ""
	}
	if strings.Contains(intPart, ",") {
		whole = groupThousands(whole)
	}
	out := whole
	if decimals > 0 {
		out += "." + fracDigits
	}
	if f < 0 {
		out = "-" + out
	}
	return out, nil
}

// groupThousands inserts commas into the integer part of a decimal string.
func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if hasFrac {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}
