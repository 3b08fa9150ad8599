package arm

import (
	"encoding/json"
	"errors"
	"testing"
)

const rgID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"

// Expected values come from the examples in Microsoft's ARM template
// function reference where it gives them.
var functionCases = []struct {
	name string
	expr string
	want string // JSON of the expected value
}{
	// Syntax.
	{"literal", "plain text", `"plain text"`},
	{"escaped bracket", "[[not an expression]", `"[not an expression]"`},
	{"quote escape", "['it''s']", `"it's"`},
	{"integer", "[42]", `42`},
	{"negative integer", "[-7]", `-7`},
	{"index", "[createArray(1, 2, 3)[1]]", `2`},
	{"property", `[json('{"a":{"b":5}}').a.b]`, `5`},
	{"property case-insensitive", `[json('{"Name":"x"}').name]`, `"x"`},
	{"bracket property", `[json('{"a":{"b":5}}')['a']['b']]`, `5`},
	{"case-insensitive names", "[CONCAT('a', ToLower('B'))]", `"ab"`},
	{"null", "[null()]", `null`},
	{"whitespace", "[ concat( 'a' , 'b' ) ]", `"ab"`},
	{"bare true", "[if(true, 'y', 'n')]", `"y"`},

	// String functions.
	{"base64", "[base64('one, two, three')]", `"b25lLCB0d28sIHRocmVl"`},
	{"base64ToString", "[base64ToString('b25lLCB0d28sIHRocmVl')]", `"one, two, three"`},
	{"base64ToJson", `[base64ToJson(base64('{"one": "a", "two": "b"}'))]`, `{"one":"a","two":"b"}`},
	{"base64ToJson single quotes", `[base64ToJson(base64('{''one'': ''a'', ''two'': ''b''}'))]`, `{"one":"a","two":"b"}`},
	{"concat strings", "[concat('prefix', '-', 'abc')]", `"prefix-abc"`},
	{"concat int", "[concat('vm', 3)]", `"vm3"`},
	{"contains string", "[contains('OneTwoThree', 'e')]", `true`},
	{"contains string missing", "[contains('OneTwoThree', 'z')]", `false`},
	{"contains object key", `[contains(json('{"one":"a","two":"b","three":"c"}'), 'one')]`, `true`},
	{"contains array", "[contains(createArray('one', 'two', 'three'), 'one')]", `true`},
	{"dataUri", "[dataUri('Hello')]", `"data:text/plain;charset=utf8;base64,SGVsbG8="`},
	{"dataUriToString", "[dataUriToString('data:;base64,SGVsbG8sIFdvcmxkIQ==')]", `"Hello, World!"`},
	{"empty string", "[empty('')]", `true`},
	{"empty array", "[empty(createArray())]", `true`},
	{"empty object", "[empty(json('{}'))]", `true`},
	{"endsWith", "[endsWith('abcdef', 'ef')]", `true`},
	{"endsWith ignores case", "[endsWith('abcdef', 'F')]", `true`},
	{"endsWith false", "[endsWith('abcdef', 'e')]", `false`},
	{"startsWith", "[startsWith('abcdef', 'ab')]", `true`},
	{"startsWith ignores case", "[startsWith('abcdef', 'A')]", `true`},
	{"startsWith false", "[startsWith('abcdef', 'e')]", `false`},
	{"first string", "[first('One Two Three')]", `"O"`},
	{"last string", "[last('One Two Three')]", `"e"`},
	{"format", "[format('{0}, {1}. Formatted number: {2:N0}', 'Hello', 'User', 8175133)]", `"Hello, User. Formatted number: 8,175,133"`},
	{"format braces", "[format('{{{0}}}', 'x')]", `"{x}"`},
	{"format D3", "[format('vm{0:D3}', 7)]", `"vm007"`},
	{"format alignment", "[format('[{0,5}|{1,-3}]', 'ab', 'c')]", `"[   ab|c  ]"`},
	{"format bool", "[format('{0}', true())]", `"True"`},
	{"format X", "[format('{0:X}', 255)]", `"FF"`},
	{"format custom zeros", "[format('{0:000}', 5)]", `"005"`},
	{"guid", "[guid('a', 'b', 'c')]", `"a98fa280-e03f-5afa-8d8e-92d0a9c201e8"`},
	{"guid resource group", "[guid(resourceGroup().id)]", `"8c4eda09-3081-5a72-b737-b6fc3f29697e"`},
	{"indexOf", "[indexOf('test', 't')]", `0`},
	{"lastIndexOf", "[lastIndexOf('test', 't')]", `3`},
	{"indexOf ignores case", "[indexOf('abcdef', 'CD')]", `2`},
	{"lastIndexOf ignores case", "[lastIndexOf('abcdef', 'AB')]", `0`},
	{"indexOf not found", "[indexOf('abcdef', 'z')]", `-1`},
	{"join", "[join(createArray('one', 'two', 'three'), ',')]", `"one,two,three"`},
	{"length string", "[length('One Two Three')]", `13`},
	{"padLeft", "[padLeft('123', 10, '0')]", `"0000000123"`},
	{"padLeft int", "[padLeft(7, 3, '0')]", `"007"`},
	{"replace", "[replace('123-123-1234', '-', '')]", `"1231231234"`},
	{"replace suffix", "[replace('123-123-1234', '1234', 'xxxx')]", `"123-123-xxxx"`},
	{"skip string", "[skip('one two three', 4)]", `"two three"`},
	{"take string", "[take('on two three', 2)]", `"on"`},
	{"split", "[split('one,two,three', ',')]", `["one","two","three"]`},
	{"split many", "[split('one;two,three', createArray(',', ';'))]", `["one","two","three"]`},
	{"split keeps empty", "[split('a,,b', ',')]", `["a","","b"]`},
	{"string object", `[string(json('{"valueA":10,"valueB":"Example Text"}'))]`, `"{\"valueA\":10,\"valueB\":\"Example Text\"}"`},
	{"string array", "[string(createArray('a', 'b', 'c'))]", `"[\"a\",\"b\",\"c\"]"`},
	{"string int", "[string(5)]", `"5"`},
	{"string bool", "[string(true())]", `"True"`},
	{"substring", "[substring('hello there', 6, 5)]", `"there"`},
	{"substring to end", "[substring('hello there', 6)]", `"there"`},
	{"toLower", "[toLower('One Two Three')]", `"one two three"`},
	{"toUpper", "[toUpper('One Two Three')]", `"ONE TWO THREE"`},
	{"trim", "[trim('    one two three   ')]", `"one two three"`},
	{"uniqueString", "[uniqueString('aaa')]", `"zavj67f3en4hc"`},
	{"uniqueString joins with dash", "[equals(uniqueString('a', 'b'), uniqueString('a-b'))]", `true`},
	{"uri", "[uri('http://contoso.com/resources/', 'nested/azuredeploy.json')]", `"http://contoso.com/resources/nested/azuredeploy.json"`},
	{"uri replaces last segment", "[uri('http://contoso.com/resources/azuredeploy.json', 'nested/x.json')]", `"http://contoso.com/resources/nested/x.json"`},
	{"uriComponent", "[uriComponent('http://contoso.com/resources/nested/azuredeploy.json')]", `"http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json"`},
	{"uriComponentToString", "[uriComponentToString('http%3A%2F%2Fcontoso.com%2Fresources%2Fnested%2Fazuredeploy.json')]", `"http://contoso.com/resources/nested/azuredeploy.json"`},

	// Array functions.
	{"array int", "[array(1)]", `[1]`},
	{"array string", "[array('efgh')]", `["efgh"]`},
	{"array object", `[array(json('{"a":"b"}'))]`, `[{"a":"b"}]`},
	{"concat arrays", "[concat(createArray('1-1', '1-2'), createArray('2-1'))]", `["1-1","1-2","2-1"]`},
	{"flatten", "[flatten(createArray(createArray('one', 'two'), createArray('three'), createArray('four', 'five')))]", `["one","two","three","four","five"]`},
	{"first array", "[first(createArray('one', 'two'))]", `"one"`},
	{"last array", "[last(createArray('one', 'two'))]", `"two"`},
	{"indexOf array", "[indexOf(createArray('a', 'b', 'c'), 'b')]", `1`},
	{"indexOf array deep", "[indexOf(createArray(createArray(1), createArray(2)), createArray(2))]", `1`},
	{"intersection arrays", "[intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))]", `["two","three"]`},
	{"intersection objects", `[intersection(json('{"one":"a","two":"b","three":"c"}'), json('{"one":"a","two":"z","three":"c"}'))]`, `{"one":"a","three":"c"}`},
	{"length array", "[length(createArray('a', 'b', 'c'))]", `3`},
	{"length object", `[length(json('{"a":1,"b":2}'))]`, `2`},
	{"max array", "[max(createArray(0, 3, 2, 5, 4))]", `5`},
	{"min array", "[min(createArray(0, 3, 2, 5, 4))]", `0`},
	{"max args", "[max(0, 3, 2, 5, 4)]", `5`},
	{"range", "[range(1, 3)]", `[1,2,3]`},
	{"skip array", "[skip(createArray('one', 'two', 'three'), 2)]", `["three"]`},
	{"take array", "[take(createArray('one', 'two', 'three'), 2)]", `["one","two"]`},
	{"take beyond", "[take(createArray('one'), 5)]", `["one"]`},
	{"union arrays", "[union(createArray('one', 'two', 'three'), createArray('three', 'four'))]", `["one","two","three","four"]`},
	{"union objects", `[union(json('{"one":"a","two":"b","three":"c"}'), json('{"three":"d","four":"e"}'))]`, `{"four":"e","one":"a","three":"d","two":"b"}`},
	{"union nested", `[union(json('{"property":{"one":"a","two":"b","three":"c1"},"nestedArray":[1,2]}'), json('{"property":{"three":"c2","four":"d","five":"e"},"nestedArray":[3,4]}'))]`, `{"nestedArray":[3,4],"property":{"five":"e","four":"d","one":"a","three":"c2","two":"b"}}`},
	{"filter", "[filter(createArray(1, 2, 3, 4), lambda('x', greater(lambdaVariables('x'), 2)))]", `[3,4]`},
	{"map", "[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]", `[10,20]`},
	{"map index", "[map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))]", `["a0","b1"]`},
	{"reduce", "[reduce(createArray(1, 2, 3), 0, lambda('cur', 'next', add(lambdaVariables('cur'), lambdaVariables('next'))))]", `6`},
	{"sort", "[sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))]", `[1,2,3]`},
	{"toObject", "[toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', toUpper(lambdaVariables('x'))))]", `{"a":"A","b":"B"}`},
	{"groupBy", "[groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))]", `{"b":["bar","baz"],"f":["foo"]}`},
	{"mapValues", `[mapValues(json('{"a":1,"b":2}'), lambda('v', add(lambdaVariables('v'), 1)))]`, `{"a":2,"b":3}`},

	// Object functions.
	{"createObject", "[createObject('intProp', 1, 'stringProp', 'abc', 'arrayProp', createArray('a', 'b'))]", `{"arrayProp":["a","b"],"intProp":1,"stringProp":"abc"}`},
	{"items sorted", `[items(json('{"item002":{"number":200},"item001":{"number":300}}'))]`, `[{"key":"item001","value":{"number":300}},{"key":"item002","value":{"number":200}}]`},
	{"json", `[json('{"a": "b"}')]`, `{"a":"b"}`},
	{"json null", "[json('null')]", `null`},
	{"json bool", "[json('true')]", `true`},
	{"objectKeys", `[objectKeys(json('{"b":1,"a":2}'))]`, `["a","b"]`},
	{"shallowMerge", `[shallowMerge(createArray(json('{"one":"a","nested":{"x":1}}'), json('{"two":"b","nested":{"y":2}}')))]`, `{"nested":{"y":2},"one":"a","two":"b"}`},
	{"tryGet missing", `[tryGet(json('{"a":1}'), 'b')]`, `null`},
	{"tryGet present", `[tryGet(json('{"a":{"b":2}}'), 'a', 'b')]`, `2`},

	// Comparison functions.
	{"coalesce", "[coalesce(null(), null(), 'default')]", `"default"`},
	{"equals ints", "[equals(1, 1)]", `true`},
	{"equals case-sensitive", "[equals('a', 'A')]", `false`},
	{"equals arrays", "[equals(createArray('a', 'b'), createArray('a', 'b'))]", `true`},
	{"equals objects", `[equals(json('{"a":"b"}'), json('{"a":"b"}'))]`, `true`},
	{"greater ints", "[greater(10, 5)]", `true`},
	{"greater strings", "[greater('A', 'a')]", `true`},
	{"greaterOrEquals", "[greaterOrEquals(1, 1)]", `true`},
	{"less ints", "[less(1, 2)]", `true`},
	{"less strings", "[less('A', 'a')]", `false`},
	{"lessOrEquals", "[lessOrEquals(2, 1)]", `false`},

	// Logical functions.
	{"and", "[and(true(), false())]", `false`},
	{"or", "[or(true(), false())]", `true`},
	{"not", "[not(true())]", `false`},
	{"bool string", "[bool('true')]", `true`},
	{"bool int", "[bool(0)]", `false`},
	{"if", "[if(equals(1, 1), 'yes', 'no')]", `"yes"`},
	{"if lazy", "[if(true(), 'ok', parameters('missing'))]", `"ok"`},

	// Numeric functions.
	{"add", "[add(5, 3)]", `8`},
	{"sub", "[sub(7, 3)]", `4`},
	{"mul", "[mul(5, 3)]", `15`},
	{"div", "[div(8, 3)]", `2`},
	{"mod", "[mod(7, 3)]", `1`},
	{"int", "[int('4')]", `4`},
	{"float", "[float('2.5')]", `2.5`},

	// Date functions.
	{"dateTimeAdd", "[dateTimeAdd('2020-04-07 14:53:14Z', 'P3Y')]", `"2023-04-07T14:53:14Z"`},
	{"dateTimeAdd negative", "[dateTimeAdd('2020-04-07 14:53:14Z', '-P9D')]", `"2020-03-29T14:53:14Z"`},
	{"dateTimeAdd hours", "[dateTimeAdd('2020-04-07 14:53:14Z', 'PT1H')]", `"2020-04-07T15:53:14Z"`},
	{"dateTimeFromEpoch", "[dateTimeFromEpoch(1683040573)]", `"2023-05-02T15:16:13Z"`},
	{"dateTimeToEpoch", "[dateTimeToEpoch('2023-05-02T15:16:13Z')]", `1683040573`},

	// Deployment, scope and resource functions.
	{"resourceGroup id", "[resourceGroup().id]", `"` + rgID + `"`},
	{"resourceGroup location", "[resourceGroup().location]", `"westeurope"`},
	{"subscription", "[subscription().subscriptionId]", `"00000000-0000-0000-0000-000000000001"`},
	{"deployment name", "[deployment().name]", `"dep1"`},
	{"environment", "[environment().suffixes.storage]", `"core.windows.net"`},
	{"environment name", "[environment().name]", `"AzureCloud"`},
	{"resourceId", "[resourceId('Microsoft.Storage/storageAccounts', 'examplestorage')]", `"` + rgID + `/providers/Microsoft.Storage/storageAccounts/examplestorage"`},
	{"resourceId other group", "[resourceId('otherResourceGroup', 'Microsoft.Storage/storageAccounts', 'examplestorage')]", `"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/otherResourceGroup/providers/Microsoft.Storage/storageAccounts/examplestorage"`},
	{"resourceId other subscription", "[resourceId('11111111-1111-1111-1111-111111111111', 'otherRG', 'Microsoft.Storage/storageAccounts', 'x')]", `"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/otherRG/providers/Microsoft.Storage/storageAccounts/x"`},
	{"resourceId child", "[resourceId('Microsoft.SQL/servers/databases', 'serverName', 'databaseName')]", `"` + rgID + `/providers/Microsoft.SQL/servers/serverName/databases/databaseName"`},
	{"subscriptionResourceId", "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]", `"/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"`},
	{"tenantResourceId", "[tenantResourceId('Microsoft.Authorization/policyDefinitions', 'policy1')]", `"/providers/Microsoft.Authorization/policyDefinitions/policy1"`},
	{"extensionResourceId", "[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/locks', 'lock1')]", `"` + rgID + `/providers/Microsoft.Authorization/locks/lock1"`},
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	for _, tt := range functionCases {
		t.Run(tt.name, func(t *testing.T) {
			got := mustEval(t, tt.expr)
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			if !deepEqual(got, normalize(want)) {
				t.Errorf("%s = %s, want %s", tt.expr, toJSONString(got), tt.want)
			}
		})
	}
}

func TestFunctionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		expr   string
		target error
	}{
		{"syntax", "[concat(]", ErrSyntax},
		{"unterminated string", "[concat('a)]", ErrSyntax},
		{"trailing text", "[concat('a') x]", ErrSyntax},
		{"unknown function", "[noSuchFunction()]", nil},
		{"index out of range", "[createArray(1)[5]]", nil},
		{"missing property", `[json('{"a":1}').b]`, nil},
		{"division by zero", "[div(1, 0)]", nil},
		{"undeclared parameter", "[parameters('nope')]", nil},
		{"utcNow outside defaults", "[utcNow()]", nil},
		{"newGuid outside defaults", "[newGuid()]", nil},
		{"copyIndex outside loops", "[copyIndex()]", nil},
		{"wrong arity", "[toLower('a', 'b')]", nil},
		{"wrong type", "[toLower(1)]", nil},
		{"range too long", "[range(0, 100000)]", ErrLimit},
		{"padLeft too long", "[padLeft('a', 100000000)]", ErrLimit},
		{"overflow", "[add(9223372036854775807, 1)]", nil},
		{"reference without state", "[reference('/subscriptions/x/resourceGroups/y/providers/A.B/c/d')]", ErrNoState},
		{"resourceId segments", "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EvaluateExpression(nil, nil, testDeployment, tt.expr)
			if err == nil {
				t.Fatalf("%s: no error", tt.expr)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("%s: error %v does not wrap %v", tt.expr, err, tt.target)
			}
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Path != "expression" {
				t.Errorf("%s: error %v carries no path", tt.expr, err)
			}
		})
	}
}

