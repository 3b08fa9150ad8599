package arm

import (
	"net/http"
	"slices"
	"strings"
)

// Tenants, subscriptions, locations and resource providers
// (Microsoft.Resources' subscription-level operations).

func (e *Emulator) listTenants(w http.ResponseWriter) error {
	tid := e.cfg.TenantID
	writeJSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{
		"id": "/tenants/" + tid, "tenantId": tid, "tenantCategory": "Home", "countryCode": "IT",
		"displayName": "Mercato emulator", "domains": []string{"mercatoemulator.onmicrosoft.com"},
		"defaultDomain": "mercatoemulator.onmicrosoft.com", "tenantType": "AAD",
	}}})
	return nil
}

func (e *Emulator) subscriptionBody(sub string) map[string]any {
	return map[string]any{
		"id": "/subscriptions/" + sub, "subscriptionId": sub, "tenantId": e.cfg.TenantID,
		"displayName": "Mercato emulator subscription", "state": "Enabled", "authorizationSource": "RoleBased",
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
	}
}

// listSubscriptions lists the configured subscriptions and those that have
// resource groups.
func (e *Emulator) listSubscriptions(w http.ResponseWriter) error {
	e.mu.Lock()
	ids := slices.Clone(e.cfg.Subscriptions)
	for _, g := range e.groups {
		ids = append(ids, g.sub)
	}
	e.mu.Unlock()
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	ids = slices.CompactFunc(ids, strings.EqualFold)
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, e.subscriptionBody(id))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

func (e *Emulator) getSubscription(w http.ResponseWriter, sub string) error {
	writeJSON(w, http.StatusOK, e.subscriptionBody(sub))
	return nil
}

func (e *Emulator) listLocations(w http.ResponseWriter, sub string) error {
	out := make([]any, 0, len(locations))
	for _, l := range locations {
		out = append(out, map[string]any{
			"id": "/subscriptions/" + sub + "/locations/" + l.name, "name": l.name, "type": "Region",
			"displayName": l.display, "regionalDisplayName": "(" + l.geography + ") " + l.display,
			"metadata": map[string]any{"regionType": "Physical", "regionCategory": "Recommended", "geography": l.geography, "geographyGroup": l.geography},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

// registeredLocked tells whether a provider is registered on a
// subscription. e.mu is held.
func (e *Emulator) registeredLocked(sub string, p *provider) bool {
	return p.builtIn || e.registered[key(sub, p.namespace)]
}

func (e *Emulator) providerBody(sub string, p *provider) map[string]any {
	state := "NotRegistered"
	if e.registeredLocked(sub, p) {
		state = "Registered"
	}
	types := make([]any, 0, len(p.types))
	for _, t := range p.types {
		types = append(types, map[string]any{"resourceType": t.name, "locations": locationNames(), "apiVersions": t.versions})
	}
	return map[string]any{"id": "/subscriptions/" + sub + "/providers/" + p.namespace, "namespace": p.namespace,
		"registrationState": state, "registrationPolicy": "RegistrationRequired", "resourceTypes": types}
}

func (e *Emulator) listProviders(w http.ResponseWriter, sub string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]any, 0, len(providers))
	for i := range providers {
		out = append(out, e.providerBody(sub, &providers[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

func providerNotFound(namespace string) error {
	return newError(http.StatusNotFound, "InvalidResourceNamespace", "The resource namespace '%s' is invalid.", namespace)
}

func (e *Emulator) getProvider(w http.ResponseWriter, sub, namespace string) error {
	p := providerOf(namespace)
	if p == nil {
		return providerNotFound(namespace)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	writeJSON(w, http.StatusOK, e.providerBody(sub, p))
	return nil
}

// registerProvider registers (or unregisters) a provider at once; a
// deployment registers the providers of its resources, as Azure does.
func (e *Emulator) registerProvider(w http.ResponseWriter, sub, namespace string, register bool) error {
	p := providerOf(namespace)
	if p == nil {
		return providerNotFound(namespace)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts["POST register"]++
	if register {
		e.registered[key(sub, p.namespace)] = true
	} else {
		delete(e.registered, key(sub, p.namespace))
	}
	writeJSON(w, http.StatusOK, e.providerBody(sub, p))
	return nil
}
