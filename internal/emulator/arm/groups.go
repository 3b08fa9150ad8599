package arm

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// group is a resource group.
type group struct {
	sub, name, location string
	tags                map[string]string
	state               string // Succeeded, Deleting
}

func (g *group) id() string { return "/subscriptions/" + g.sub + "/resourceGroups/" + g.name }

func (g *group) body() map[string]any {
	tags := g.tags
	if tags == nil {
		tags = map[string]string{}
	}
	return map[string]any{"id": g.id(), "name": g.name, "type": "Microsoft.Resources/resourceGroups", "location": g.location,
		"tags": tags, "properties": map[string]any{"provisioningState": g.state}}
}

// resource is a generic resource a deployment or a PUT created.
type resource struct {
	sub, group string
	body       map[string]any
	// keys are a storage account's access keys (listKeys), made on the
	// first call.
	keys []any
}

// operation is a long-running operation's status, read through
// operationStatuses (Azure-AsyncOperation) or operationresults (Location).
type operation struct {
	id     string
	status string // Accepted, Running, Succeeded, Failed, Canceled
	err    *apiError
	start  time.Time
	end    time.Time
	// result is the body a finished Location operation answers (whatIf).
	result any
	// deployment, when set, gives the status (deployment LROs).
	deployment *deployment
	// group is the key of the group a deletion removes.
	group string
}

// agreement is a Marketplace offer plan's terms for one subscription.
type agreement struct {
	sub, publisher, offer, plan string
	accepted                    bool
	signed                      time.Time
}

