package arm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// evalTemplate parses and evaluates an inline template written for a test.
func evalTemplate(t *testing.T, src string, params map[string]any, dep Deployment) (*Result, error) {
	t.Helper()
	tpl, err := ParseTemplate([]byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return Evaluate(tpl, params, dep)
}

func TestTemplateFeatures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		src    string
		params map[string]any
		output string // name of the output to check
		want   string // its JSON
	}{
		{
			name:   "default referencing another parameter",
			src:    `{"parameters":{"a":{"type":"string","defaultValue":"x"},"b":{"type":"string","defaultValue":"[concat(parameters('a'), '-b')]"}},"outputs":{"o":{"type":"string","value":"[parameters('b')]"}}}`,
			output: "o", want: `"x-b"`,
		},
		{
			name:   "supplied value overrides default",
			src:    `{"parameters":{"a":{"type":"int","defaultValue":1}},"outputs":{"o":{"type":"int","value":"[parameters('a')]"}}}`,
			params: map[string]any{"a": 7}, output: "o", want: `7`,
		},
		{
			name:   "utcNow in a default uses the deployment time",
			src:    `{"parameters":{"t":{"type":"string","defaultValue":"[utcNow('yyyy-MM-dd')]"}},"outputs":{"o":{"type":"string","value":"[parameters('t')]"}}}`,
			output: "o", want: `"2026-01-02"`,
		},
		{
			name:   "newGuid in a default",
			src:    `{"parameters":{"g":{"type":"string","defaultValue":"[newGuid()]"}},"outputs":{"o":{"type":"int","value":"[length(parameters('g'))]"}}}`,
			output: "o", want: `36`,
		},
		{
			name:   "escaped literal",
			src:    `{"outputs":{"o":{"type":"string","value":"[[variables('x')]"}}}`,
			output: "o", want: `"[variables('x')]"`,
		},
		{
			name:   "expression property names",
			src:    `{"variables":{"k":"dyn"},"outputs":{"o":{"type":"object","value":{"[variables('k')]":1}}}}`,
			output: "o", want: `{"dyn":1}`,
		},
		{
			name:   "variable copy with object input",
			src:    `{"variables":{"copy":[{"name":"disks","count":2,"input":{"name":"[concat('d', copyIndex('disks', 1))]"}}]},"outputs":{"o":{"type":"array","value":"[variables('disks')]"}}}`,
			output: "o", want: `[{"name":"d1"},{"name":"d2"}]`,
		},
		{
			name:   "zero copies",
			src:    `{"outputs":{"o":{"type":"array","copy":{"count":0,"input":"[copyIndex()]"}}}}`,
			output: "o", want: `[]`,
		},
		{
			name:   "user function with object output",
			src:    `{"functions":[{"namespace":"ns","members":{"tag":{"parameters":[{"name":"env","type":"string"}],"output":{"type":"object","value":{"env":"[parameters('env')]","upper":"[toUpper(parameters('env'))]"}}}}}],"outputs":{"o":{"type":"object","value":"[ns.tag('dev')]"}}}`,
			output: "o", want: `{"env":"dev","upper":"DEV"}`,
		},
		{
			name:   "output condition true",
			src:    `{"outputs":{"o":{"condition":"[equals(1, 1)]","type":"bool","value":true}}}`,
			output: "o", want: `true`,
		},
		{
			name:   "deployment template link",
			src:    `{"parameters":{"_artifactsLocation":{"type":"string","defaultValue":"[deployment().properties.templateLink.uri]"}},"outputs":{"o":{"type":"string","value":"[uri(parameters('_artifactsLocation'), 'scripts/install.sh')]"}}}`,
			output: "o", want: `"https://example.com/templates/scripts/install.sh"`,
		},
	}
	dep := testDeployment
	dep.Now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	dep.TemplateLink = "https://example.com/templates/azuredeploy.json"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := evalTemplate(t, tt.src, tt.params, dep)
			if err != nil {
				t.Fatal(err)
			}
			out, ok := res.Outputs[tt.output]
			if !ok {
				t.Fatalf("no output %s", tt.output)
			}
			if got := toJSONString(out.Value); got != tt.want {
				t.Errorf("output %s = %s, want %s", tt.output, got, tt.want)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		src    string
		path   string // expected EvalError path ("" to skip)
		target error
		text   string // substring of the message
	}{
		{
			name: "variable cycle",
			src:  `{"variables":{"a":"[variables('b')]","b":"[variables('a')]"},"outputs":{"o":{"type":"string","value":"[variables('a')]"}}}`,
			text: "depends on itself",
		},
		{
			name: "user function calling a user function",
			src:  `{"functions":[{"namespace":"n","members":{"f":{"output":{"type":"string","value":"[n.g()]"}},"g":{"output":{"type":"string","value":"x"}}}}],"outputs":{"o":{"type":"string","value":"[n.f()]"}}}`,
			text: "cannot call another user-defined function",
		},
		{
			name: "variables in a user function",
			src:  `{"variables":{"v":"x"},"functions":[{"namespace":"n","members":{"f":{"output":{"type":"string","value":"[variables('v')]"}}}}],"outputs":{"o":{"type":"string","value":"[n.f()]"}}}`,
			text: "cannot be used in a user-defined function",
		},
		{
			name:   "copy count above Azure's limit",
			src:    `{"resources":[{"type":"A.B/c","apiVersion":"1","name":"[concat('r', copyIndex())]","copy":{"name":"l","count":801}}]}`,
			path:   "resources[0].copy.count",
			target: ErrLimit,
		},
		{
			name: "negative copy count",
			src:  `{"resources":[{"type":"A.B/c","apiVersion":"1","name":"[concat('r', copyIndex())]","copy":{"name":"l","count":-1}}]}`,
			path: "resources[0].copy.count",
		},
		{
			name: "output type mismatch",
			src:  `{"outputs":{"o":{"type":"int","value":"text"}}}`,
			path: "outputs.o",
		},
		{
			name: "unknown dependency",
			src:  `{"resources":[{"type":"A.B/c","apiVersion":"1","name":"r","dependsOn":["missing"]}]}`,
			path: "resources[0].dependsOn[0]",
		},
		{
			name: "name segments do not match the type",
			src:  `{"resources":[{"type":"A.B/c/d","apiVersion":"1","name":"only-one"}]}`,
			path: "resources[0].name",
		},
		{
			name: "non-boolean condition",
			src:  `{"resources":[{"condition":"yes","type":"A.B/c","apiVersion":"1","name":"r"}]}`,
			path: "resources[0].condition",
		},
		{
			name:   "values doubling through variables",
			src:    doublingTemplate(40),
			target: ErrLimit,
		},
		{
			name:   "nested expression too deep",
			src:    `{"outputs":{"o":{"type":"string","value":"[` + strings.Repeat("concat(", 100) + `'a'` + strings.Repeat(")", 100) + `]"}}}`,
			target: ErrSyntax,
			path:   "outputs.o.value",
		},
		{
			name: "secure parameter error hides the value",
			src:  `{"parameters":{"p":{"type":"securestring","defaultValue":"[concat('hunter', '2')]","allowedValues":["a"]}}}`,
			path: "parameters.p.defaultValue",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := evalTemplate(t, tt.src, nil, testDeployment)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("error %v does not wrap %v", err, tt.target)
			}
			if tt.text != "" && !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q lacks %q", err, tt.text)
			}
			if tt.path != "" {
				var ee *EvalError
				if !errors.As(err, &ee) || ee.Path != tt.path {
					t.Errorf("error %v: want path %s", err, tt.path)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows a secure value: %v", err)
			}
		})
	}
}

