package arm

import (
	"fmt"
	"strings"
)

// Expansion of resource declarations into instances (copy loops,
// conditions, nested resources), their ids, bodies and dependencies.

// expand adds the instances of one declaration (and of its nested
// resources) to out.
func (e *engine) expand(d *resourceDecl, parent *instance, base *scope, out *[]*instance) error {
	s := base.at(d.path)
	cv, hasCopy := lookupKey(d.raw, "copy")
	if !hasCopy {
		return e.instantiate(d, parent, s, "", 0, 0, out)
	}
	cm := cv.(map[string]any)
	cs := s.at(joinPath(d.path, "copy"))
	nv, _ := lookupKey(cm, "name")
	name, ok := nv.(string)
	if !ok || name == "" {
		return &EvalError{Path: joinPath(cs.path, "name"), Err: fmt.Errorf("%w: a copy loop needs a name", ErrTemplate)}
	}
	n, err := cs.copyCount(cm)
	if err != nil {
		return err
	}
	if n == 0 {
		e.emptyLoops[strings.ToLower(name)] = true
		if d.symbolic != "" {
			e.emptyLoops[strings.ToLower(d.symbolic)] = true
		}
	}
	batch := 0
	if mv, ok := lookupKey(cm, "mode"); ok {
		if m, _ := mv.(string); strings.EqualFold(m, "serial") {
			batch = 1
			if bv, ok := lookupKey(cm, "batchSize"); ok {
				b, err := cs.at(joinPath(cs.path, "batchSize")).evalJSON(bv, false)
				if err != nil {
					return err
				}
				bi, ok := b.(int64)
				if !ok || bi < 1 || bi > MaxCopyCount {
					return &EvalError{Path: joinPath(cs.path, "batchSize"), Err: fmt.Errorf("batchSize must be an integer from 1 to %d", MaxCopyCount)}
				}
				batch = int(bi)
			}
		}
	}
	for i := 0; i < n; i++ {
		is := s.withCopy(copyFrame{name: name, index: i, unnamed: true})
		if err := e.instantiate(d, parent, is, name, i, batch, out); err != nil {
			return fmt.Errorf("copy '%s' index %d: %w", name, i, err)
		}
	}
	return nil
}

func (e *engine) instantiate(d *resourceDecl, parent *instance, s *scope, loop string, idx, batch int, out *[]*instance) error {
	if len(*out) >= MaxResources {
		return &EvalError{Path: d.path, Err: fmt.Errorf("%w: more than %d resource instances", ErrLimit, MaxResources)}
	}
	r := &Resource{Path: d.path, SymbolicName: d.symbolic, CopyName: loop, CopyIndex: idx, order: len(*out)}
	in := &instance{decl: d, s: s, parent: parent, res: r, batch: batch, deps: map[*instance]bool{}}
	deployed := !d.existing && (parent == nil || parent.res.deployed)
	if deployed {
		if cv, ok := lookupKey(d.raw, "condition"); ok {
			c, err := s.at(joinPath(d.path, "condition")).evalJSON(cv, false)
			if err != nil {
				return err
			}
			b, ok := c.(bool)
			if !ok {
				return &EvalError{Path: joinPath(d.path, "condition"), Err: fmt.Errorf("a condition must be a boolean, not %s", typeName(c))}
			}
			deployed = b
		}
	}
	r.deployed = deployed
	if err := e.identify(in); err != nil {
		if deployed {
			return err
		}
		// A skipped resource's name may legitimately fail to evaluate (it
		// often guards exactly that); it just cannot be referenced.
		r.ID = ""
	}
	*out = append(*out, in)
	for _, child := range d.children {
		if err := e.expand(child, in, s, out); err != nil {
			return err
		}
	}
	return nil
}

