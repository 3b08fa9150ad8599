package arm

import (
	"os"
	"testing"
)

// testDeployment is the deployment the tests evaluate against.
var testDeployment = Deployment{
	SubscriptionID: "00000000-0000-0000-0000-000000000001",
	TenantID:       "00000000-0000-0000-0000-0000000000aa",
	ResourceGroup:  "rg-test",
	Location:       "westeurope",
	DeploymentName: "dep1",
}

func mustEval(t *testing.T, expr string) any {
	t.Helper()
	v, err := EvaluateExpression(nil, nil, testDeployment, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
