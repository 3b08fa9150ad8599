package arm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Deployment describes where and how a template is deployed: the values
// behind resourceGroup(), subscription(), deployment() and friends, and
// the runtime state reference() and list*() read.
type Deployment struct {
	SubscriptionID   string
	SubscriptionName string
	TenantID         string
	// ResourceGroup is empty for subscription, management group and tenant
	// deployments.
	ResourceGroup     string
	ResourceGroupTags map[string]string
	ManagementGroup   string
	// Location is the resource group's location (or the deployment's, at
	// other scopes).
	Location       string
	DeploymentName string
	// TemplateLink is the URI the template was deployed from, if any:
	// deployment().properties.templateLink.uri, which templates use to find
	// their artifacts.
	TemplateLink     string
	DeployerObjectID string
	DeployerUPN      string
	// State holds the runtime state of existing resources by resource id
	// (compared case-insensitively).
	State map[string]*ResourceState
	// Now is the time utcNow() returns; zero means the current time.
	Now time.Time
	// Rand is the randomness newGuid() reads; nil means crypto/rand.
	Rand io.Reader
	// Strict makes expressions that need unavailable runtime state fail
	// instead of being kept as text in the result.
	Strict bool
}

// ResourceState is what Azure knows of a deployed resource.
type ResourceState struct {
	// Resource is the resource as a GET returns it (id, name, type,
	// location, properties, ...); reference() returns its properties, or
	// all of it with 'Full'.
	Resource map[string]any `json:"resource,omitempty"`
	// Lists holds the answers of list* actions by function name, such as
	// "listKeys" (names compared case-insensitively).
	Lists map[string]any `json:"lists,omitempty"`
}

func (d *Deployment) lookupState(id string) (*ResourceState, bool) {
	if st, ok := d.State[id]; ok && st != nil {
		return st, true
	}
	for k, st := range d.State {
		if strings.EqualFold(k, id) && st != nil {
			return st, true
		}
	}
	return nil, false
}

func (d *Deployment) subscriptionName() string {
	if d.SubscriptionName != "" {
		return d.SubscriptionName
	}
	return d.SubscriptionID
}

func (d *Deployment) deploymentName() string {
	if d.DeploymentName != "" {
		return d.DeploymentName
	}
	return "deployment"
}

// Result is an evaluated template: what the deployment will create and
// what it will output.
type Result struct {
	// Resources in deployment order: every resource comes after the
	// resources it depends on; independent resources keep template order.
	Resources []*Resource `json:"resources"`
	// Outputs by name.
	Outputs map[string]*Output `json:"outputs"`
	// Unresolved lists the paths of values that need runtime state and were
	// kept as expression text.
	Unresolved []string `json:"unresolved,omitempty"`
}

// Output is one evaluated output.
type Output struct {
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Resource is one evaluated resource instance.
type Resource struct {
	// ID is the full resource id.
	ID string
	// Type and Name are full (a nested child's include its parent's).
	Type       string
	Name       string
	APIVersion string
	// SymbolicName is the languageVersion 2.0 key, if any.
	SymbolicName string
	// CopyName and CopyIndex identify the copy loop instance, if any.
	CopyName  string
	CopyIndex int
	// DependsOn lists the ids of the resources deployed first.
	DependsOn []string
	// Body is the evaluated declaration (type, name, apiVersion, location,
	// properties, ...) without copy, condition, dependsOn and nested
	// resources.
	Body map[string]any
	// Path is the resource's JSON path in the template.
	Path string
	// Unresolved lists the paths in Body (such as .properties.key) kept as
	// expression text for want of runtime state: a deployment evaluates the
	// resource again once what it reads exists.
	Unresolved []string

	deployed bool
	order    int
}

// MarshalJSON writes the evaluated body with the full id, type, name and
// resolved dependsOn.
func (r *Resource) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(r.Body)+3)
	for k, v := range r.Body {
		out[k] = v
	}
	out["id"] = r.ID
	out["type"] = r.Type
	out["name"] = r.Name
	if len(r.DependsOn) > 0 {
		deps := make([]any, len(r.DependsOn))
		for i, d := range r.DependsOn {
			deps[i] = d
		}
		out["dependsOn"] = deps
	}
	return json.Marshal(out)
}

// displayName names a resource in messages.
func (r *Resource) displayName() string {
	if r.SymbolicName != "" {
		return r.SymbolicName
	}
	return r.Type + "/" + r.Name
}

// instance is one expansion of a resource declaration.
type instance struct {
	decl   *resourceDecl
	s      *scope
	parent *instance
	res    *Resource
	batch  int // copy batchSize when the loop is serial
	deps   map[*instance]bool
	// unresolved holds the template paths of values kept as text.
	unresolved []string
	// evaluated and evaluating guard evalBody, which reference() of a
	// nested deployment may call ahead of template order.
	evaluated, evaluating bool
}

