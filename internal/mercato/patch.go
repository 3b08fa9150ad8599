package mercato

// Patch copies *v into *dst when v is not nil: a field a PATCH request
// sent replaces the stored one, a field it left out keeps it.
func Patch[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
