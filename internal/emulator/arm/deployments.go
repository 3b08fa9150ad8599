package arm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	tpl "github.com/mercato-market/mercato/internal/arm"
)

// deployment is a template deployment into a resource group.
type deployment struct {
	sub, group, name, location string
	mode                       string
	state                      string // Accepted, Running, Succeeded, Failed, Canceled
	params                     map[string]any
	outputs                    map[string]any
	outputResources            []any
	err                        *apiError
	correlationID              string
	start, end                 time.Time
	ops                        []map[string]any
	opID                       string
	done                       chan struct{}
	// template is the request's template (exportTemplate), hash its
	// templateHash; providers and dependencies are computed from the
	// evaluated resources.
	template                json.RawMessage
	hash                    string
	providers, dependencies []any
}

func terminal(state string) bool {
	return state == "Succeeded" || state == "Failed" || state == "Canceled"
}

// id is the deployment's id: in its group, or at subscription scope when
// it has none.
func (d *deployment) id() string {
	return deploymentID(d.sub, d.group, d.name)
}

func deploymentID(sub, rg, name string) string {
	if rg == "" {
		return "/subscriptions/" + sub + "/providers/Microsoft.Resources/deployments/" + name
	}
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Resources/deployments/" + name
}

// finish ends the deployment. e.mu is held.
func (d *deployment) finish(state string, err *apiError) {
	if terminal(d.state) {
		return
	}
	d.state, d.err, d.end = state, err, now()
	close(d.done)
}

func isoDuration(d time.Duration) string {
	return fmt.Sprintf("PT%.3fS", d.Seconds())
}

func (d *deployment) body() map[string]any {
	end := d.end
	if end.IsZero() {
		end = now()
	}
	props := map[string]any{
		"provisioningState": d.state, "correlationId": d.correlationID, "timestamp": end.Format(time.RFC3339Nano),
		"duration": isoDuration(end.Sub(d.start)), "mode": d.mode, "parameters": d.params,
		"outputResources": nonNil(d.outputResources), "dependencies": nonNil(d.dependencies), "providers": nonNil(d.providers),
		"templateHash": d.hash,
	}
	if d.outputs != nil {
		props["outputs"] = d.outputs
	}
	if d.err != nil {
		props["error"] = d.err
	}
	body := map[string]any{"id": d.id(), "name": d.name, "type": "Microsoft.Resources/deployments", "properties": props}
	if d.group == "" {
		body["location"] = d.location
	}
	return body
}

// deploymentRequest is the body of a deployment PUT, validate or whatIf.
type deploymentRequest struct {
	// Location is required at subscription scope: where the deployment's
	// data is kept.
	Location   string `json:"location"`
	Properties struct {
		Mode         string                     `json:"mode"`
		Template     json.RawMessage            `json:"template"`
		TemplateLink json.RawMessage            `json:"templateLink"`
		Parameters   map[string]json.RawMessage `json:"parameters"`
	} `json:"properties"`
}

// plan is a computed deployment: the template's resources and outputs for
// the request's parameters, checked as Azure's preflight validation does.
type plan struct {
	tpl     *tpl.Template
	values  map[string]any
	dep     tpl.Deployment
	result  *tpl.Result
	mode    string
	params  map[string]any
	reqBody deploymentRequest
}