type resourceIndex struct {
	byID       map[string]*Resource
	byName     map[string][]*Resource
	byTypeName map[string][]*Resource
	bySymbol   map[string]*Resource
	byLoop     map[string][]*Resource
	// byShort holds children by the last segment of their name.
	byShort map[string][]*Resource
	inst    map[*Resource]*instance
}

// Evaluate evaluates a template for a deployment: it validates the
// parameter values, expands copy loops and conditions, evaluates every
// expression, orders the resources by their dependencies and computes the
// outputs. Errors carry the JSON path of the failing value.
func Evaluate(tpl *Template, params map[string]any, dep Deployment) (*Result, error) {
	if err := tpl.ValidateParameters(params); err != nil {
		return nil, err
	}
	norm := make(map[string]any, len(params))
	for k, v := range params {
		norm[k] = normalize(cloneDeep(v))
	}
	e := newEngine(tpl, norm, &dep)
	return e.run()
}

// run evaluates the engine's template.
func (e *engine) run() (*Result, error) {
	tpl := e.tpl
	if e.outer == nil {
		for _, p := range tpl.Parameters {
			if _, err := e.parameter(p.Name); err != nil && !e.pending[strings.ToLower(p.Name)] {
				return nil, wrapPath(joinPath("parameters", p.Name), err)
			}
		}
	}
	res := &Result{Outputs: map[string]*Output{}}
	var unresolved []string
	// Phase 1: expand loops and conditions and compute every resource id,
	// so that dependsOn and reference() can resolve names.
	var insts []*instance
	for _, d := range tpl.resources {
		if d.parent == nil {
			if err := e.expand(d, nil, e.rootScope(d.path), &insts); err != nil {
				return nil, err
			}
		}
	}
	e.index = buildIndex(insts)
	// Phase 2: evaluate bodies and dependencies of deployed resources.
	for _, in := range insts {
		if !in.res.deployed {
			continue
		}
		if err := e.evalBody(in); err != nil {
			return nil, err
		}
	}
	ordered, err := order(insts)
	if err != nil {
		return nil, err
	}
	// Report unresolved values by their path in the result, which tells
	// copies apart, rather than by their path in the template.
	for i, r := range ordered {
		in := e.index.inst[r]
		r.Unresolved = nil
		for _, u := range in.unresolved {
			r.Unresolved = append(r.Unresolved, strings.TrimPrefix(u, in.decl.path))
			unresolved = append(unresolved, fmt.Sprintf("resources[%d]%s", i, strings.TrimPrefix(u, in.decl.path)))
		}
	}
	if res.Resources, err = e.withNested(ordered, &unresolved); err != nil {
		return nil, err
	}
	// Phase 3: outputs.
	for _, o := range tpl.Outputs {
		out, err := e.evalOutput(o, &unresolved)
		if err != nil {
			return nil, err
		}
		if out != nil {
			res.Outputs[o.Name] = out
		}
	}
	res.Unresolved = unresolved
	return res, nil
}

func wrapPath(path string, err error) error {
	var ee *EvalError
	if errors.As(err, &ee) {
		return err
	}
	return &EvalError{Path: path, Err: err}
}

func (e *engine) evalOutput(o *OutputDecl, unresolved *[]string) (*Output, error) {
	path := joinPath("outputs", o.Name)
	s := e.rootScope(path)
	if !e.dep.Strict {
		s.unresolved = unresolved
	}
	if cv, ok := lookupKey(o.Raw, "condition"); ok {
		c, err := s.at(joinPath(path, "condition")).evalJSON(cv, false)
		if err != nil {
			return nil, err
		}
		if b, ok := c.(bool); !ok {
			return nil, &EvalError{Path: joinPath(path, "condition"), Err: fmt.Errorf("a condition must be a boolean, not %s", typeName(c))}
		} else if !b {
			return nil, nil
		}
	}
	before := len(*unresolved)
	var (
		v   any
		err error
	)
	if cv, ok := lookupKey(o.Raw, "copy"); ok {
		cm, ok := cv.(map[string]any)
		if !ok {
			return nil, &EvalError{Path: joinPath(path, "copy"), Err: fmt.Errorf("an output copy must be an object with count and input")}
		}
		v, err = s.at(joinPath(path, "copy")).copyArray(cm, "", true)
	} else {
		raw, _ := lookupKey(o.Raw, "value")
		v, err = s.at(joinPath(path, "value")).evalJSON(raw, false)
	}
	if err != nil {
		return nil, err
	}
	// A value kept as expression text cannot match its declared type yet.
	if len(*unresolved) == before && (v != nil || !o.Nullable) {
		if err := checkType(o.Type, v); err != nil {
			return nil, &EvalError{Path: path, Err: err}
		}
	}
	return &Output{Type: o.Type, Value: v}, nil
}
