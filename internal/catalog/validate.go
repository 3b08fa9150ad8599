package catalog

import "github.com/mercato-market/mercato/internal/mercato"

// Validate checks a product as it is to be saved: a name, a known type, a
// bounded description and metadata, and a well-formed checkout form.
func (p Product) Validate() error {
	var fe mercato.FieldErrors
	if p.Name == "" || len(p.Name) > 200 {
		fe.Add("name", "is required (at most 200 characters)")
	}
	if !p.Type.Valid() {
		fe.Add("type", "must be one of saas, microsoft_csp, azure_plan, azure_marketplace_vm, arm_template, service")
	}
	if len(p.Description) > 20000 {
		fe.Add("description", "at most 20000 characters")
	}
	validateMetadata(&fe, "metadata", p.Metadata)
	validateTerms(&fe, p.Metadata)
	if err := ValidateParameters(p.Parameters); err != nil {
		fe = append(fe, mercato.Fields(err)...)
	}
	return fe.Err("invalid product")
}

// Validate checks a plan as it is to be saved: a name, bounded metadata
// and its pricing as a whole (fields under "pricing.").
func (p Plan) Validate() error {
	var fe mercato.FieldErrors
	if p.Name == "" || len(p.Name) > 200 {
		fe.Add("name", "is required (at most 200 characters)")
	}
	validateMetadata(&fe, "metadata", p.Metadata)
	if err := p.Pricing.Validate(); err != nil {
		fe = append(fe, mercato.Fields(mercato.Prefixed(err, "pricing."))...)
	}
	return fe.Err("invalid plan")
}

// validateMetadata bounds integration metadata: keys of 1 to 200
// characters, values up to 1 MiB.
func validateMetadata(fe *mercato.FieldErrors, path string, m map[string]string) {
	for k, v := range m {
		if k == "" || len(k) > 200 {
			fe.Add(path, "keys must have 1 to 200 characters")
		}
		if len(v) > 1<<20 {
			fe.Add(path+"."+k, "at most 1 MiB")
		}
	}
}
