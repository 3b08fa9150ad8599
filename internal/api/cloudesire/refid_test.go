package cloudesire

import (
	"fmt"
	"testing"
)

// TestNamedIDs: a name's id depends on its owner and itself only, so that
// adding or reordering other names keeps it; colliding names still get
// distinct ids, in the order of their names.
func TestNamedIDs(t *testing.T) {
	ids := namedIDs(12, []string{"subdomain", "region", "plan_size"})
	again := namedIDs(12, []string{"tier", "plan_size", "subdomain", "region"})
	for name, id := range ids {
		if again[name] != id {
			t.Errorf("%s: %d, then %d once another name is added", name, id, again[name])
		}
		if owner, slot := splitID(id); owner != 12 || slot < 1 || slot >= slotsPerOwner {
			t.Errorf("%s: id %d is slot %d of %d", name, id, slot, owner)
		}
	}
	// Find two names of the same slot and check the second moves on.
	bySlot := map[int64]string{}
	var a, b string
	for i := 0; a == ""; i++ {
		name := fmt.Sprintf("p%d", i)
		id := namedIDs(1, []string{name})[name]
		if prev, ok := bySlot[id]; ok {
			a, b = prev, name
		}
		bySlot[id] = name
	}
	first, second := min(a, b), max(a, b)
	both := namedIDs(1, []string{b, a})
	if both[first] != namedIDs(1, []string{first})[first] || both[second] == both[first] {
		t.Errorf("colliding %s and %s: %v", a, b, both)
	}
}

func TestLocalized(t *testing.T) {
	texts := map[string]string{"it": "Ciao", "en": "Hello", "de": "Hallo"}
	for lang, want := range map[string]string{"it": "Ciao", "fr": "Hello", "en": "Hello"} {
		if got := localized(texts, lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := localized(map[string]string{"it": "Ciao", "de": "Hallo"}, "fr"); got != "Hallo" {
		t.Errorf("no English: %q, want the first language's", got)
	}
	if got := localized(nil, "it"); got != "" {
		t.Errorf("no text: %q", got)
	}
}