// preflight parses, validates and evaluates a deployment request, and
// checks the Marketplace terms of the resources that carry a plan.
func (e *Emulator) preflight(r *http.Request, sub, rg, name string) (*plan, error) {
	var in deploymentRequest
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	var loc string
	if rg == "" {
		if in.Location == "" {
			return nil, newError(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
		}
		loc = strings.ToLower(strings.ReplaceAll(in.Location, " ", ""))
	} else {
		e.mu.Lock()
		g, ok := e.groups[key(sub, rg)]
		if ok {
			loc = g.location
		}
		e.mu.Unlock()
		if !ok {
			return nil, groupNotFound(rg)
		}
	}
	mode := in.Properties.Mode
	if mode == "" {
		return nil, newError(http.StatusBadRequest, "InvalidDeployment", "The 'mode' property of the deployment is required.")
	}
	if !strings.EqualFold(mode, "Incremental") && !strings.EqualFold(mode, "Complete") {
		return nil, newError(http.StatusBadRequest, "InvalidDeploymentMode", "The deployment mode '%s' is not supported; use Incremental or Complete.", mode)
	}
	if len(in.Properties.TemplateLink) > 0 && string(in.Properties.TemplateLink) != "null" {
		return nil, newError(http.StatusBadRequest, "InvalidTemplateDeployment", "The emulator does not fetch linked templates; send the template inline.")
	}
	if len(in.Properties.Template) == 0 {
		return nil, newError(http.StatusBadRequest, "InvalidDeployment", "The deployment must have a template or a templateLink.")
	}
	t, err := tpl.ParseTemplate(in.Properties.Template)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "InvalidTemplate", "Deployment template parse failed: '%v'.", err)
	}
	values := map[string]any{}
	shown := map[string]any{}
	for pname, raw := range in.Properties.Parameters {
		var pv struct {
			Value     any             `json:"value"`
			Reference json.RawMessage `json:"reference"`
		}
		if err := json.Unmarshal(raw, &pv); err != nil {
			return nil, newError(http.StatusBadRequest, "InvalidRequestContent", "The value of deployment parameter '%s' is invalid: %v.", pname, err)
		}
		if len(pv.Reference) > 0 {
			return nil, newError(http.StatusBadRequest, "InvalidTemplateDeployment", "The emulator does not resolve Key Vault references (parameter '%s').", pname)
		}
		p, ok := t.Parameter(pname)
		if !ok {
			return nil, newError(http.StatusBadRequest, "InvalidTemplate", "Deployment template validation failed: 'The template parameters '%s' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time.'.", pname)
		}
		values[p.Name] = pv.Value
		if p.Secure() {
			shown[p.Name] = map[string]any{"type": p.Type}
		} else {
			shown[p.Name] = map[string]any{"type": p.Type, "value": pv.Value}
		}
	}
	dep := tpl.Deployment{SubscriptionID: sub, ResourceGroup: rg, Location: loc, DeploymentName: name}
	e.mu.Lock()
	dep.State = e.stateLocked(sub)
	e.mu.Unlock()
	res, err := tpl.Evaluate(t, values, dep)
	if err != nil {
		var ve *tpl.ValidationError
		if errors.As(err, &ve) {
			return nil, newError(http.StatusBadRequest, "InvalidTemplate", "Deployment template validation failed: '%v'.", err)
		}
		return nil, newError(http.StatusBadRequest, "InvalidTemplate", "Deployment template validation failed: '%v'.", err)
	}
	// Each resource's api-version must be one its type has.
	for _, rs := range res.Resources {
		if err := checkVersion(rs.Type, rs.APIVersion); err != nil {
			return nil, err
		}
	}
	// Marketplace images: their terms must be accepted on the subscription.
	var refused []*apiError
	e.mu.Lock()
	for _, rs := range res.Resources {
		pl, ok := rs.Body["plan"].(map[string]any)
		if !ok {
			continue
		}
		pub, _ := pl["publisher"].(string)
		offer, _ := pl["product"].(string)
		pname, _ := pl["name"].(string)
		if a := e.agreementLocked(sub, pub, offer, pname); !a.accepted {
			refused = append(refused, newError(http.StatusBadRequest, "BadRequest",
				"Offer with PublisherId: '%s', OfferId: '%s' cannot be purchased due to validation errors. For more information see details. Correlation Id: '%s' Legal terms have not been accepted for this item on this subscription: '%s'. To accept legal terms using PowerShell, please use Get-AzMarketplaceTerms and Set-AzMarketplaceTerms API(https://go.microsoft.com/fwlink/?linkid=862451) or deploy via the Azure portal to accept the terms",
				pub, offer, newID(), sub))
		}
	}
	e.mu.Unlock()
	if len(refused) > 0 {
		err := newError(http.StatusBadRequest, "MarketplacePurchaseEligibilityFailed", "Marketplace purchase eligibilty check returned errors. See inner errors for details. ")
		err.Details = refused
		return nil, err
	}
	return &plan{tpl: t, values: values, dep: dep, result: res, mode: mode, params: shown, reqBody: in}, nil
}