// doublingTemplate builds variables that each hold two copies of the
// previous one: 2^n elements once expanded.
func doublingTemplate(n int) string {
	var b bytes.Buffer
	b.WriteString(`{"variables":{"v0":"[createArray('x')]"`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `,"v%d":"[createArray(variables('v%d'), variables('v%d'))]"`, i, i-1, i-1)
	}
	fmt.Fprintf(&b, `},"outputs":{"o":{"type":"array","value":"[variables('v%d')]"}}}`, n)
	return b.String()
}

func TestNestedCopiedParent(t *testing.T) {
	t.Parallel()
	// A nested child of a copied parent is expanded once per parent and
	// sees the parent's copyIndex().
	src := `{"resources":[{"type":"Microsoft.Sql/servers","apiVersion":"1","name":"[concat('sql', copyIndex())]","copy":{"name":"servers","count":2},
	  "resources":[{"type":"databases","apiVersion":"1","name":"[concat('db', copyIndex())]","dependsOn":["[concat('sql', copyIndex())]"]}]}]}`
	res, err := evalTemplate(t, src, nil, testDeployment)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(resourceNames(res), ","); got != "sql0,sql0/db0,sql1,sql1/db1" {
		t.Errorf("order %s", got)
	}
}

func TestSubscriptionScope(t *testing.T) {
	t.Parallel()
	src := `{"$schema":"https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
	  "resources":[{"type":"Microsoft.Resources/resourceGroups","apiVersion":"2021-04-01","name":"rg-new","location":"westeurope"},
	  {"type":"Microsoft.Authorization/roleAssignments","apiVersion":"2022-04-01","name":"[guid(subscription().id, 'reader')]","dependsOn":["rg-new"]}],
	  "outputs":{"o":{"type":"string","value":"[resourceId('Microsoft.Authorization/roleAssignments', 'x')]"},"d":{"type":"string","value":"[deployment().location]"}}}`
	dep := testDeployment
	dep.ResourceGroup = ""
	res, err := evalTemplate(t, src, nil, dep)
	if err != nil {
		t.Fatal(err)
	}
	const sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
	if res.Resources[0].ID != sub+"/resourceGroups/rg-new" {
		t.Errorf("resource group id %s", res.Resources[0].ID)
	}
	if !strings.HasPrefix(res.Resources[1].ID, sub+"/providers/Microsoft.Authorization/roleAssignments/") {
		t.Errorf("role assignment id %s", res.Resources[1].ID)
	}
	if res.Outputs["o"].Value != sub+"/providers/Microsoft.Authorization/roleAssignments/x" {
		t.Errorf("resourceId at subscription scope: %v", res.Outputs["o"].Value)
	}
	if res.Outputs["d"].Value != "westeurope" {
		t.Errorf("deployment().location %v", res.Outputs["d"].Value)
	}
}
