package arm

import (
	"testing"
	"time"
)

// fuzzTemplate gives fuzzed expressions parameters, variables (including a
// copy loop) and a user function to reach.
const fuzzTemplate = `{
  "parameters": {
    "s": {"type": "string", "defaultValue": "Hello"},
    "n": {"type": "int", "defaultValue": 3},
    "o": {"type": "object", "defaultValue": {"a": {"b": [1, 2, 3]}, "c": "d"}},
    "a": {"type": "array", "defaultValue": ["x", "y", "z"]}
  },
  "functions": [{"namespace": "f", "members": {"twice": {
    "parameters": [{"name": "v", "type": "string"}],
    "output": {"type": "string", "value": "[concat(parameters('v'), parameters('v'))]"}}}}],
  "variables": {
    "v": "[concat(parameters('s'), '-', string(parameters('n')))]",
    "w": "[createArray(variables('v'), variables('v'))]",
    "copy": [{"name": "loop", "count": "[parameters('n')]", "input": "[copyIndex('loop')]"}]
  }
}`

// FuzzExpression feeds arbitrary text to the expression parser and
// evaluator: neither may panic, recurse without bound or run away.
func FuzzExpression(f *testing.F) {
	for _, c := range functionCases {
		f.Add(c.expr)
	}
	for _, s := range []string{
		"[f.twice(parameters('s'))]",
		"[variables('w')[1]]",
		"[variables('loop')]",
		"[parameters('o').a.b[2]]",
		"[reduce(range(0, 30), createArray(), lambda('a', 'b', createArray(lambdaVariables('a'), lambdaVariables('a'))))]",
		"[map(range(0, 10000), lambda('x', range(0, 10000)))]",
		"[padLeft('', 1000000, 'x')]",
		"[format('{0,-10000}{0,10000}', 'x')]",
		"[union(range(0, 10000), range(5000, 10000))]",
		"[json('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]')]",
		"[concat(concat(concat(concat(concat('a'))))))]",
		"[if(,,)]",
		"['unterminated",
		"[a.b.c(]",
	} {
		f.Add(s)
	}
	tpl, err := ParseTemplate([]byte(fuzzTemplate))
	if err != nil {
		f.Fatal(err)
	}
	dep := testDeployment
	dep.Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	// Time is bounded by the work budget (maxWork), which every function
	// charges, not measured here: a wall-clock bound fails on a loaded
	// machine (the map of ranges above took 47 s at a load of 35 on two
	// cores) and passes a runaway on a fast one. The fuzzer's own timeout
	// catches an input that never ends.
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = EvaluateExpression(tpl, nil, dep, expr)
	})
}