func validGroupName(n string) bool {
	if n == "" || len(n) > 90 || strings.HasSuffix(n, ".") {
		return false
	}
	for _, c := range n {
		if !(c == '-' || c == '_' || c == '.' || c == '(' || c == ')' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func (e *Emulator) putGroup(w http.ResponseWriter, r *http.Request, sub, rg string) error {
	var in struct {
		Location string            `json:"location"`
		Tags     map[string]string `json:"tags"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if !validGroupName(rg) {
		return newError(http.StatusBadRequest, "InvalidResourceGroup", "The provided resource group name '%s' has these invalid characters: '%s'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.", rg, rg)
	}
	if in.Location == "" {
		return newError(http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["PUT resourcegroup"]++
	k := key(sub, rg)
	g, ok := e.groups[k]
	status := http.StatusOK
	if !ok {
		g = &group{sub: sub, name: rg, location: strings.ToLower(strings.ReplaceAll(in.Location, " ", "")), state: "Succeeded"}
		e.groups[k] = g
		status = http.StatusCreated
	} else if g.state == "Deleting" {
		return newError(http.StatusConflict, "ResourceGroupBeingDeleted", "The resource group '%s' is in deprovisioning state and cannot perform this operation.", g.name)
	} else if !strings.EqualFold(g.location, strings.ReplaceAll(in.Location, " ", "")) {
		return newError(http.StatusConflict, "InvalidResourceGroupLocation", "Invalid resource group location '%s'. The Resource group already exists in location '%s'.", in.Location, g.location)
	}
	g.tags = in.Tags
	writeJSON(w, status, g.body())
	return nil
}

// patchGroup updates a group's tags (replacing them, as Azure's PATCH
// does) and answers the group.
func (e *Emulator) patchGroup(w http.ResponseWriter, r *http.Request, sub, rg string) error {
	var in struct {
		Tags *map[string]string `json:"tags"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["PATCH resourcegroup"]++
	g, ok := e.groups[key(sub, rg)]
	if !ok {
		return groupNotFound(rg)
	}
	if in.Tags != nil {
		g.tags = *in.Tags
	}
	writeJSON(w, http.StatusOK, g.body())
	return nil
}

// exportGroupTemplate answers a template of the group's resources (all
// with "*", or those listed), as their declarations.
func (e *Emulator) exportGroupTemplate(w http.ResponseWriter, r *http.Request, sub, rg string) error {
	var in struct {
		Resources []string `json:"resources"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	e.mu.Lock()
	_, ok := e.groups[key(sub, rg)]
	e.mu.Unlock()
	if !ok {
		return groupNotFound(rg)
	}
	all := slices.Contains(in.Resources, "*")
	res := e.groupResources(sub, rg)
	sort.Slice(res, func(i, j int) bool {
		return strings.ToLower(res[i].body["id"].(string)) < strings.ToLower(res[j].body["id"].(string))
	})
	out := []any{}
	for _, x := range res {
		id, _ := x.body["id"].(string)
		if !all && !slices.ContainsFunc(in.Resources, func(s string) bool { return strings.EqualFold(s, id) }) {
			continue
		}
		decl := map[string]any{}
		for k, v := range x.body {
			if k != "id" {
				decl[k] = v
			}
		}
		if _, t := typeOf(fmt.Sprint(x.body["type"])); t != nil {
			decl["apiVersion"] = t.versions[len(t.versions)-1]
		}
		out = append(out, decl)
	}
	writeJSON(w, http.StatusOK, map[string]any{"template": map[string]any{
		"$schema":        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
		"contentVersion": "1.0.0.0", "parameters": map[string]any{}, "variables": map[string]any{}, "resources": out,
	}})
	return nil
}

func (e *Emulator) getGroup(w http.ResponseWriter, r *http.Request, sub, rg string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.groups[key(sub, rg)]
	if !ok {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return groupNotFound(rg)
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, g.body())
	return nil
}

func (e *Emulator) listGroups(w http.ResponseWriter, sub string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []any
	for _, g := range e.sortedGroups(sub) {
		out = append(out, g.body())
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(out)})
	return nil
}

func (e *Emulator) sortedGroups(sub string) []*group {
	var gs []*group
	for _, g := range e.groups {
		if strings.EqualFold(g.sub, sub) {
			gs = append(gs, g)
		}
	}
	sort.Slice(gs, func(i, j int) bool { return strings.ToLower(gs[i].name) < strings.ToLower(gs[j].name) })
	return gs
}

// deleteGroup starts deleting a group, its deployments and its resources:
// 202 with Location, as Azure answers.
func (e *Emulator) deleteGroup(w http.ResponseWriter, r *http.Request, sub, rg string) error {
	e.mu.Lock()
	e.counts["DELETE resourcegroup"]++
	g, ok := e.groups[key(sub, rg)]
	if !ok {
		e.mu.Unlock()
		return groupNotFound(rg)
	}
	op := &operation{id: newID(), status: "Running", start: now(), group: key(sub, rg)}
	e.ops[op.id] = op
	alreadyDeleting := g.state == "Deleting"
	g.state = "Deleting"
	// Deployments still running stop, as their group goes.
	for _, d := range e.deployments {
		if strings.EqualFold(d.sub, sub) && strings.EqualFold(d.group, rg) && !terminal(d.state) {
			d.finish("Canceled", nil)
		}
	}
	e.mu.Unlock()
	if !alreadyDeleting {
		e.wg.Go(func() {
			steps := 1 + len(e.groupResources(sub, rg))/4
			ok := e.sleep(time.Duration(steps) * e.cfg.Step)
			e.mu.Lock()
			defer e.mu.Unlock()
			if !ok {
				return
			}
			delete(e.groups, key(sub, rg))
			for k, res := range e.resources {
				if strings.EqualFold(res.sub, sub) && strings.EqualFold(res.group, rg) {
					delete(e.resources, k)
				}
			}
			for k, d := range e.deployments {
				if strings.EqualFold(d.sub, sub) && strings.EqualFold(d.group, rg) {
					delete(e.deployments, k)
				}
			}
			// Every pending deletion of this group is done.
			for _, o := range e.ops {
				if o.status == "Running" && o.group == key(sub, rg) {
					o.status, o.end = "Succeeded", now()
				}
			}
		})
	}
	w.Header().Set("Location", baseURL(r)+"/subscriptions/"+sub+"/operationresults/"+op.id+"?api-version="+apiVersion(r))
	e.retryAfter(w)
	w.WriteHeader(http.StatusAccepted)
	return nil
}

func (e *Emulator) groupResources(sub, rg string) []*resource {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*resource
	for _, res := range e.resources {
		if strings.EqualFold(res.sub, sub) && (rg == "" || strings.EqualFold(res.group, rg)) {
			out = append(out, res)
		}
	}
	return out
}

// operationResult is the Location monitor: 202 while the operation runs,
// then 200 with its result (or 204), or the operation's error.
func (e *Emulator) operationResult(w http.ResponseWriter, r *http.Request, id string) error {
	e.mu.Lock()
	op, ok := e.ops[id]
	var status string
	var opErr *apiError
	var result any
	if ok {
		status, opErr, result = op.status, op.err, op.result
	}
	e.mu.Unlock()
	switch {
	case !ok:
		return newError(http.StatusNotFound, "NotFound", "The operation '%s' was not found.", id)
	case status == "Running" || status == "Accepted":
		w.Header().Set("Location", baseURL(r)+r.URL.RequestURI())
		e.retryAfter(w)
		w.WriteHeader(http.StatusAccepted)
	case opErr != nil:
		return opErr
	case result != nil:
		writeJSON(w, http.StatusOK, result)
	default:
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

func agreementID(sub, pub, offer, plan string) string {
	return "/subscriptions/" + sub + "/providers/Microsoft.MarketplaceOrdering/offerTypes/VirtualMachine/publishers/" + pub + "/offers/" + offer + "/plans/" + plan + "/agreements/current"
}

func (a *agreement) body() map[string]any {
	signed := a.signed
	if signed.IsZero() {
		signed = now()
	}
	return map[string]any{
		"id": agreementID(a.sub, a.publisher, a.offer, a.plan), "name": a.plan, "type": "Microsoft.MarketplaceOrdering/offertypes",
		"properties": map[string]any{
			"publisher": a.publisher, "product": a.offer, "plan": a.plan,
			"licenseTextLink":      "https://mpcprodsa.blob.core.windows.net/legalterms/3E5ED_legalterms_" + strings.ToUpper(a.publisher) + ".txt",
			"privacyPolicyLink":    "https://" + a.publisher + ".example/privacy",
			"marketplaceTermsLink": "https://mpcprodsa.blob.core.windows.net/marketplaceterms/3EDEF_marketplaceterms_VIRTUALMACHINE.txt",
			"retrieveDatetime":     signed.Format(time.RFC3339),
			"signature":            a.signature(),
			"accepted":             a.accepted,
		},
	}
}

// signature is the terms' signature, which a PUT accepting them echoes
// from the GET (as Azure's clients do).
func (a *agreement) signature() string {
	return "MERCATOEMULATOR" + strings.ToUpper(strings.NewReplacer("-", "", "_", "", ".", "").Replace(a.publisher+a.offer+a.plan))
}

// agreementLocked returns the terms of a plan, not accepted until a PUT
// accepts them. e.mu is held.
func (e *Emulator) agreementLocked(sub, pub, offer, plan string) *agreement {
	k := key(sub, pub, offer, plan)
	a, ok := e.agreements[k]
	if !ok {
		a = &agreement{sub: sub, publisher: pub, offer: offer, plan: plan}
		e.agreements[k] = a
	}
	return a
}

func (e *Emulator) getAgreement(w http.ResponseWriter, sub, pub, offer, plan string) error {
	e.mu.Lock()
	body := e.agreementLocked(sub, pub, offer, plan).body()
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (e *Emulator) putAgreement(w http.ResponseWriter, r *http.Request, sub, pub, offer, plan string) error {
	var in struct {
		Properties struct {
			Accepted  *bool  `json:"accepted"`
			Signature string `json:"signature"`
		} `json:"properties"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if in.Properties.Accepted == nil {
		return newError(http.StatusBadRequest, "InvalidRequestContent", "properties.accepted is required.")
	}
	e.mu.Lock()
	e.counts["PUT agreement"]++
	a := e.agreementLocked(sub, pub, offer, plan)
	if *in.Properties.Accepted && in.Properties.Signature != a.signature() {
		e.mu.Unlock()
		return newError(http.StatusBadRequest, "BadRequest",
			"The signature of the terms of offer '%s' of publisher '%s', plan '%s', is missing or does not match the current terms: GET the agreement and send it back with accepted set to true.", offer, pub, plan)
	}
	a.accepted = *in.Properties.Accepted
	a.signed = now()
	body := a.body()
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
	return nil
}

func nonNil(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func groupNotFound(rg string) error {
	return newError(http.StatusNotFound, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
}