func (e *Emulator) putDeployment(w http.ResponseWriter, r *http.Request, sub, rg, name string) error {
	e.count("PUT deployment")
	k := key(sub, rg, name)
	e.mu.Lock()
	if d, ok := e.deployments[k]; ok && !terminal(d.state) {
		e.mu.Unlock()
		return newError(http.StatusConflict, "DeploymentActive", "The deployment '%s' cannot be saved, because this would overwrite an existing deployment which is still active.", name)
	}
	e.mu.Unlock()
	p, err := e.preflight(r, sub, rg, name)
	if err != nil {
		return err
	}
	corr := w.Header().Get("x-ms-correlation-request-id")
	d := &deployment{sub: sub, group: rg, name: name, location: p.dep.Location, mode: p.mode, state: "Accepted", params: p.params,
		correlationID: corr, start: now(), opID: newID(), done: make(chan struct{})}
	d.template, d.hash = p.reqBody.Properties.Template, templateHash(p.reqBody.Properties.Template)
	d.providers, d.dependencies = providersOf(p.result.Resources), dependenciesOf(p.result.Resources)
	e.mu.Lock()
	if g, ok := e.groups[key(sub, rg)]; rg != "" && (!ok || g.state == "Deleting") {
		e.mu.Unlock()
		return newError(http.StatusConflict, "ResourceGroupBeingDeleted", "The resource group '%s' is in deprovisioning state and cannot perform this operation.", rg)
	}
	// Azure registers the providers a deployment uses.
	for _, rs := range p.result.Resources {
		if pr, _ := typeOf(rs.Type); pr != nil {
			e.registered[key(sub, pr.namespace)] = true
		}
	}
	e.deployments[k] = d
	e.ops[d.opID] = &operation{id: d.opID, deployment: d, start: d.start}
	var fail *failure
	for i := range e.failures {
		if strings.Contains(key(rg, name), e.failures[i].match) {
			fail = &e.failures[i]
		}
	}
	body := d.body()
	e.mu.Unlock()
	e.wg.Go(func() { e.run(d, p, fail) })

	w.Header().Set("Azure-AsyncOperation", baseURL(r)+d.id()+"/operationStatuses/"+d.opID+"?api-version="+apiVersion(r))
	e.retryAfter(w)
	writeJSON(w, http.StatusCreated, body)
	return nil
}

