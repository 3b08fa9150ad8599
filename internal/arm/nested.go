package arm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Nested deployments: a Microsoft.Resources/deployments resource with an
// inline template (properties.template), which every Bicep module compiles
// to. Its template is evaluated as a deployment of its own, at the target
// its subscriptionId and resourceGroup name (the parent's by default), and
// its resources join the parent's result right after it.
//
// With expressionEvaluationOptions.scope "inner" the nested template has its
// own parameters (given by properties.parameters, evaluated by the parent),
// variables and functions; with "outer" (the default) its expressions read
// the parent's parameters, variables and functions. Either way the parent
// reads the nested outputs with reference(<deployment>).outputs.

// MaxNestingDepth bounds deployments nested in deployments.
const MaxNestingDepth = 10

const deploymentsType = "microsoft.resources/deployments"

// nestedRun is the evaluation of one nested deployment.
type nestedRun struct {
	busy   bool
	done   bool
	result *Result
	err    error
}

// inlineTemplate returns the raw inline template of a nested deployment
// declaration, if it has one (a templateLink is deployed by Azure alone).
func inlineTemplate(in *instance) (any, bool) {
	if !strings.EqualFold(in.res.Type, deploymentsType) {
		return nil, false
	}
	props, _ := lookupKey(in.decl.raw, "properties")
	pm, ok := props.(map[string]any)
	if !ok {
		return nil, false
	}
	t, ok := lookupKey(pm, "template")
	return t, ok && t != nil
}

// nested evaluates a nested deployment once.
func (e *engine) nested(in *instance) (*Result, error) {
	run := e.nestedRuns[in]
	if run == nil {
		run = &nestedRun{}
		e.nestedRuns[in] = run
	}
	if run.done {
		return run.result, run.err
	}
	if run.busy {
		return nil, fmt.Errorf("nested deployment '%s' depends on its own outputs", in.res.Name)
	}
	run.busy = true
	run.result, run.err = e.evalNested(in)
	run.busy, run.done = false, true
	return run.result, run.err
}

func (e *engine) evalNested(in *instance) (*Result, error) {
	path := joinPath(joinPath(in.decl.path, "properties"), "template")
	if e.depth >= MaxNestingDepth {
		return nil, &EvalError{Path: path, Err: fmt.Errorf("%w: deployments nested more than %d deep", ErrLimit, MaxNestingDepth)}
	}
	if err := e.evalBody(in); err != nil {
		return nil, err
	}
	raw, _ := inlineTemplate(in)
	if str, ok := raw.(string); ok {
		// The template is an expression of the parent (a variable, say).
		v, err := in.s.at(path).evalString(str)
		if err != nil {
			return nil, err
		}
		raw = v
	}
	src, err := json.Marshal(raw)
	if err != nil {
		return nil, &EvalError{Path: path, Err: err}
	}
	tpl, err := ParseTemplate(src)
	if err != nil {
		return nil, &EvalError{Path: path, Err: err}
	}
	props, _ := in.res.Body["properties"].(map[string]any)
	inner := false
	if opts, ok := lookupKey(props, "expressionEvaluationOptions"); ok {
		om, _ := opts.(map[string]any)
		sv, _ := lookupKey(om, "scope")
		scope, _ := sv.(string)
		inner = strings.EqualFold(scope, "inner")
	}
	dep := e.nestedTarget(in, tpl)
	sub := newEngine(tpl, nil, &dep)
	sub.depth, sub.work = e.depth+1, e.work
	defer func() { e.work = sub.work }()
	var values map[string]any
	if inner {
		values = nestedParameters(props)
		paramsPath := joinPath(joinPath(in.decl.path, "properties"), "parameters")
		sub.pending = pendingParameters(paramsPath, in.unresolved)
		if err := withoutPending(tpl.ValidateParameters(values), sub.pending); err != nil {
			return nil, &EvalError{Path: paramsPath, Err: err}
		}
		for k, v := range values {
			sub.given[strings.ToLower(k)] = normalize(cloneDeep(v))
		}
	} else {
		sub.outer = e
	}
	res, err := sub.run()
	if err != nil {
		return nil, &EvalError{Path: path, Err: fmt.Errorf("nested deployment '%s': %w", in.res.Name, err)}
	}
	return res, nil
}

// pendingParameters names the inner-scope parameters whose values Azure
// alone knows (a reference() to a resource not yet deployed, kept as
// expression text): the lower-case names of properties.parameters entries
// with an unresolved path.
func pendingParameters(paramsPath string, unresolved []string) map[string]bool {
	var out map[string]bool
	for _, u := range unresolved {
		rest, ok := strings.CutPrefix(u, paramsPath)
		if !ok || rest == "" {
			continue
		}
		var name string
		switch {
		case rest[0] == '.':
			name, _, _ = strings.Cut(rest[1:], ".")
		case strings.HasPrefix(rest, "[\""):
			if end := strings.Index(rest, "\"]"); end > 0 {
				name, _ = strconv.Unquote(rest[1 : end+1])
			}
		}
		if name != "" {
			if out == nil {
				out = map[string]bool{}
			}
			out[strings.ToLower(name)] = true
		}
	}
	return out
}

