package arm

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date functions. utcNow is allowed only in parameter defaults, as in Azure.

func init() {
	register(map[string]*builtin{
		"utcNow": {min: 0, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			if !c.paramDefault {
				return nil, fmt.Errorf("utcNow can only be used in a parameter's defaultValue")
			}
			f := "yyyyMMddTHHmmssZ"
			if len(a) == 1 {
				var err error
				if f, err = argStr(a, 0); err != nil {
					return nil, err
				}
			}
			return formatDateTime(c.e.now(), f)
		}},
		"dateTimeAdd": {min: 2, max: 3, fn: func(c *callCtx, a []any) (any, error) {
			base, dur, err := twoStrings(a)
			if err != nil {
				return nil, err
			}
			t, err := parseDateTime(base)
			if err != nil {
				return nil, err
			}
			t, err = addISODuration(t, dur)
			if err != nil {
				return nil, err
			}
			f := "yyyy-MM-ddTHH:mm:ssZ"
			if len(a) == 3 {
				if f, err = argStr(a, 2); err != nil {
					return nil, err
				}
			}
			return formatDateTime(t, f)
		}},
		"dateTimeFromEpoch": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			n, err := argInt(a, 0)
			if err != nil {
				return nil, err
			}
			return time.Unix(n, 0).UTC().Format("2006-01-02T15:04:05Z"), nil
		}},
		"dateTimeToEpoch": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			s, err := argStr(a, 0)
			if err != nil {
				return nil, err
			}
			t, err := parseDateTime(s)
			if err != nil {
				return nil, err
			}
			return t.Unix(), nil
		}},
	})
}

// now is the deployment time utcNow() reads.
func (e *engine) now() time.Time {
	if !e.dep.Now.IsZero() {
		return e.dep.Now.UTC()
	}
	return time.Now().UTC()
}

func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z", "2006-01-02", "20060102T150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time", s)
}

var isoDuration = regexp.MustCompile(`^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// addISODuration adds an ISO 8601 duration such as P1Y2M, -P9D or PT1H30M.
func addISODuration(t time.Time, d string) (time.Time, error) {
	m := isoDuration.FindStringSubmatch(d)
	if m == nil || d == "P" || d == "-P" || strings.HasSuffix(d, "T") {
		return t, fmt.Errorf("%q is not an ISO 8601 duration", d)
	}
	sign := 1
	if m[1] == "-" {
		sign = -1
	}
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		if n > 1e6 {
			n = 1e6
		}
		return n * sign
	}
	t = t.AddDate(num(m[2]), num(m[3]), num(m[4])*7+num(m[5]))
	secs, _ := strconv.ParseFloat(m[8], 64)
	dur := time.Duration(num(m[6]))*time.Hour + time.Duration(num(m[7]))*time.Minute +
		time.Duration(float64(sign)*secs*float64(time.Second))
	return t.Add(dur), nil
}

// formatDateTime formats with .NET date format strings: the standard ones
// used in templates (u, s, o, d, t) and custom patterns of yyyy, MM, dd,
// HH, hh, mm, ss, fff and literals.
func formatDateTime(t time.Time, f string) (string, error) {
	switch f {
	case "u":
		return t.Format("2006-01-02 15:04:05Z"), nil
	case "s":
		return t.Format("2006-01-02T15:04:05"), nil
	case "o", "O":
		return t.Format("2006-01-02T15:04:05.0000000Z"), nil
	case "d":
		return t.Format("1/2/2006"), nil
	case "t":
		return t.Format("3:04 PM"), nil
	case "g":
		return t.Format("1/2/2006 3:04 PM"), nil
	case "G":
		return t.Format("1/2/2006 3:04:05 PM"), nil
	}
	if len(f) == 1 {
		return "", fmt.Errorf("unsupported date format %q", f)
	}
	tokens := []struct{ net, goFmt string }{
		{"yyyy", "2006"}, {"yy", "06"}, {"MMMM", "January"}, {"MMM", "Jan"}, {"MM", "01"}, {"M", "1"},
		{"dddd", "Monday"}, {"ddd", "Mon"}, {"dd", "02"}, {"d", "2"}, {"HH", "15"}, {"hh", "03"}, {"h", "3"},
		{"mm", "04"}, {"m", "4"}, {"ss", "05"}, {"s", "5"}, {"fffffff", "0000000"}, {"fff", "000"}, {"tt", "PM"},
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		if f[i] == '\'' || f[i] == '"' {
			q := f[i]
			end := strings.IndexByte(f[i+1:], q)
			if end < 0 {
				return "", fmt.Errorf("unterminated literal in date format %q", f)
			}
			b.WriteString(f[i+1 : i+1+end])
			i += end + 2
			continue
		}
		if f[i] == 'H' && !strings.HasPrefix(f[i:], "HH") {
			b.WriteString(strconv.Itoa(t.Hour()))
			i++
			continue
		}
		matched := false
		for _, tok := range tokens {
			if strings.HasPrefix(f[i:], tok.net) {
				b.WriteString(t.Format(tok.goFmt))
				i += len(tok.net)
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte(f[i])
			i++
		}
	}
	return b.String(), nil
}
