// Package armproduct describes products deployed from ARM templates: the
// integration metadata keys a connector reads, where each template
// parameter's value comes from (the buyer, the vendor, the marketplace, or
// the template's default), and the checkout form that follows from it. The
// API uses it when a vendor uploads a template; the Azure connector when it
// deploys one.
package armproduct

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/catalog"
)

const (
	// MetaTemplate is an arm_template product's ARM template (JSON).
	MetaTemplate = "arm.template"
	// MetaParameters maps the template's parameters to their source
	// (a JSON ParameterMapping); unmapped ones follow DefaultSource.
	MetaParameters = "arm.parameters"
	// MetaLaunchOutput names the template output holding the launch URL
	// (or host name); without it the URL is https://<prefix>.<region>.cloudapp.azure.com.
	MetaLaunchOutput = "azure.launch_output"
	// MetaLocation is the region deployed to unless the buyer chose one
	// (configuration "location").
	MetaLocation = "azure.location"
	// MetaAcceptTerms set to "false" leaves Marketplace terms to the
	// operator: a plan whose terms nobody accepted then fails.
	MetaAcceptTerms = "azure.accept_terms"
	// MetaPublisher, MetaOffer and MetaPlan name an Azure Marketplace VM
	// image (azure_marketplace_vm products); MetaVMSize its size.
	MetaPublisher = "azure.publisher"
	MetaOffer     = "azure.offer"
	MetaPlan      = "azure.plan"
	MetaVMSize    = "azure.vm_size"
)

// PrefixParameter is the configuration key of the buyer's global prefix.
const PrefixParameter = "global_prefix"

// MaxTemplate bounds an uploaded template: 4 MiB, Azure Resource Manager's
// own limit for a template, on every path that takes one.
const MaxTemplate = 4 << 20

// PrefixRule is Azure's tightest naming rule among the resources named from
// the prefix (storage accounts: lower-case letters and digits; DNS labels:
// start with a letter), kept short enough for suffixes.
var PrefixRule = regexp.MustCompile(`^[a-z][a-z0-9]{2,11}$`)

// Source says where a template parameter's value comes from.
type Source string

// Parameter sources.
const (
	SourceBuyer       Source = "buyer"       // the buyer fills it in at checkout
	SourceFixed       Source = "fixed"       // the vendor fixes the value
	SourceMarketplace Source = "marketplace" // prefix, location or admin user
	SourceDefault     Source = "default"     // the template's default value
)

// Marketplace values a parameter can take (ParameterSource.From).
const (
	FromPrefix    = "prefix"
	FromLocation  = "location"
	FromAdminUser = "admin_user"
)

// ParameterSource is how one template parameter gets its value.
type ParameterSource struct {
	Source Source `json:"source"`
	// Value is the fixed value (SourceFixed).
	Value any `json:"value,omitempty"`
	// From names the marketplace value (SourceMarketplace): prefix,
	// location or admin_user.
	From string `json:"from,omitempty"`
	// Label is what the buyer sees (SourceBuyer); default the name.
	Label string `json:"label,omitempty"`
}

// ParameterMapping maps template parameter names to their sources.
type ParameterMapping map[string]ParameterSource

// DefaultSource is the source of a parameter the mapping does not name:
// names that are obviously the prefix, the location or the admin user come
// from the marketplace, parameters with defaults keep them, and the buyer
// fills in the rest.
func DefaultSource(p *engine.Parameter) ParameterSource {
	switch strings.ToLower(p.Name) {
	case "prefix", "globalprefix", "nameprefix", "dnslabelprefix", "resourceprefix":
		return ParameterSource{Source: SourceMarketplace, From: FromPrefix}
	case "location":
		return ParameterSource{Source: SourceMarketplace, From: FromLocation}
	case "adminusername", "adminuser":
		return ParameterSource{Source: SourceMarketplace, From: FromAdminUser}
	}
	if p.HasDefault {
		return ParameterSource{Source: SourceDefault}
	}
	return ParameterSource{Source: SourceBuyer}
}

// SourceOf is the mapped or default source of p.
func (m ParameterMapping) SourceOf(p *engine.Parameter) ParameterSource {
	for name, s := range m {
		if strings.EqualFold(name, p.Name) {
			return s
		}
	}
	return DefaultSource(p)
}

// Check reports mapping entries that name no parameter, unknown sources
// and marketplace values, and fixed values the template refuses.
func (m ParameterMapping) Check(t *engine.Template) error {
	var errs []error
	for name, s := range m {
		p, ok := t.Parameter(name)
		if !ok {
			errs = append(errs, fmt.Errorf("parameter %q is not in the template", name))
			continue
		}
		switch s.Source {
		case SourceBuyer:
		case SourceDefault:
			if !p.HasDefault {
				errs = append(errs, fmt.Errorf("parameter %q has no default value", name))
			}
		case SourceFixed:
			if s.Value == nil {
				errs = append(errs, fmt.Errorf("parameter %q: a fixed value is required", name))
			}
		case SourceMarketplace:
			switch s.From {
			case FromPrefix, FromLocation, FromAdminUser:
			default:
				errs = append(errs, fmt.Errorf("parameter %q: from must be prefix, location or admin_user", name))
			}
		default:
			errs = append(errs, fmt.Errorf("parameter %q: source must be buyer, fixed, marketplace or default", name))
		}
	}
	return errors.Join(errs...)
}

// Form is the product's checkout form for a template and a mapping: the
// global prefix first, then one field per buyer parameter, with the
// template's constraints where the catalog can express them.
func Form(t *engine.Template, m ParameterMapping) []catalog.Parameter {
	out := []catalog.Parameter{{Name: PrefixParameter, Label: "Resource name prefix", Type: catalog.ParamString, Required: true,
		Pattern: "[a-z][a-z0-9]{2,11}", Description: "3 to 12 lower-case letters and digits, starting with a letter; names every Azure resource"}}
	for _, p := range t.Parameters {
		s := m.SourceOf(p)
		if s.Source != SourceBuyer || strings.EqualFold(p.Name, PrefixParameter) {
			continue
		}
		f := catalog.Parameter{Name: p.Name, Label: s.Label, Description: p.Description, Required: !p.HasDefault, Secret: p.Secure()}
		if f.Label == "" {
			f.Label = p.Name
		}
		switch p.Type {
		case "int":
			f.Type = catalog.ParamInteger
			f.MinValue, f.MaxValue = p.MinValue, p.MaxValue
		case "bool":
			f.Type = catalog.ParamBoolean
		case "object", "secureobject":
			f.Type = catalog.ParamString
			f.Description = strings.TrimSpace(f.Description + " (a JSON object)")
		case "array":
			f.Type = catalog.ParamString
			f.Description = strings.TrimSpace(f.Description + " (a JSON array)")
		default:
			f.Type = catalog.ParamString
		}
		if p.MinLength != nil && p.Type != "array" {
			f.MinLength = int(*p.MinLength)
		}
		if p.MaxLength != nil && p.Type != "array" {
			f.MaxLength = int(*p.MaxLength)
		}
		for _, v := range p.AllowedValues {
			if f.Type == catalog.ParamString && p.Type != "string" && p.Type != "securestring" {
				break // JSON values: the template's own check (CheckConfiguration)
			}
			f.AllowedValues = append(f.AllowedValues, fmt.Sprint(v))
		}
		out = append(out, f)
	}
	return out
}
