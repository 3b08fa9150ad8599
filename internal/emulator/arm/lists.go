package arm

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"

	tpl "github.com/mercato-market/mercato/internal/arm"
)

// The answers of the list* actions templates call on the resources they
// deploy (listKeys(), listCredentials(), ...): the engine reads them from
// the created resources' state, so a body that calls them is stored
// resolved, not as expression text. Keys derive from the resource id, so
// a redeployment reads the same ones.

// secretOf is a stable base64 secret for a resource and a key name.
func secretOf(id, name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id) + "\x00" + name))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// listsOf is what the list* actions of a created resource answer.
func listsOf(id, name string) map[string]any {
	k1, k2 := secretOf(id, "key1"), secretOf(id, "key2")
	keys := map[string]any{
		// Storage, Cognitive Services, Event Hubs/Service Bus rules,
		// Cosmos DB, Maps, Search, SignalR all name their keys one of
		// these ways.
		"keys": []any{
			map[string]any{"keyName": "key1", "value": k1, "permissions": "FULL"},
			map[string]any{"keyName": "key2", "value": k2, "permissions": "FULL"},
		},
		"key1": k1, "key2": k2,
		"primaryKey": k1, "secondaryKey": k2,
		"primaryMasterKey": k1, "secondaryMasterKey": k2,
		"primaryConnectionString":   "Endpoint=sb://" + name + "/;SharedAccessKeyName=key1;SharedAccessKey=" + k1,
		"secondaryConnectionString": "Endpoint=sb://" + name + "/;SharedAccessKeyName=key2;SharedAccessKey=" + k2,
	}
	return map[string]any{
		"listKeys": keys,
		"listCredentials": map[string]any{
			"username":  name,
			"passwords": []any{map[string]any{"name": "password", "value": k1}, map[string]any{"name": "password2", "value": k2}},
		},
		"listAccountSas": map[string]any{"accountSasToken": "sv=2022-11-02&sig=" + k1},
		"listServiceSas": map[string]any{"serviceSasToken": "sv=2022-11-02&sig=" + k2},
		"listConnectionStrings": map[string]any{"connectionStrings": []any{
			map[string]any{"connectionString": "AccountEndpoint=https://" + name + "/;AccountKey=" + k1, "description": "Primary Connection String"},
		}},
		"listSecrets": map[string]any{"key": k1, "value": k1},
	}
}

// stateLocked is the state of a subscription's existing resources, which
// reference() and list*() read as they read Azure's.
func (e *Emulator) stateLocked(sub string) map[string]*tpl.ResourceState {
	state := map[string]*tpl.ResourceState{}
	for id, r := range e.resources {
		if !strings.EqualFold(r.sub, sub) {
			continue
		}
		name, _ := r.body["name"].(string)
		state[id] = &tpl.ResourceState{Resource: r.body, Lists: listsOf(id, name)}
	}
	return state
}

// resolved evaluates a resource again with the state of what the
// deployment created before it, so that its reference() and list*() calls
// read them; it keeps the first evaluation if that fails.
func resolved(p *plan, rs *tpl.Resource, state map[string]*tpl.ResourceState) *tpl.Resource {
	if len(rs.Unresolved) == 0 {
		return rs
	}
	dep := p.dep
	dep.State = state
	res, err := tpl.Evaluate(p.tpl, p.values, dep)
	if err != nil {
		return rs
	}
	for _, r := range res.Resources {
		if strings.EqualFold(r.ID, rs.ID) {
			return r
		}
	}
	return rs
}
