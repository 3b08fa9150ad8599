package arm

import "strings"

// builtin is one template function.
type builtin struct {
	min, max int // argument count; max -1 is variadic
	fn       func(c *callCtx, args []any) (any, error)
	// lazy functions receive unevaluated arguments (if, lambdas).
	lazy func(s *scope, args []node) (any, error)
	// cheap functions return existing values: their size is not charged.
	cheap bool
	// notInFunctions marks functions Azure forbids in user functions.
	notInFunctions bool
}

// callCtx is passed to eager builtins.
type callCtx struct {
	*scope
	name string
}

var builtins = map[string]*builtin{}

// listBuiltin serves every list* function (listKeys, listSecrets, ...).
var listBuiltin *builtin

func register(m map[string]*builtin) {
	for k, b := range m {
		builtins[strings.ToLower(k)] = b
	}
}
