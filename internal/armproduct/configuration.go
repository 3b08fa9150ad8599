package armproduct

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// BuyerValue is the value a template parameter gets from the buyer's
// configuration: the checkout form takes an object or an array as JSON
// text, and JSON numbers arrive as float64.
func BuyerValue(p *engine.Parameter, v any) (any, error) {
	switch p.Type {
	case "object", "secureobject", "array":
		s, ok := v.(string)
		if !ok {
			return v, nil // the API may send the value itself
		}
		what := "a JSON object"
		if p.Type == "array" {
			what = "a JSON array"
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var out any
		if err := dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("must be %s", what)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("must be %s, and nothing after it", what)
		}
		return out, nil
	case "int":
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			return int64(f), nil
		}
	}
	return v, nil
}

// CheckConfiguration checks a buyer's configuration of an arm_template
// product against the template itself, as Azure will check it when the
// connector deploys: the values of the buyer's parameters, user-defined
// types with their properties, additional properties and items included,
// which the checkout form's flat fields cannot express. Errors name
// "configuration.<parameter>[.<property>…]". Products of other types, and
// products without a template, pass.
func CheckConfiguration(prod catalog.Product, config map[string]any) error {
	if prod.Type != catalog.TypeARMTemplate {
		return nil
	}
	u := Saved(prod)
	if len(u.Template) == 0 {
		return nil
	}
	tpl, err := engine.ParseTemplate(u.Template)
	if err != nil {
		return nil // checked when uploaded; the connector reports it
	}
	var fe mercato.FieldErrors
	for _, p := range tpl.Parameters {
		if u.Parameters.SourceOf(p).Source != SourceBuyer {
			continue
		}
		raw, ok := config[p.Name]
		if !ok {
			continue // required values are the form's
		}
		v, err := BuyerValue(p, raw)
		if err != nil {
			fe.Add("configuration."+p.Name, "%v", err)
			continue
		}
		var ve *engine.ValidationError
		if errors.As(p.Validate(v), &ve) {
			for _, vi := range ve.Violations {
				fe.Add("configuration."+vi.Parameter, "%s", vi.Message)
			}
		}
	}
	return fe.Err("invalid configuration")
}
