package arm

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Generic resources: read, created or replaced by a direct PUT, deleted,
// listed by group or subscription, and the listKeys action of storage
// accounts.

// idParts is a resource id's full type and name:
// ".../providers/Microsoft.Web/sites/a/slots/b" → "Microsoft.Web/sites/slots", "a/b".
func idParts(id string) (typ, name string) {
	seg := segments(id)
	last := -1
	for i := len(seg) - 3; i >= 0; i-- {
		if strings.EqualFold(seg[i], "providers") {
			last = i
			break
		}
	}
	if last < 0 {
		if len(seg) == 4 && strings.EqualFold(seg[2], "resourceGroups") {
			return "Microsoft.Resources/resourceGroups", seg[3]
		}
		return "", ""
	}
	types, names := []string{seg[last+1]}, []string{}
	for j := last + 2; j+1 < len(seg); j += 2 {
		types, names = append(types, seg[j]), append(names, seg[j+1])
	}
	return strings.Join(types, "/"), strings.Join(names, "/")
}

// groupOf is the subscription and resource group in a resource id.
func groupOf(id string) (sub, rg string) {
	seg := segments(id)
	if len(seg) >= 2 && strings.EqualFold(seg[0], "subscriptions") {
		sub = seg[1]
	}
	if len(seg) >= 4 && strings.EqualFold(seg[2], "resourceGroups") {
		rg = seg[3]
	}
	return sub, rg
}

func resourceNotFound(id string) error {
	return newError(http.StatusNotFound, "ResourceNotFound", "The Resource '%s' was not found.", strings.TrimPrefix(id, "/"))
}

func (e *Emulator) routeResource(w http.ResponseWriter, r *http.Request, sub, rg, id string) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return e.getResource(w, r, id)
	case http.MethodPut:
		return e.putResource(w, r, sub, rg, id)
	case http.MethodDelete:
		return e.deleteResource(w, id)
	}
	return newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed on '%s'.", r.Method, id)
}

func (e *Emulator) getResource(w http.ResponseWriter, r *http.Request, id string) error {
	e.mu.Lock()
	res, ok := e.resources[strings.ToLower(id)]
	e.mu.Unlock()
	if !ok {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return resourceNotFound(id)
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, res.body)
	return nil
}

// putResource creates or replaces a resource from its body, at once: 201
// or 200 with provisioningState Succeeded, which ends the SDK's poller.
func (e *Emulator) putResource(w http.ResponseWriter, r *http.Request, sub, rg, id string) error {
	var in map[string]any
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	typ, name := idParts(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["PUT resource"]++
	g, ok := e.groups[key(sub, rg)]
	if !ok {
		return groupNotFound(rg)
	}
	if g.state == "Deleting" {
		return newError(http.StatusConflict, "ResourceGroupBeingDeleted", "The resource group '%s' is in deprovisioning state and cannot perform this operation.", g.name)
	}
	// A virtual machine of a Marketplace image: its terms must be accepted
	// on the subscription (Compute's own error, not a deployment's).
	if pl, ok := in["plan"].(map[string]any); ok && strings.EqualFold(typ, "Microsoft.Compute/virtualMachines") {
		pub, _ := pl["publisher"].(string)
		offer, _ := pl["product"].(string)
		pname, _ := pl["name"].(string)
		if !e.agreementLocked(sub, pub, offer, pname).accepted {
			return newError(http.StatusBadRequest, "ResourcePurchaseValidationFailed",
				"User failed validation to purchase resources. Error message: 'Legal terms have not been accepted for this item on this subscription: '%s'. To accept legal terms using PowerShell, please use Get-AzMarketplaceTerms and Set-AzMarketplaceTerms API(https://go.microsoft.com/fwlink/?linkid=862451) or deploy via the Azure portal to accept the terms'", sub)
		}
	}
	// The id as the provider spells it: the path's segments, one slash.
	canonical := "/subscriptions/" + sub + "/resourceGroups/" + g.name + id[strings.Index(strings.ToLower(id), "/providers/"):]
	k := strings.ToLower(id)
	status := http.StatusCreated
	old, exists := e.resources[k]
	if exists {
		status = http.StatusOK
	}
	res := &resource{sub: sub, group: g.name, body: materialize(canonical, typ, name, in, g.location)}
	if exists {
		res.keys = old.keys
	}
	e.resources[k] = res
	writeJSON(w, status, res.body)
	return nil
}

func (e *Emulator) deleteResource(w http.ResponseWriter, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := strings.ToLower(id)
	if _, ok := e.resources[k]; !ok {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	delete(e.resources, k)
	w.WriteHeader(http.StatusOK)
	return nil
}

// resourceAction is a POST action on a resource: listKeys of a storage
// account (two keys, stable for the account's life).
func (e *Emulator) resourceAction(w http.ResponseWriter, r *http.Request, id, action string) error {
	typ, _ := idParts(id)
	if action != "listkeys" || !strings.EqualFold(typ, "Microsoft.Storage/storageAccounts") {
		return newError(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s' and method '%s'.", r.URL.Path, r.Method)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	res, ok := e.resources[strings.ToLower(id)]
	if !ok {
		return resourceNotFound(id)
	}
	if res.keys == nil {
		for _, n := range []string{"key1", "key2"} {
			b := make([]byte, 64)
			_, _ = rand.Read(b)
			res.keys = append(res.keys, map[string]any{"keyName": n, "value": base64.StdEncoding.EncodeToString(b), "permissions": "FULL",
				"creationTime": now().Format(time.RFC3339Nano)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": res.keys})
	return nil
}

// listResources lists a group's resources, or a subscription's when rg is
// empty.
func (e *Emulator) listResources(w http.ResponseWriter, sub, rg string) error {
	e.mu.Lock()
	_, ok := e.groups[key(sub, rg)]
	e.mu.Unlock()
	if !ok && rg != "" {
		return groupNotFound(rg)
	}
	res := e.groupResources(sub, rg)
	sort.Slice(res, func(i, j int) bool {
		return strings.ToLower(res[i].body["id"].(string)) < strings.ToLower(res[j].body["id"].(string))
	})
	out := make([]any, 0, len(res))
	for _, x := range res {
		out = append(out, x.body)
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}
