package cloudesire

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// The value types of the wire, as Cloudesire's Java client reads them
// (Jackson with its defaults): references, dates, decimals.

// Ref is a reference to another resource (UrlEntityDTO).
type Ref struct {
	URL string `json:"url"`
}

func ref(kind string, id int64) *Ref { return &Ref{URL: kind + "/" + strconv.FormatInt(id, 10)} }

// refs makes references of kind to ids, [] for none.
func refs(kind string, ids []int64) []Ref {
	out := make([]Ref, 0, len(ids))
	for _, id := range ids {
		out = append(out, *ref(kind, id))
	}
	return out
}

// Time is a timestamp as Cloudesire writes them (java.util.Date): ISO 8601
// in UTC, whole seconds.
type Time time.Time

// MarshalJSON writes the time as 2015-01-05T13:59:00Z.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05Z") + `"`), nil
}

// timePtr is t as an optional Time: nil when t is nil or zero.
func timePtr(t *time.Time) *Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := Time(*t)
	return &v
}

// Number is a decimal written as a JSON number, as Jackson reads a
// BigDecimal: the decimal's own digits, never through a float.
type Number decimal.Decimal

// MarshalJSON writes the decimal's digits.
func (n Number) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(n).String()), nil }

// num is d as a Number.
func num(d decimal.Decimal) Number { return Number(d) }
