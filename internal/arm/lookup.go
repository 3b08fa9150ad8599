package arm

import (
	"slices"
	"strings"
)

// The forms by which dependsOn and reference() name a resource of the
// template, as ARM resolves them: a full resource id, a languageVersion 2.0
// symbolic name, a copy loop name (dependsOn only), "Namespace/type/name"
// (for a child either "Namespace/type/childType/parent/child" or the
// interleaved "Namespace/type/parent/childType/child"), the resource's name
// ("parent/child" for a child) or a child's short name when no other
// resource has it.

// typeNameKeys returns the byTypeName keys a relative type/name path may
// stand for: as written (types then names) and, for the interleaved form,
// reordered.
func typeNameKeys(ref string) []string {
	key := strings.ToLower(ref)
	parts := strings.Split(key, "/")
	if len(parts) < 3 || len(parts)%2 == 0 || !strings.Contains(parts[0], ".") {
		return []string{key}
	}
	types, names := []string{parts[0]}, []string(nil)
	for i := 1; i < len(parts); i += 2 {
		types = append(types, parts[i])
		names = append(names, parts[i+1])
	}
	interleaved := strings.Join(types, "/") + "/" + strings.Join(names, "/")
	if interleaved == key {
		return []string{key}
	}
	return []string{key, interleaved}
}

// lookup finds the resources ref names; loops says whether a copy loop's
// name stands for its instances.
func (idx *resourceIndex) lookup(ref string, loops bool) []*Resource {
	key := strings.ToLower(ref)
	if strings.HasPrefix(ref, "/") {
		if r := idx.byID[key]; r != nil {
			return []*Resource{r}
		}
		return nil
	}
	if r := idx.bySymbol[key]; r != nil {
		return []*Resource{r}
	}
	if loops {
		if rs := idx.byLoop[key]; len(rs) > 0 {
			return rs
		}
	}
	for _, k := range typeNameKeys(ref) {
		if rs := idx.byTypeName[k]; len(rs) > 0 {
			return rs
		}
	}
	if rs := idx.byName[key]; len(rs) > 0 {
		return rs
	}
	if rs := idx.byShort[key]; len(rs) == 1 {
		return rs
	}
	return nil
}

// relativeScopeID is the id of the resource a relative scope names:
// Namespace/type/name, and for a child Namespace/type/name/type/name (the
// tail of its resource id), in the deployment's scope.
func (e *engine) relativeScopeID(ref string) (string, bool) {
	parts := strings.Split(ref, "/")
	if len(parts) < 3 || len(parts)%2 == 0 || !strings.Contains(parts[0], ".") || slices.Contains(parts, "") {
		return "", false
	}
	return e.baseID("", "") + "/providers/" + ref, true
}

// outsideID is the id of a resource outside the template named by a
// relative "Namespace/type/name" path, in the deployment's scope.
func (e *engine) outsideID(ref string) (string, bool) {
	parts := strings.Split(ref, "/")
	if len(parts) < 3 || len(parts)%2 == 0 || !strings.Contains(parts[0], ".") {
		return "", false
	}
	half := (len(parts) - 1) / 2
	var b strings.Builder
	b.WriteString(e.baseID("", "") + "/providers/" + parts[0])
	for i := 0; i < half; i++ {
		b.WriteString("/" + parts[1+i] + "/" + parts[1+half+i])
	}
	return b.String(), true
}
