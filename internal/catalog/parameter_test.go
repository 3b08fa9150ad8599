package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
)

func TestIntegerBounds(t *testing.T) {
	t.Parallel()
	one, three := int64(1), int64(3)
	params := []Parameter{{Name: "workers", Type: ParamInteger, Required: true, MinValue: &one, MaxValue: &three}}
	if err := ValidateParameters(params); err != nil {
		t.Fatal(err)
	}
	for v, want := range map[float64]string{0: "at least 1", 4: "at most 3", 99: "at most 3", 1: "", 3: ""} {
		err := ValidateConfiguration(params, map[string]any{"workers": v})
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error()+fieldText(err), want)) {
			t.Errorf("workers %v: %v, want %q", v, err, want)
		}
	}
	bad := []Parameter{
		{Name: "size", Type: ParamString, MinValue: &one},
		{Name: "n", Type: ParamInteger, MinValue: &three, MaxValue: &one},
	}
	if err := ValidateParameters(bad); err == nil || !strings.Contains(fieldText(err), "parameters[0].min_value") || !strings.Contains(fieldText(err), "parameters[1].max_value") {
		t.Errorf("bad bounds: %v %s", err, fieldText(err))
	}
}

// fieldText lists an error's field errors as "path: message".
func fieldText(err error) string {
	var e *mercato.Error
	if !errors.As(err, &e) {
		return ""
	}
	var b strings.Builder
	for _, f := range e.Fields {
		b.WriteString(f.Path + ": " + f.Message + "\n")
	}
	return b.String()
}