// identify evaluates a resource's type, name and api version and computes
// its full type, name and id.
func (e *engine) identify(in *instance) error {
	d, s, r := in.decl, in.s, in.res
	str := func(key string) (string, error) {
		v, ok := lookupKey(d.raw, key)
		if !ok {
			return "", nil
		}
		ev, err := s.at(joinPath(d.path, key)).evalJSON(v, false)
		if err != nil {
			return "", err
		}
		sv, ok := ev.(string)
		if !ok {
			return "", &EvalError{Path: joinPath(d.path, key), Err: fmt.Errorf("must be a string, not %s", typeName(ev))}
		}
		return sv, nil
	}
	typ, err := str("type")
	if err != nil {
		return err
	}
	name, err := str("name")
	if err != nil {
		return err
	}
	if r.APIVersion, err = str("apiVersion"); err != nil {
		return err
	}
	r.Type, r.Name = typ, name
	if in.parent != nil && !isQualifiedType(typ) {
		r.Type = in.parent.res.Type + "/" + typ
		r.Name = in.parent.res.Name + "/" + name
	}
	segs := strings.Split(r.Type, "/")
	names := strings.Split(r.Name, "/")
	if len(segs) < 2 || len(names) != len(segs)-1 {
		return &EvalError{Path: joinPath(d.path, "name"), Err: fmt.Errorf("%w: resource name '%s' has %d segment(s) but type '%s' needs %d", ErrTemplate, r.Name, len(names), r.Type, len(segs)-1)}
	}
	var tail strings.Builder
	tail.WriteString("/providers/" + segs[0])
	for i, t := range segs[1:] {
		tail.WriteString("/" + t + "/" + names[i])
	}
	scopeID, err := str("scope")
	if err != nil {
		return err
	}
	if scopeID != "" {
		if !strings.HasPrefix(scopeID, "/") {
			// A relative scope names a resource of this deployment's
			// scope as a resource id does after /providers/:
			// Namespace/type/name, a child Namespace/type/name/type/name.
			id, ok := e.relativeScopeID(scopeID)
			if !ok {
				return &EvalError{Path: joinPath(d.path, "scope"), Err: fmt.Errorf("scope '%s' is neither a resource id nor Namespace/type/name", scopeID)}
			}
			scopeID = id
		}
		r.ID = strings.TrimSuffix(scopeID, "/") + tail.String()
		return nil
	}
	sub, err := str("subscriptionId")
	if err != nil {
		return err
	}
	rg, err := str("resourceGroup")
	if err != nil {
		return err
	}
	if strings.EqualFold(r.Type, "Microsoft.Resources/resourceGroups") {
		if sub == "" {
			sub = e.dep.SubscriptionID
		}
		r.ID = "/subscriptions/" + sub + "/resourceGroups/" + r.Name
		return nil
	}
	r.ID = e.baseID(sub, rg) + tail.String()
	return nil
}

// outerToTarget moves a resource id from the parent's scope to this
// deployment's: in a nested deployment evaluated in the outer scope,
// resourceId() names the parent's resource group, so a dependsOn written
// with it names a resource of the parent's group that the nested
// template deploys in its own.
func (e *engine) outerToTarget(id string) string {
	if e.outer == nil || !strings.HasPrefix(id, "/") {
		return id
	}
	from := e.expressionScope().baseID("", "") + "/"
	if len(id) > len(from) && strings.EqualFold(id[:len(from)], from) {
		return e.baseID("", "") + "/" + id[len(from):]
	}
	return id
}

// baseID is the scope prefix of resource ids in this deployment, with
// optional subscription and resource group overrides.
func (e *engine) baseID(sub, rg string) string {
	if sub == "" {
		sub = e.dep.SubscriptionID
	}
	switch e.tpl.Scope {
	case ScopeTenant:
		if rg == "" && sub == e.dep.SubscriptionID {
			return ""
		}
	case ScopeManagementGroup:
		if rg == "" && sub == e.dep.SubscriptionID {
			return "/providers/Microsoft.Management/managementGroups/" + e.dep.ManagementGroup
		}
	}
	if rg == "" && (e.tpl.Scope == ScopeResourceGroup) {
		rg = e.dep.ResourceGroup
	}
	if rg == "" {
		return "/subscriptions/" + sub
	}
	return "/subscriptions/" + sub + "/resourceGroups/" + rg
}

// isQualifiedType reports whether a nested resource's type is written in
// full (Namespace/type/child) rather than relative to its parent.
func isQualifiedType(t string) bool {
	first, _, found := strings.Cut(t, "/")
	return found && strings.Contains(first, ".")
}

