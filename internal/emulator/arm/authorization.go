package arm

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Microsoft.Authorization at subscription scope: role assignments (PUT,
// GET, DELETE, list with $filter) and the built-in role definitions, on the
// paths, bodies and error codes of api-version 2022-04-01:
//
//	PUT|GET|DELETE /subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments/{name}
//	GET            /subscriptions/{s}/providers/Microsoft.Authorization/roleAssignments[?$filter=principalId eq '…']
//	GET            /subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions[/{id}][?$filter=roleName eq '…']

// Built-in role definition ids (the same in every tenant; learn.microsoft.com
// "Azure built-in roles").
const (
	RoleOwner       = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	RoleContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	RoleReader      = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
)

type roleDefinition struct {
	id, name, description string
	actions, notActions   []string
}

var builtinRoles = []roleDefinition{
	{id: RoleOwner, name: "Owner", description: "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", actions: []string{"*"}},
	{id: RoleContributor, name: "Contributor", description: "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
		actions: []string{"*"}, notActions: []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
			"Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action"}},
	{id: RoleReader, name: "Reader", description: "View all resources, but does not allow you to make any changes.", actions: []string{"*/read"}},
}

func builtinRole(id string) (roleDefinition, bool) {
	for _, r := range builtinRoles {
		if strings.EqualFold(r.id, id) {
			return r, true
		}
	}
	return roleDefinition{}, false
}

func (d roleDefinition) body(sub string) map[string]any {
	notActions := d.notActions
	if notActions == nil {
		notActions = []string{}
	}
	return map[string]any{
		"id":   "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + d.id,
		"name": d.id, "type": "Microsoft.Authorization/roleDefinitions",
		"properties": map[string]any{"roleName": d.name, "type": "BuiltInRole", "description": d.description, "assignableScopes": []string{"/"},
			"permissions": []map[string]any{{"actions": d.actions, "notActions": notActions, "dataActions": []string{}, "notDataActions": []string{}}},
			"createdOn":   "2015-02-02T21:55:09.8806423Z", "updatedOn": "2021-11-11T20:13:47.8628684Z", "createdBy": nil, "updatedBy": nil},
	}
}

// PrincipalDirectory tells which principals (users, groups, service
// principals) exist, as Entra ID answers Azure RBAC.
type PrincipalDirectory interface {
	// LookupPrincipal returns the principal's type (User, Group,
	// ServicePrincipal), or ok false when there is no such principal.
	LookupPrincipal(principalID string) (principalType string, ok bool)
}

// PrincipalDirectoryFunc adapts a function to PrincipalDirectory.
type PrincipalDirectoryFunc func(principalID string) (string, bool)

// LookupPrincipal calls f.
func (f PrincipalDirectoryFunc) LookupPrincipal(id string) (string, bool) { return f(id) }

// roleAssignment is a role assignment at subscription scope.
type roleAssignment struct {
	sub, name, roleDefinitionID, roleID, principalID, principalType, description string
	created                                                                      time.Time
}