// run provisions a deployment's resources one step at a time.
func (e *Emulator) run(d *deployment, p *plan, fail *failure) {
	step := func() bool {
		select {
		case <-d.done:
			return false
		default:
		}
		t := time.NewTimer(e.cfg.Step)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-d.done:
			return false
		case <-e.closed:
			return false
		}
	}
	if !step() {
		return
	}
	e.mu.Lock()
	if terminal(d.state) {
		e.mu.Unlock()
		return
	}
	d.state = "Running"
	running := now()
	e.mu.Unlock()

	state := maps.Clone(p.dep.State)
	var created []any
	for i, rs := range p.result.Resources {
		if fail != nil && i == 1 || fail != nil && len(p.result.Resources) < 2 && i == 0 {
			break
		}
		if !step() {
			return
		}
		rs = resolved(p, rs, state)
		body := materialize(rs.ID, rs.Type, rs.Name, rs.Body, d.location)
		e.mu.Lock()
		if terminal(d.state) {
			e.mu.Unlock()
			return
		}
		e.createLocked(d, rs, body)
		d.ops = append(d.ops, operationOf(d, rs, "Succeeded", "Created", nil))
		e.mu.Unlock()
		state[strings.ToLower(rs.ID)] = &tpl.ResourceState{Resource: body, Lists: listsOf(rs.ID, rs.Name)}
		created = append(created, map[string]any{"id": rs.ID})
	}
	if fail != nil {
		if wait := fail.after - time.Since(running); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-d.done:
				t.Stop()
				return
			case <-e.closed:
				t.Stop()
				return
			}
		}
		inner := &apiError{Code: fail.code, Message: fail.message}
		e.mu.Lock()
		target := d.id()
		if n := len(created); n < len(p.result.Resources) {
			rs := p.result.Resources[n]
			target = rs.ID
			d.ops = append(d.ops, operationOf(d, rs, "Failed", "Conflict", inner))
		}
		inner.Target = target
		d.outputResources = created
		d.finish("Failed", &apiError{status: http.StatusOK, Code: "DeploymentFailed",
			Message: "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
			Details: []*apiError{inner}})
		e.mu.Unlock()
		return
	}
	// Outputs are computed again with the created resources' state, so
	// reference() reads what was deployed.
	dep := p.dep
	dep.State = state
	res, err := tpl.Evaluate(p.tpl, p.values, dep)
	e.mu.Lock()
	defer e.mu.Unlock()
	d.outputResources = created
	if err != nil {
		d.finish("Failed", &apiError{Code: "DeploymentOutputEvaluationFailed", Message: fmt.Sprintf("Unable to evaluate template outputs: %v", err)})
		return
	}
	outs := map[string]any{}
	for n, o := range res.Outputs {
		outs[n] = map[string]any{"type": o.Type, "value": o.Value}
	}
	d.outputs = outs
	d.finish("Succeeded", nil)
}

// declared is a resource's declaration without what ARM does not store.
func declared(decl map[string]any) map[string]any {
	body := map[string]any{}
	for k, v := range decl {
		switch k {
		case "apiVersion", "comments", "scope", "dependsOn", "condition", "copy":
			continue
		}
		body[k] = v
	}
	return body
}