func buildIndex(insts []*instance) *resourceIndex {
	idx := &resourceIndex{
		byID:       map[string]*Resource{},
		byName:     map[string][]*Resource{},
		byTypeName: map[string][]*Resource{},
		bySymbol:   map[string]*Resource{},
		byLoop:     map[string][]*Resource{},
		byShort:    map[string][]*Resource{},
		inst:       map[*Resource]*instance{},
	}
	for _, in := range insts {
		r := in.res
		idx.inst[r] = in
		if r.ID == "" {
			continue
		}
		idx.byID[strings.ToLower(r.ID)] = r
		idx.byName[strings.ToLower(r.Name)] = append(idx.byName[strings.ToLower(r.Name)], r)
		tn := strings.ToLower(r.Type + "/" + r.Name)
		idx.byTypeName[tn] = append(idx.byTypeName[tn], r)
		if r.SymbolicName != "" {
			sym := strings.ToLower(r.SymbolicName)
			idx.bySymbol[sym] = r
			if r.CopyName != "" {
				// One instance of a symbolic copy loop: 'name[index]', as
				// Bicep writes reference(format('name[{0}]', i)).
				idx.bySymbol[fmt.Sprintf("%s[%d]", sym, r.CopyIndex)] = r
			}
		}
		if i := strings.LastIndexByte(r.Name, '/'); i >= 0 {
			short := strings.ToLower(r.Name[i+1:])
			idx.byShort[short] = append(idx.byShort[short], r)
		}
		if r.CopyName != "" {
			idx.byLoop[strings.ToLower(r.CopyName)] = append(idx.byLoop[strings.ToLower(r.CopyName)], r)
		}
	}
	return idx
}

// evalBody evaluates a deployed resource's declaration and dependencies.
func (e *engine) evalBody(in *instance) error {
	if in.evaluated {
		return nil
	}
	if in.evaluating {
		return &EvalError{Path: in.decl.path, Err: fmt.Errorf("%w: resource '%s' reads its own nested outputs", ErrCycle, in.res.displayName())}
	}
	in.evaluating = true
	defer func() { in.evaluating = false }()
	err := e.evalDeclaration(in)
	in.evaluated = err == nil
	return err
}

func (e *engine) evalDeclaration(in *instance) error {
	d, r := in.decl, in.res
	_, nested := inlineTemplate(in)
	var refs []string
	s := *in.s
	s.refs = &refs
	if !e.dep.Strict {
		s.unresolved = &in.unresolved
	}
	r.Body = map[string]any{}
	for _, k := range sortedKeys(d.raw) {
		switch strings.ToLower(k) {
		case "copy", "condition", "resources", "dependson", "existing", "comments", "type", "name", "apiversion", "import":
			continue
		}
		raw := d.raw[k]
		var template any
		if nested && strings.EqualFold(k, "properties") {
			// The nested template is evaluated as a deployment of its own.
			props := raw.(map[string]any)
			raw = make(map[string]any, len(props))
			for pk, pv := range props {
				if strings.EqualFold(pk, "template") {
					template = pv
				} else {
					raw.(map[string]any)[pk] = pv
				}
			}
		}
		v, err := s.at(joinPath(d.path, k)).evalJSON(raw, true)
		if err != nil {
			return err
		}
		if template != nil {
			v.(map[string]any)["template"] = template
		}
		r.Body[k] = v
	}
	if r.APIVersion != "" {
		r.Body["apiVersion"] = r.APIVersion
	}
	// Explicit dependencies.
	if dv, ok := lookupKey(d.raw, "dependsOn"); ok && dv != nil {
		for j, entry := range dv.([]any) {
			path := fmt.Sprintf("%s.dependsOn[%d]", d.path, j)
			v, err := in.s.at(path).evalJSON(entry, false)
			if err != nil {
				return err
			}
			ref, ok := v.(string)
			if !ok {
				return &EvalError{Path: path, Err: fmt.Errorf("a dependency must be a string, not %s", typeName(v))}
			}
			targets := e.index.lookup(ref, true)
			if len(targets) == 0 {
				targets = e.index.lookup(e.outerToTarget(ref), true)
			}
			if len(targets) == 0 && e.emptyLoops[strings.ToLower(ref)] {
				continue // a copy loop with no instance: nothing to wait for
			}
			if len(targets) == 0 {
				return &EvalError{Path: path, Err: fmt.Errorf("%w: dependsOn '%s' matches no resource in the template", ErrTemplate, ref)}
			}
			for _, t := range targets {
				in.addDep(e.index.inst[t])
			}
		}
	}
	// Implicit dependencies: the parent, and resources reference()d.
	if in.parent != nil {
		in.addDep(in.parent)
	}
	for _, id := range refs {
		if t := e.index.byID[strings.ToLower(id)]; t != nil {
			in.addDep(e.index.inst[t])
		}
	}
	return nil
}

func (in *instance) addDep(t *instance) {
	if t != nil && t != in && t.res.deployed {
		in.deps[t] = true
	}
}
