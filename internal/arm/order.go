package arm

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"
)

// ErrCycle is wrapped when resources depend on each other in a cycle.
var ErrCycle = fmt.Errorf("dependency cycle")

// order returns the deployed resources so that each comes after its
// dependencies, keeping template order among independent resources, and
// fills Resource.DependsOn.
func order(insts []*instance) ([]*Resource, error) {
	// Serial copy loops: each batch waits for the previous one.
	groups := map[[2]any][]*instance{}
	for _, in := range insts {
		if in.batch > 0 && in.res.deployed {
			k := [2]any{in.decl, in.parent}
			groups[k] = append(groups[k], in)
		}
	}
	for _, g := range groups {
		for _, in := range g {
			b := in.res.CopyIndex / in.batch
			for _, other := range g {
				if other.res.CopyIndex/other.batch == b-1 {
					in.addDep(other)
				}
			}
		}
	}
	var nodes []*instance
	for _, in := range insts {
		if in.res.deployed {
			nodes = append(nodes, in)
		}
	}
	indeg := map[*instance]int{}
	users := map[*instance][]*instance{}
	for _, in := range nodes {
		deps := make([]*instance, 0, len(in.deps))
		for d := range in.deps {
			deps = append(deps, d)
		}
		sort.Slice(deps, func(i, j int) bool { return deps[i].res.order < deps[j].res.order })
		in.res.DependsOn = in.res.DependsOn[:0]
		for _, d := range deps {
			in.res.DependsOn = append(in.res.DependsOn, d.res.ID)
			users[d] = append(users[d], in)
		}
		indeg[in] = len(deps)
	}
	ready := &instHeap{}
	for _, in := range nodes {
		if indeg[in] == 0 {
			heap.Push(ready, in)
		}
	}
	out := make([]*Resource, 0, len(nodes))
	for ready.Len() > 0 {
		in := heap.Pop(ready).(*instance)
		out = append(out, in.res)
		for _, u := range users[in] {
			indeg[u]--
			if indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(out) < len(nodes) {
		return nil, cycleError(nodes, indeg)
	}
	return out, nil
}

type instHeap []*instance

func (h instHeap) Len() int           { return len(h) }
func (h instHeap) Less(i, j int) bool { return h[i].res.order < h[j].res.order }
func (h instHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *instHeap) Push(x any)        { *h = append(*h, x.(*instance)) }
func (h *instHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// cycleError finds one cycle among the resources left unsorted and names
// it: "a -> b -> a".
func cycleError(nodes []*instance, indeg map[*instance]int) error {
	state := map[*instance]int{} // 1 on stack, 2 done
	var stack []*instance
	var cycle []*instance
	var visit func(in *instance) bool
	visit = func(in *instance) bool {
		state[in] = 1
		stack = append(stack, in)
		deps := make([]*instance, 0, len(in.deps))
		for d := range in.deps {
			deps = append(deps, d)
		}
		sort.Slice(deps, func(i, j int) bool { return deps[i].res.order < deps[j].res.order })
		for _, d := range deps {
			if indeg[d] == 0 && state[d] == 0 {
				continue
			}
			switch state[d] {
			case 1:
				for i, s := range stack {
					if s == d {
						cycle = append(append([]*instance{}, stack[i:]...), d)
						return true
					}
				}
			case 0:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[in] = 2
		return false
	}
	for _, in := range nodes {
		if indeg[in] > 0 && state[in] == 0 && visit(in) {
			break
		}
	}
	names := make([]string, len(cycle))
	for i, in := range cycle {
		names[i] = in.res.displayName()
	}
	path := ""
	if len(cycle) > 0 {
		path = cycle[0].res.Path + ".dependsOn"
	}
	return &EvalError{Path: path, Err: fmt.Errorf("%w: %s", ErrCycle, strings.Join(names, " -> "))}
}