// materialize is the resource as Azure returns it once created from its
// declaration, with the properties Azure computes for the common types;
// defaultLoc is its group's location.
func materialize(id, typ, name string, decl map[string]any, defaultLoc string) map[string]any {
	body := declared(decl)
	body["id"], body["name"], body["type"] = id, name, typ
	loc, _ := body["location"].(string)
	if loc == "" {
		loc = defaultLoc
	}
	loc = strings.ToLower(strings.ReplaceAll(loc, " ", ""))
	body["location"] = loc
	props, _ := body["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	props["provisioningState"] = "Succeeded"
	switch strings.ToLower(typ) {
	case "microsoft.network/publicipaddresses":
		if dns, ok := props["dnsSettings"].(map[string]any); ok {
			if label, ok := dns["domainNameLabel"].(string); ok && label != "" {
				dns["fqdn"] = label + "." + loc + ".cloudapp.azure.com"
			}
		}
		props["ipAddress"] = "20.50.0." + fmt.Sprint(1+len(name)%250)
	case "microsoft.web/sites":
		props["defaultHostName"] = strings.ToLower(name) + ".azurewebsites.net"
		props["state"] = "Running"
	case "microsoft.compute/virtualmachines":
		props["vmId"] = newID()
	case "microsoft.storage/storageaccounts":
		props["primaryEndpoints"] = map[string]any{"blob": "https://" + name + ".blob.core.windows.net/", "web": "https://" + name + ".z6.web.core.windows.net/"}
	}
	body["properties"] = props
	return body
}

// createLocked stores a resource a deployment created: a resource group
// (at subscription scope) or a generic resource. e.mu is held.
func (e *Emulator) createLocked(d *deployment, rs *tpl.Resource, body map[string]any) {
	if strings.EqualFold(rs.Type, "Microsoft.Resources/resourceGroups") {
		sub, _ := groupOf(rs.ID)
		if sub == "" {
			sub = d.sub
		}
		g, ok := e.groups[key(sub, rs.Name)]
		if !ok {
			loc, _ := body["location"].(string)
			g = &group{sub: sub, name: rs.Name, location: loc, state: "Succeeded"}
			e.groups[key(sub, rs.Name)] = g
		}
		if tags, ok := body["tags"].(map[string]any); ok {
			g.tags = map[string]string{}
			for k, v := range tags {
				g.tags[k] = fmt.Sprint(v)
			}
		}
		return
	}
	sub, rg := groupOf(rs.ID)
	if sub == "" {
		sub, rg = d.sub, d.group
	}
	e.resources[strings.ToLower(rs.ID)] = &resource{sub: sub, group: rg, body: body}
}

func operationOf(d *deployment, rs *tpl.Resource, state, status string, msg *apiError) map[string]any {
	opID := strings.ToUpper(strings.ReplaceAll(newID(), "-", "")[:16])
	props := map[string]any{
		"provisioningOperation": "Create", "provisioningState": state, "timestamp": now().Format(time.RFC3339Nano),
		"duration": isoDuration(time.Since(d.start)), "trackingId": newID(), "statusCode": status,
		"targetResource": map[string]any{"id": rs.ID, "resourceName": rs.Name, "resourceType": rs.Type},
	}
	if msg != nil {
		props["statusMessage"] = map[string]any{"status": "Failed", "error": msg}
	}
	return map[string]any{"id": d.id() + "/operations/" + opID, "operationId": opID, "properties": props}
}

func (e *Emulator) getDeployment(w http.ResponseWriter, r *http.Request, sub, rg, name string) error {
	e.mu.Lock()
	d, ok := e.deployments[key(sub, rg, name)]
	var body map[string]any
	if ok {
		body = d.body()
	}
	e.mu.Unlock()
	if !ok {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return newError(http.StatusNotFound, "DeploymentNotFound", "Deployment '%s' could not be found.", name)
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (e *Emulator) listDeployments(w http.ResponseWriter, sub, rg string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.groups[key(sub, rg)]; !ok && rg != "" {
		return groupNotFound(rg)
	}
	var ds []*deployment
	for _, d := range e.deployments {
		if strings.EqualFold(d.sub, sub) && strings.EqualFold(d.group, rg) {
			ds = append(ds, d)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].start.Before(ds[j].start) })
	out := make([]any, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.body())
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

// operationStatus is the Azure-AsyncOperation monitor of a deployment.
func (e *Emulator) operationStatus(w http.ResponseWriter, id string) error {
	e.mu.Lock()
	op, ok := e.ops[id]
	var body map[string]any
	if ok && op.deployment != nil {
		d := op.deployment
		body = map[string]any{"id": d.id() + "/operationStatuses/" + id, "name": id, "status": d.state, "startTime": d.start.Format(time.RFC3339Nano)}
		if terminal(d.state) {
			body["endTime"] = d.end.Format(time.RFC3339Nano)
		}
		if d.err != nil {
			body["error"] = d.err
		}
	}
	e.mu.Unlock()
	if body == nil {
		return newError(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", id)
	}
	if !terminal(body["status"].(string)) {
		e.retryAfter(w)
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (e *Emulator) validateDeployment(w http.ResponseWriter, r *http.Request, sub, rg, name string) error {
	e.count("POST validate")
	p, err := e.preflight(r, sub, rg, name)
	if err != nil {
		return err
	}
	validated := make([]any, 0, len(p.result.Resources))
	for _, rs := range p.result.Resources {
		validated = append(validated, map[string]any{"id": rs.ID})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": deploymentID(sub, rg, name), "name": name,
		"type": "Microsoft.Resources/deployments",
		"properties": map[string]any{"provisioningState": "Succeeded", "mode": p.mode, "parameters": p.params, "timestamp": now().Format(time.RFC3339Nano),
			"correlationId": w.Header().Get("x-ms-correlation-request-id"), "validatedResources": validated},
	})
	return nil
}

func (e *Emulator) whatIf(w http.ResponseWriter, r *http.Request, sub, rg, name string) error {
	e.count("POST whatIf")
	p, err := e.preflight(r, sub, rg, name)
	if err != nil {
		return err
	}
	changes := []any{}
	seen := map[string]bool{}
	e.mu.Lock()
	for _, rs := range p.result.Resources {
		k := strings.ToLower(rs.ID)
		seen[k] = true
		ch := map[string]any{"resourceId": rs.ID, "after": rs.Body}
		if old, ok := e.resources[k]; ok {
			ch["changeType"] = "Modify"
			if unchanged(rs, old.body, p.dep.Location) {
				ch["changeType"] = "NoChange"
			}
			ch["before"] = old.body
		} else {
			ch["changeType"] = "Create"
		}
		changes = append(changes, ch)
	}
	for k, res := range e.resources {
		if seen[k] || !strings.EqualFold(res.sub, sub) || !strings.EqualFold(res.group, rg) {
			continue
		}
		ct := "Ignore"
		if strings.EqualFold(p.mode, "Complete") {
			ct = "Delete"
		}
		changes = append(changes, map[string]any{"resourceId": res.body["id"], "changeType": ct, "before": res.body})
	}
	op := &operation{id: newID(), status: "Succeeded", start: now(), end: now(),
		result: map[string]any{"status": "Succeeded", "properties": map[string]any{"changes": changes}}}
	e.ops[op.id] = op
	e.mu.Unlock()
	w.Header().Set("Location", baseURL(r)+"/subscriptions/"+sub+"/operationresults/"+op.id+"?api-version="+apiVersion(r))
	e.retryAfter(w)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (e *Emulator) cancelDeployment(w http.ResponseWriter, sub, rg, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["POST cancel"]++
	d, ok := e.deployments[key(sub, rg, name)]
	if !ok {
		return newError(http.StatusNotFound, "DeploymentNotFound", "Deployment '%s' could not be found.", name)
	}
	if terminal(d.state) {
		return newError(http.StatusConflict, "DeploymentCannotBeCancelled", "The deployment '%s' cannot be cancelled: its provisioning state is '%s'.", name, d.state)
	}
	d.finish("Canceled", nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Emulator) listOperations(w http.ResponseWriter, sub, rg, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.deployments[key(sub, rg, name)]
	if !ok {
		return newError(http.StatusNotFound, "DeploymentNotFound", "Deployment '%s' could not be found.", name)
	}
	out := make([]any, 0, len(d.ops))
	for _, o := range d.ops {
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

// unchanged tells whether redeploying a declaration would leave the
// resource as it is: every declared value (location normalized as Azure
// stores it) is already the resource's.
func unchanged(rs *tpl.Resource, current map[string]any, groupLoc string) bool {
	decl := declared(rs.Body)
	loc, _ := decl["location"].(string)
	if loc == "" {
		loc = groupLoc
	}
	decl["location"] = strings.ToLower(strings.ReplaceAll(loc, " ", ""))
	decl["name"], decl["type"] = rs.Name, rs.Type
	return subset(decl, current)
}

// subset tells whether every value in a is in b: maps by key, arrays
// element by element (same length), other values by equality (numbers
// compared as text, types compared case-insensitively).
func subset(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range x {
			if !subset(v, y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !subset(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// templateHash is a template's hash (templateHash, calculateTemplateHash):
// a decimal number, equal for templates that differ only in whitespace or
// key order.
func templateHash(raw json.RawMessage) string {
	h := fnv.New64a()
	h.Write(canonicalJSON(raw))
	return strconv.FormatUint(h.Sum64(), 10)
}

// canonicalJSON is raw minified with its object keys sorted.
func canonicalJSON(raw json.RawMessage) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

// providersOf lists the namespaces and types of a deployment's resources,
// with their locations, as deployments.get answers.
func providersOf(rs []*tpl.Resource) []any {
	types := map[string]map[string]map[string]bool{} // namespace → type → locations
	var order []string
	for _, r := range rs {
		ns, t, ok := strings.Cut(r.Type, "/")
		if !ok {
			continue
		}
		if types[ns] == nil {
			types[ns] = map[string]map[string]bool{}
			order = append(order, ns)
		}
		if types[ns][t] == nil {
			types[ns][t] = map[string]bool{}
		}
		if loc, _ := r.Body["location"].(string); loc != "" {
			types[ns][t][strings.ToLower(strings.ReplaceAll(loc, " ", ""))] = true
		}
	}
	sort.Strings(order)
	out := make([]any, 0, len(order))
	for _, ns := range order {
		var rts []any
		names := make([]string, 0, len(types[ns]))
		for t := range types[ns] {
			names = append(names, t)
		}
		sort.Strings(names)
		for _, t := range names {
			locs := []string{}
			for l := range types[ns][t] {
				locs = append(locs, l)
			}
			sort.Strings(locs)
			rts = append(rts, map[string]any{"resourceType": t, "locations": locs})
		}
		out = append(out, map[string]any{"namespace": ns, "resourceTypes": rts})
	}
	return out
}

// dependenciesOf lists each resource that depends on others, with them.
func dependenciesOf(rs []*tpl.Resource) []any {
	out := []any{}
	for _, r := range rs {
		if len(r.DependsOn) == 0 {
			continue
		}
		on := make([]any, 0, len(r.DependsOn))
		for _, id := range r.DependsOn {
			typ, name := idParts(id)
			on = append(on, map[string]any{"id": id, "resourceType": typ, "resourceName": name})
		}
		out = append(out, map[string]any{"id": r.ID, "resourceType": r.Type, "resourceName": r.Name, "dependsOn": on})
	}
	return out
}

// calculateTemplateHash answers the hash of the template in the body.
func (e *Emulator) calculateTemplateHash(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"minifiedTemplate": string(canonicalJSON(raw)), "templateHash": templateHash(raw)})
	return nil
}

func deploymentNotFound(name string) error {
	return newError(http.StatusNotFound, "DeploymentNotFound", "Deployment '%s' could not be found.", name)
}

// exportDeploymentTemplate answers the template a deployment was made with.
func (e *Emulator) exportDeploymentTemplate(w http.ResponseWriter, sub, rg, name string) error {
	e.mu.Lock()
	d, ok := e.deployments[key(sub, rg, name)]
	e.mu.Unlock()
	if !ok {
		return deploymentNotFound(name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"template": d.template})
	return nil
}

// deleteDeployment removes a finished deployment from the history (its
// resources stay): 202 with Location, as Azure answers. An active
// deployment cannot be deleted.
func (e *Emulator) deleteDeployment(w http.ResponseWriter, r *http.Request, sub, rg, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["DELETE deployment"]++
	k := key(sub, rg, name)
	d, ok := e.deployments[k]
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if !terminal(d.state) {
		return newError(http.StatusConflict, "DeploymentActive", "The deployment '%s' cannot be deleted while it is active; cancel it first.", name)
	}
	delete(e.deployments, k)
	op := &operation{id: newID(), status: "Succeeded", start: now(), end: now()}
	e.ops[op.id] = op
	w.Header().Set("Location", baseURL(r)+"/subscriptions/"+sub+"/operationresults/"+op.id+"?api-version="+apiVersion(r))
	e.retryAfter(w)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// getOperation answers one of a deployment's operations by its id.
func (e *Emulator) getOperation(w http.ResponseWriter, sub, rg, name, opID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.deployments[key(sub, rg, name)]
	if !ok {
		return deploymentNotFound(name)
	}
	for _, o := range d.ops {
		if strings.EqualFold(fmt.Sprint(o["operationId"]), opID) {
			writeJSON(w, http.StatusOK, o)
			return nil
		}
	}
	return newError(http.StatusNotFound, "DeploymentOperationNotFound", "Deployment operation '%s' of deployment '%s' could not be found.", opID, name)
}
