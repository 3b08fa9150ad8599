// Package arm parses, validates and evaluates Azure Resource Manager (ARM)
// templates without any I/O: it turns a template, the buyer's parameter
// values and a description of the target deployment into the list of
// resources the deployment will create (in deployment order, with full
// resource ids) and the values of the template's outputs.
//
// The engine implements the ARM expression language ("[concat(...)]"), the
// template functions documented by Microsoft, user-defined functions, copy
// loops, conditions and dependsOn ordering. Values are plain Go JSON values:
// nil, bool, int64, float64 (JSON literals only; ARM arithmetic is integer),
// string, []any and map[string]any.
//
// Runtime values (reference() and list*() of resources) come from
// Deployment.State; when the state does not know a resource, Evaluate keeps
// the unevaluated expression text in the result, as Azure's what-if does, and
// records its path in Result.Unresolved.
package arm
