package cloudesire

import (
	"hash/fnv"
	"slices"
)

// Cloudesire numbers its configuration parameters and billing items;
// Mercato names them inside their owner (a product's parameters, a plan's
// unit and metrics). The API gives each a number made of its owner's id
// and a slot: id = owner × slotsPerOwner + slot, so configurationParameter/
// 120042 is slot 42 of product 12 and resolves without a table. The slot
// comes from the name alone (an FNV-1a hash), so adding, removing or
// reordering the other names leaves it unchanged; names whose slots
// collide take the next free slot, in the order of their names. Slot 0 is
// the plan's own unit (billingItem/{plan id × 10000}). Java clients read
// ids as 32-bit ints: that holds for owners up to id 214748.
const slotsPerOwner = 10000

// namedIDs numbers names (unique) inside owner, from 1 to slotsPerOwner-1.
func namedIDs(owner int64, names []string) map[string]int64 {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	taken := map[int64]bool{}
	out := make(map[string]int64, len(sorted))
	for _, name := range sorted {
		if _, dup := out[name]; dup || len(taken) == slotsPerOwner-1 {
			continue
		}
		h := fnv.New32a()
		_, _ = h.Write([]byte(name))
		slot := int64(h.Sum32()%(slotsPerOwner-1)) + 1
		for taken[slot] {
			slot = slot%(slotsPerOwner-1) + 1
		}
		taken[slot] = true
		out[name] = owner*slotsPerOwner + slot
	}
	return out
}

// splitID returns the owner and the slot of an id made by namedIDs (or a
// plan's unit item).
func splitID(id int64) (owner, slot int64) { return id / slotsPerOwner, id % slotsPerOwner }
