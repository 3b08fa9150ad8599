package cloudesire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Configuration parameters are the fields of a product's checkout form,
// named in Mercato and numbered here by product and name (refid.go).

// ConfigurationValue is the buyer's value of one configuration parameter
// (SubscriptionConfigurationParameterDTO); configurationParameter is
// absent for a value of a parameter the product no longer has.
type ConfigurationValue struct {
	ConfigurationParameter *Ref   `json:"configurationParameter,omitempty"`
	Code                   string `json:"code" doc:"the parameter's name, the key of the value in the order's configuration"`
	Value                  string `json:"value" doc:"the value; numbers and booleans written as JSON"`
}

// ConfigurationParameter is a product's configuration parameter
// (ConfigurationParameterDTO).
type ConfigurationParameter struct {
	ID             int64             `json:"id"`
	Self           string            `json:"self"`
	Name           string            `json:"name" doc:"what the buyer sees"`
	Code           string            `json:"code"`
	Description    string            `json:"description"`
	Validation     string            `json:"validation,omitempty" doc:"a regular expression (RE2) string values must match in full"`
	AcceptedValues map[string]string `json:"acceptedValues,omitempty" doc:"the only values accepted, each labelled with itself"`
	Required       bool              `json:"required"`
	Weight         int               `json:"weight" doc:"display order, lowest first"`
	Sensitive      bool              `json:"sensitive" doc:"never shown back after checkout"`
}

// parameterIDs numbers a product's parameters.
func parameterIDs(pr catalog.Product) map[string]int64 {
	names := make([]string, 0, len(pr.Parameters))
	for _, p := range pr.Parameters {
		names = append(names, p.Name)
	}
	return namedIDs(pr.ID, names)
}

// parameterOf shapes parameter i of a product.
func parameterOf(pr catalog.Product, i int, id int64) ConfigurationParameter {
	p := pr.Parameters[i]
	out := ConfigurationParameter{ID: id, Self: "configurationParameter/" + strconv.FormatInt(id, 10), Name: p.Label, Code: p.Name,
		Description: p.Description, Validation: p.Pattern, Required: p.Required, Weight: i + 1, Sensitive: p.Secret}
	if out.Name == "" {
		out.Name = p.Name
	}
	if out.Description == "" {
		out.Description = out.Name
	}
	if len(p.AllowedValues) > 0 {
		out.AcceptedValues = make(map[string]string, len(p.AllowedValues))
		for _, v := range p.AllowedValues {
			out.AcceptedValues[v] = v
		}
	}
	return out
}

// parametersOf shapes every parameter of a product.
func parametersOf(pr catalog.Product) []ConfigurationParameter {
	ids := parameterIDs(pr)
	out := make([]ConfigurationParameter, 0, len(pr.Parameters))
	for i, p := range pr.Parameters {
		out = append(out, parameterOf(pr, i, ids[p.Name]))
	}
	return out
}

func (h *Handler) configurationParameter(ctx context.Context, p mercato.Principal, _ *http.Request, id int64) (any, error) {
	productID, _ := splitID(id)
	notFound := mercato.Errorf(mercato.ENOTFOUND, "configuration parameter %d not found", id)
	pr, err := h.Catalog.Product(ctx, p, productID)
	if err != nil {
		return nil, notFoundAs(err, notFound)
	}
	ids := parameterIDs(pr)
	for i, prm := range pr.Parameters {
		if ids[prm.Name] == id {
			return parameterOf(pr, i, id), nil
		}
	}
	return nil, notFound
}
