package arm

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestForm(t *testing.T) {
	t.Parallel()
	tpl := loadTemplate(t, "webfarm.json")
	data, err := json.Marshal(tpl.Form())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Schema      string                    `json:"$schema"`
		Description string                    `json:"description"`
		Properties  map[string]map[string]any `json:"properties"`
		Required    []string                  `json:"required"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, param, key string
		want             string // JSON
	}{
		{"string type", "prefix", "type", `"string"`},
		{"description", "prefix", "description", `"Prefix of every resource name."`},
		{"literal default", "prefix", "default", `"web"`},
		{"minLength", "prefix", "minLength", `2`},
		{"integer", "instanceCount", "type", `"integer"`},
		{"minimum", "instanceCount", "minimum", `1`},
		{"maximum", "instanceCount", "maximum", `5`},
		{"enum", "environment", "enum", `["dev","prod"]`},
		{"secure", "adminPassword", "writeOnly", `true`},
		{"password format", "adminPassword", "format", `"password"`},
		{"expression default", "location", "x-arm-defaultExpression", `"[resourceGroup().location]"`},
		{"object default", "tags", "default", `{"owner":"mercato"}`},
		{"boolean", "enableDiagnostics", "type", `"boolean"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := got.Properties[tt.param][tt.key]
			if !ok {
				t.Fatalf("%s has no %s: %v", tt.param, tt.key, got.Properties[tt.param])
			}
			if b, _ := json.Marshal(v); string(b) != tt.want {
				t.Errorf("%s.%s = %s, want %s", tt.param, tt.key, b, tt.want)
			}
		})
	}
	if strings.Join(got.Required, ",") != "adminPassword" {
		t.Errorf("required %v", got.Required)
	}
	// Properties keep the template's order.
	if i, j := strings.Index(string(data), `"prefix"`), strings.Index(string(data), `"enableDiagnostics"`); i > j {
		t.Errorf("order lost: %s", data)
	}
}
