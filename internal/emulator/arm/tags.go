package arm

import (
	"net/http"
	"sort"
	"strings"
)

// Tags: the subscription's tag names and values (predefined, plus those in
// use on groups and resources, with counts), and the tags of one scope
// (a subscription, group or resource) through
// {scope}/providers/Microsoft.Resources/tags/default.

// routeTagNames serves /subscriptions/{id}/tagNames[/{name}[/tagValues/{value}]].
func (e *Emulator) routeTagNames(w http.ResponseWriter, r *http.Request, sub string, rest []string) error {
	m := r.Method
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		return e.listTagNames(w, sub)
	case len(rest) == 1 && (m == http.MethodPut || m == http.MethodDelete):
		return e.setTagName(w, sub, rest[0], "", m == http.MethodPut)
	case len(rest) == 3 && strings.EqualFold(rest[1], "tagValues") && (m == http.MethodPut || m == http.MethodDelete):
		return e.setTagName(w, sub, rest[0], rest[2], m == http.MethodPut)
	}
	return newError(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s' and method '%s'.", r.URL.Path, m)
}

func tagValueBody(sub, name, value string, count int) map[string]any {
	return map[string]any{"id": "/subscriptions/" + sub + "/tagNames/" + name + "/tagValues/" + value, "tagValue": value,
		"count": map[string]any{"type": "Total", "value": count}}
}

// setTagName adds (or removes) a predefined tag name, or one of its values.
func (e *Emulator) setTagName(w http.ResponseWriter, sub, name, value string, put bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	names := e.tagNames[strings.ToLower(sub)]
	if names == nil {
		names = map[string]map[string]bool{}
		e.tagNames[strings.ToLower(sub)] = names
	}
	switch {
	case put && value == "":
		if names[name] == nil {
			names[name] = map[string]bool{}
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": "/subscriptions/" + sub + "/tagNames/" + name, "tagName": name,
			"count": map[string]any{"type": "Total", "value": 0}, "values": []any{}})
	case put:
		if names[name] == nil {
			names[name] = map[string]bool{}
		}
		names[name][value] = true
		writeJSON(w, http.StatusCreated, tagValueBody(sub, name, value, 0))
	case value == "":
		delete(names, name)
		w.WriteHeader(http.StatusOK)
	default:
		delete(names[name], value)
		w.WriteHeader(http.StatusOK)
	}
	return nil
}

func (e *Emulator) listTagNames(w http.ResponseWriter, sub string) error {
	e.mu.Lock()
	counts := map[string]map[string]int{}
	add := func(name, value string, n int) {
		if counts[name] == nil {
			counts[name] = map[string]int{}
		}
		counts[name][value] += n
	}
	for name, values := range e.tagNames[strings.ToLower(sub)] {
		if counts[name] == nil {
			counts[name] = map[string]int{}
		}
		for v := range values {
			add(name, v, 0)
		}
	}
	for _, g := range e.groups {
		if strings.EqualFold(g.sub, sub) {
			for k, v := range g.tags {
				add(k, v, 1)
			}
		}
	}
	for _, res := range e.resources {
		if !strings.EqualFold(res.sub, sub) {
			continue
		}
		if tags, ok := res.body["tags"].(map[string]any); ok {
			for k, v := range tags {
				s, _ := v.(string)
				add(k, s, 1)
			}
		}
	}
	e.mu.Unlock()
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]any, 0, len(names))
	for _, n := range names {
		values := make([]string, 0, len(counts[n]))
		for v := range counts[n] {
			values = append(values, v)
		}
		sort.Strings(values)
		total := 0
		vs := make([]any, 0, len(values))
		for _, v := range values {
			total += counts[n][v]
			vs = append(vs, tagValueBody(sub, n, v, counts[n][v]))
		}
		out = append(out, map[string]any{"id": "/subscriptions/" + sub + "/tagNames/" + n, "tagName": n,
			"count": map[string]any{"type": "Total", "value": total}, "values": vs})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

// scopeTagsLocked returns the tags of a scope and a function that replaces
// them, or an error when the scope does not exist. e.mu is held.
func (e *Emulator) scopeTagsLocked(scope string) (map[string]string, func(map[string]string), error) {
	seg := segments(scope)
	switch {
	case len(seg) == 2 && strings.EqualFold(seg[0], "subscriptions"):
		k := strings.ToLower(scope)
		return e.scopeTags[k], func(t map[string]string) { e.scopeTags[k] = t }, nil
	case len(seg) == 4 && strings.EqualFold(seg[2], "resourceGroups"):
		g, ok := e.groups[key(seg[1], seg[3])]
		if !ok {
			return nil, nil, groupNotFound(seg[3])
		}
		return g.tags, func(t map[string]string) { g.tags = t }, nil
	}
	res, ok := e.resources[strings.ToLower(scope)]
	if !ok {
		return nil, nil, resourceNotFound(scope)
	}
	tags := map[string]string{}
	if m, ok := res.body["tags"].(map[string]any); ok {
		for k, v := range m {
			tags[k], _ = v.(string)
		}
	}
	return tags, func(t map[string]string) {
		m := map[string]any{}
		for k, v := range t {
			m[k] = v
		}
		res.body["tags"] = m
	}, nil
}

// routeScopeTags serves GET, PUT (replace), PATCH (Merge, Replace, Delete)
// and DELETE of a scope's tags; writes answer at once (200), which ends
// the SDK's poller.
func (e *Emulator) routeScopeTags(w http.ResponseWriter, r *http.Request, scope string) error {
	var in struct {
		Operation  string `json:"operation"`
		Properties struct {
			Tags map[string]string `json:"tags"`
		} `json:"properties"`
	}
	switch r.Method {
	case http.MethodPut, http.MethodPatch:
		if err := decodeBody(r, &in); err != nil {
			return err
		}
	case http.MethodGet, http.MethodDelete:
	default:
		return newError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method '%s' is not allowed on tags.", r.Method)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	tags, set, err := e.scopeTagsLocked(scope)
	if err != nil {
		return err
	}
	next := map[string]string{}
	for k, v := range tags {
		next[k] = v
	}
	switch r.Method {
	case http.MethodPut:
		next = in.Properties.Tags
	case http.MethodDelete:
		next = map[string]string{}
	case http.MethodPatch:
		switch strings.ToLower(in.Operation) {
		case "merge":
			for k, v := range in.Properties.Tags {
				next[k] = v
			}
		case "replace":
			next = in.Properties.Tags
		case "delete":
			for k := range in.Properties.Tags {
				delete(next, k)
			}
		default:
			return newError(http.StatusBadRequest, "InvalidTagPatchOperation", "The tag patch operation '%s' is invalid: use Merge, Replace or Delete.", in.Operation)
		}
	}
	if next == nil {
		next = map[string]string{}
	}
	if r.Method != http.MethodGet {
		set(next)
	}
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusOK)
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": scope + "/providers/Microsoft.Resources/tags/default", "name": "default",
		"type": "Microsoft.Resources/tags", "properties": map[string]any{"tags": next}})
	return nil
}