func (a *roleAssignment) body() map[string]any {
	scope := "/subscriptions/" + a.sub
	var desc any
	if a.description != "" {
		desc = a.description
	}
	ts := a.created.Format(time.RFC3339Nano)
	return map[string]any{
		"id":   scope + "/providers/Microsoft.Authorization/roleAssignments/" + a.name,
		"name": a.name, "type": "Microsoft.Authorization/roleAssignments",
		"properties": map[string]any{"roleDefinitionId": a.roleDefinitionID, "principalId": a.principalID, "principalType": a.principalType,
			"scope": scope, "condition": nil, "conditionVersion": nil, "description": desc, "delegatedManagedIdentityResourceId": nil,
			"createdOn": ts, "updatedOn": ts, "createdBy": nil, "updatedBy": nil},
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// roleDefinitionRE reads a role definition id, with or without its
// subscription.
var roleDefinitionRE = regexp.MustCompile(`(?i)^(?:/subscriptions/([^/]+))?/providers/Microsoft\.Authorization/roleDefinitions/([^/]+)$`)

// DropRoleAssignmentAfterCommit makes the next n role assignment PUTs
// commit and then drop their answer (the connection is reset), as when a
// network fails after Azure did the work.
func (e *Emulator) DropRoleAssignmentAfterCommit(n int) {
	e.mu.Lock()
	e.dropAssignments = n
	e.mu.Unlock()
}

// RoleAssignments returns the role assignments of subscription sub.
func (e *Emulator) RoleAssignments(sub string) []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []map[string]any
	for _, a := range e.sortedAssignments(sub) {
		out = append(out, a.body())
	}
	return out
}

func (e *Emulator) sortedAssignments(sub string) []*roleAssignment {
	var out []*roleAssignment
	for _, a := range e.assignments {
		if strings.EqualFold(a.sub, sub) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// routeAuthorization serves /subscriptions/{sub}/providers/Microsoft.Authorization/{rest...}.
func (e *Emulator) routeAuthorization(w http.ResponseWriter, r *http.Request, sub string, rest []string) error {
	m := r.Method
	switch {
	case len(rest) == 1 && strings.EqualFold(rest[0], "roleAssignments") && m == http.MethodGet:
		return e.listRoleAssignments(w, r, sub)
	case len(rest) == 2 && strings.EqualFold(rest[0], "roleAssignments"):
		switch m {
		case http.MethodPut:
			return e.putRoleAssignment(w, r, sub, rest[1])
		case http.MethodGet:
			return e.getRoleAssignment(w, sub, rest[1])
		case http.MethodDelete:
			return e.deleteRoleAssignment(w, sub, rest[1])
		}
	case len(rest) == 1 && strings.EqualFold(rest[0], "roleDefinitions") && m == http.MethodGet:
		return e.listRoleDefinitions(w, r, sub)
	case len(rest) == 2 && strings.EqualFold(rest[0], "roleDefinitions") && m == http.MethodGet:
		d, ok := builtinRole(rest[1])
		if !ok {
			return newError(http.StatusNotFound, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not exist.", rest[1])
		}
		writeJSON(w, http.StatusOK, d.body(sub))
		return nil
	}
	return newError(http.StatusNotFound, "NotFound", "No HTTP resource was found that matches the request URI '%s' and method '%s'.", r.URL.Path, m)
}

func (e *Emulator) putRoleAssignment(w http.ResponseWriter, r *http.Request, sub, name string) error {
	var in struct {
		Properties struct {
			RoleDefinitionID string `json:"roleDefinitionId"`
			PrincipalID      string `json:"principalId"`
			PrincipalType    string `json:"principalType"`
			Description      string `json:"description"`
		} `json:"properties"`
	}
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	p := in.Properties
	if !guidRE.MatchString(name) {
		return newError(http.StatusBadRequest, "InvalidRoleAssignmentId", "The role assignment ID '%s' is not valid. The role assignment ID must be a GUID.", name)
	}
	if !guidRE.MatchString(p.PrincipalID) {
		return newError(http.StatusBadRequest, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.")
	}
	mm := roleDefinitionRE.FindStringSubmatch(p.RoleDefinitionID)
	if mm == nil {
		return newError(http.StatusBadRequest, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.", p.RoleDefinitionID)
	}
	if mm[1] != "" && !strings.EqualFold(mm[1], sub) {
		return newError(http.StatusBadRequest, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid for scope '/subscriptions/%s'.", p.RoleDefinitionID, sub)
	}
	role, ok := builtinRole(mm[2])
	if !ok {
		return newError(http.StatusBadRequest, "RoleDefinitionDoesNotExist", "The specified role definition with ID '%s' does not exist.", mm[2])
	}
	// Azure looks the principal up in the directory; a principalType given
	// by the caller skips the lookup of a principal not replicated yet, but
	// must match a principal it finds.
	typ, found := "", false
	if e.cfg.Principals != nil {
		typ, found = e.cfg.Principals.LookupPrincipal(p.PrincipalID)
	} else {
		typ, found = "User", true
	}
	switch {
	case found && p.PrincipalType != "" && !strings.EqualFold(typ, p.PrincipalType):
		return newError(http.StatusBadRequest, "UnmatchedPrincipalType", "The PrincipalId '%s' has type '%s' , which is different from specified PrincipalType '%s'.", p.PrincipalID, typ, p.PrincipalType)
	case !found && p.PrincipalType == "":
		return newError(http.StatusBadRequest, "PrincipalNotFound", "Principal %s does not exist in the directory. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", strings.ReplaceAll(strings.ToLower(p.PrincipalID), "-", ""))
	case !found:
		typ = p.PrincipalType
	}
	roleDefID := "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role.id

	e.mu.Lock()
	e.counts["PUT roleassignment"]++
	k := key(sub, name)
	status := http.StatusCreated
	a, exists := e.assignments[k]
	if exists {
		if !strings.EqualFold(a.principalID, p.PrincipalID) || !strings.EqualFold(a.roleID, role.id) {
			e.mu.Unlock()
			return newError(http.StatusConflict, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
		status = http.StatusOK // the same assignment again: Azure answers it unchanged (UNVERIFIED: 200 or 201)
	} else {
		for _, o := range e.assignments {
			if strings.EqualFold(o.sub, sub) && strings.EqualFold(o.principalID, p.PrincipalID) && strings.EqualFold(o.roleID, role.id) {
				e.mu.Unlock()
				return newError(http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
			}
		}
		a = &roleAssignment{sub: sub, name: strings.ToLower(name), roleDefinitionID: roleDefID, roleID: role.id,
			principalID: strings.ToLower(p.PrincipalID), principalType: typ, description: p.Description, created: now()}
		e.assignments[k] = a
	}
	body := a.body()
	drop := e.dropAssignments > 0
	if drop {
		e.dropAssignments--
		e.counts["dropped"]++
	}
	e.mu.Unlock()
	if drop {
		panic(http.ErrAbortHandler) // committed, but the client never hears of it
	}
	writeJSON(w, status, body)
	return nil
}

func (e *Emulator) getRoleAssignment(w http.ResponseWriter, sub, name string) error {
	e.mu.Lock()
	a, ok := e.assignments[key(sub, name)]
	var body map[string]any
	if ok {
		body = a.body()
	}
	e.mu.Unlock()
	if !ok {
		return newError(http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '%s' is not found.", name)
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// deleteRoleAssignment answers 200 with the deleted assignment, or 204
// when there was none (as Azure does).
func (e *Emulator) deleteRoleAssignment(w http.ResponseWriter, sub, name string) error {
	e.mu.Lock()
	e.counts["DELETE roleassignment"]++
	k := key(sub, name)
	a, ok := e.assignments[k]
	var body map[string]any
	if ok {
		body = a.body()
		delete(e.assignments, k)
	}
	e.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// filterTerm is one "field eq 'value'" of a $filter; atScope() and
// assignedTo('id') are read too.
var filterTermRE = regexp.MustCompile(`(?i)^\s*(?:(principalId|roleName)\s+eq\s+'([^']*)'|(atScope)\(\)|(assignedTo)\('([^']*)'\))\s*$`)

// parseFilter reads $filter terms joined by "and" into field → value.
func parseFilter(f string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(f) == "" {
		return out, nil
	}
	for _, term := range regexp.MustCompile(`(?i)\s+and\s+`).Split(f, -1) {
		m := filterTermRE.FindStringSubmatch(term)
		switch {
		case m == nil:
			return nil, newError(http.StatusBadRequest, "UnsupportedQuery", "The filter '%s' is not supported.", f)
		case m[1] != "":
			out[strings.ToLower(m[1])] = m[2]
		case m[3] != "":
			out["atscope"] = "true"
		case m[4] != "":
			out["principalid"] = m[5]
		}
	}
	return out, nil
}

func (e *Emulator) listRoleAssignments(w http.ResponseWriter, r *http.Request, sub string) error {
	f, err := parseFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		return err
	}
	if _, bad := f["rolename"]; bad {
		return newError(http.StatusBadRequest, "UnsupportedQuery", "The filter '%s' is not supported.", r.URL.Query().Get("$filter"))
	}
	e.mu.Lock()
	out := []map[string]any{}
	for _, a := range e.sortedAssignments(sub) {
		if p, ok := f["principalid"]; ok && !strings.EqualFold(p, a.principalID) {
			continue
		}
		out = append(out, a.body())
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}

func (e *Emulator) listRoleDefinitions(w http.ResponseWriter, r *http.Request, sub string) error {
	f, err := parseFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, d := range builtinRoles {
		if n, ok := f["rolename"]; ok && !strings.EqualFold(n, d.name) {
			continue
		}
		out = append(out, d.body(sub))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
	return nil
}