// withoutPending drops from a validation error the violations of pending
// parameters: their values are expression text until Azure evaluates them,
// so their type or length says nothing.
func withoutPending(err error, pending map[string]bool) error {
	var ve *ValidationError
	if len(pending) == 0 || !errors.As(err, &ve) {
		return err
	}
	var kept []Violation
	for _, v := range ve.Violations {
		if !pending[strings.ToLower(v.Parameter)] {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return &ValidationError{Violations: kept}
}

// nestedTarget is the deployment a nested deployment makes: its name, and
// the subscription and resource group it targets (the parent's unless
// given). Without a resource group, a nested deployment of a subscription
// deployment, or one whose template is a subscription template, deploys at
// subscription scope.
func (e *engine) nestedTarget(in *instance, tpl *Template) Deployment {
	dep := *e.dep
	dep.DeploymentName = in.res.Name
	dep.TemplateLink = ""
	str := func(key string) string {
		v, _ := lookupKey(in.res.Body, key)
		s, _ := v.(string)
		return s
	}
	if sub := str("subscriptionId"); sub != "" {
		dep.SubscriptionID = sub
	}
	if loc := str("location"); loc != "" {
		dep.Location = loc
	}
	rg := str("resourceGroup")
	if i := strings.LastIndex(strings.ToLower(rg), "/resourcegroups/"); i >= 0 {
		rg = rg[i+len("/resourcegroups/"):]
	}
	switch {
	case rg != "":
		dep.ResourceGroup = rg
		tpl.Scope = ScopeResourceGroup
	case e.tpl.Scope == ScopeSubscription || tpl.Scope == ScopeSubscription:
		dep.ResourceGroup = ""
		tpl.Scope = ScopeSubscription
	case e.tpl.Scope == ScopeResourceGroup:
		tpl.Scope = ScopeResourceGroup
	default:
		dep.ResourceGroup = ""
	}
	return dep
}

// nestedParameters reads the values of properties.parameters; a Key Vault
// reference, which only Azure can read, stands as its secret's name.
func nestedParameters(props map[string]any) map[string]any {
	pv, _ := lookupKey(props, "parameters")
	pm, _ := pv.(map[string]any)
	out := make(map[string]any, len(pm))
	for name, entry := range pm {
		em, _ := entry.(map[string]any)
		if v, ok := lookupKey(em, "value"); ok {
			out[name] = v
			continue
		}
		if ref, ok := lookupKey(em, "reference"); ok {
			rm, _ := ref.(map[string]any)
			secret, _ := lookupKey(rm, "secretName")
			out[name] = fmt.Sprint(secret)
		}
	}
	return out
}

// nestedReference is reference() of a nested deployment of the template:
// its outputs, once the nested template evaluates them without runtime
// state.
func (e *engine) nestedReference(in *instance, full bool) (any, error) {
	res, err := e.nested(in)
	if err != nil {
		return nil, err
	}
	outs := map[string]any{}
	for name, o := range res.Outputs {
		for _, u := range res.Unresolved {
			if strings.HasPrefix(u, joinPath("outputs", name)) {
				return nil, fmt.Errorf("%w: output '%s' of nested deployment '%s'", ErrNoState, name, in.res.Name)
			}
		}
		outs[name] = map[string]any{"type": o.Type, "value": o.Value}
	}
	props := map[string]any{"outputs": outs, "provisioningState": "Succeeded", "mode": "Incremental"}
	if full {
		return map[string]any{"id": in.res.ID, "name": in.res.Name, "type": in.res.Type, "properties": props}, nil
	}
	return props, nil
}

// withNested places the resources of each nested deployment right after
// it, and renumbers their unresolved paths.
func (e *engine) withNested(ordered []*Resource, unresolved *[]string) ([]*Resource, error) {
	var out []*Resource
	for _, r := range ordered {
		out = append(out, r)
		in := e.index.inst[r]
		if _, ok := inlineTemplate(in); !ok {
			continue
		}
		res, err := e.nested(in)
		if err != nil && !e.dep.Strict && errors.Is(err, ErrNoState) {
			// Its target or its resources' names need values only Azure
			// knows: the deployment stays, its template for Azure to
			// evaluate, as a linked template's does.
			r.Unresolved = append(r.Unresolved, ".properties.template")
			*unresolved = append(*unresolved, fmt.Sprintf("resources[%d].properties.template", len(out)-1))
			continue
		}
		if err != nil {
			return nil, err
		}
		base := len(out)
		out = append(out, res.Resources...)
		for _, u := range res.Unresolved {
			var i int
			var rest string
			if n, _ := fmt.Sscanf(u, "resources[%d]", &i); n == 1 {
				rest = u[strings.IndexByte(u, ']')+1:]
				*unresolved = append(*unresolved, fmt.Sprintf("resources[%d]%s", base+i, rest))
			}
		}
	}
	return out, nil
}

// nestedInstance finds the deployed nested deployment with an inline
// template that a resource id names, if any.
func (e *engine) nestedInstance(id string) (*instance, bool) {
	if e.index == nil {
		return nil, false
	}
	r := e.index.byID[strings.ToLower(id)]
	if r == nil {
		return nil, false
	}
	in := e.index.inst[r]
	if _, ok := inlineTemplate(in); !ok || !r.deployed {
		return nil, false
	}
	return in, true
}