func TestGUID(t *testing.T) {
	t.Parallel()
	// guid() is a version 5 UUID under ARM's namespace; the values were
	// checked against Python's uuid.uuid5 with the same namespace.
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one argument", []string{"test"}, "d6a5baf1-8b9b-542a-8525-2982f1f98a0c"},
		{"joined with dashes", []string{"a", "b", "c"}, "a98fa280-e03f-5afa-8d8e-92d0a9c201e8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := armGUID(tt.args...); got != tt.want {
				t.Errorf("guid(%q) = %s, want %s", tt.args, got, tt.want)
			}
		})
	}
}

func TestOverflowArguments(t *testing.T) {
	t.Parallel()
	// Arguments near the integer limits must give errors, not panics.
	tests := []struct {
		name string
		expr string
	}{
		{"substring huge length", "[substring('abc', 1, 9223372036854775807)]"},
		{"range huge start", "[range(9223372036854775807, 2)]"},
		{"mul overflow", "[mul(9223372036854775807, 2)]"},
		{"div overflow", "[div(-9223372036854775808, -1)]"},
		{"sub overflow", "[sub(-9223372036854775808, 1)]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EvaluateExpression(nil, nil, testDeployment, tt.expr); err == nil {
				t.Errorf("%s: no error", tt.expr)
			}
		})
	}
}
