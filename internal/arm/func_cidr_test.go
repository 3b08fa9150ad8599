package arm

import (
	"encoding/json"
	"testing"
)

func TestCIDRFunctions(t *testing.T) {
	t.Parallel()
	cases := []struct{ expr, want string }{
		{"[parseCidr('10.20.0.0/22')]", `{"network":"10.20.0.0","netmask":"255.255.252.0","broadcast":"10.20.3.255","firstUsable":"10.20.0.1","lastUsable":"10.20.3.254","cidr":22}`},
		// A host address in the prefix is masked to its network.
		{"[parseCidr('192.168.7.9/30').network]", `"192.168.7.8"`},
		{"[parseCidr('fd00:12:34::/48')]", `{"network":"fd00:12:34::","netmask":"ffff:ffff:ffff::","firstUsable":"fd00:12:34::","lastUsable":"fd00:12:34:ffff:ffff:ffff:ffff:ffff","cidr":48}`},
		{"[cidrSubnet('10.20.0.0/22', 24, 0)]", `"10.20.0.0/24"`},
		{"[cidrSubnet('10.20.0.0/22', 26, 5)]", `"10.20.1.64/26"`},
		{"[cidrSubnet('10.20.0.0/22', 22, 0)]", `"10.20.0.0/22"`},
		{"[cidrSubnet('fd00:12:34::/48', 64, 3)]", `"fd00:12:34:3::/64"`},
		{"[map(range(0, 3), lambda('i', cidrSubnet('172.16.0.0/16', 20, lambdaVariables('i'))))]", `["172.16.0.0/20","172.16.16.0/20","172.16.32.0/20"]`},
		{"[cidrHost('10.20.3.0/24', 0)]", `"10.20.3.1"`},
		{"[cidrHost('10.20.3.0/24', 253)]", `"10.20.3.254"`},
		{"[cidrHost('fd00:12:34::/64', 9)]", `"fd00:12:34::a"`},
	}
	for _, c := range cases {
		got := mustEval(t, c.expr)
		var want any
		if err := json.Unmarshal([]byte(c.want), &want); err != nil {
			t.Fatal(err)
		}
		if !deepEqual(got, normalize(want)) {
			t.Errorf("%s = %s, want %s", c.expr, toJSONString(got), c.want)
		}
	}
	for _, expr := range []string{
		"[parseCidr('10.20.0.0')]",
		"[parseCidr('10.20.0.0/33')]",
		"[cidrSubnet('10.20.0.0/22', 21, 0)]",
		"[cidrSubnet('10.20.0.0/22', 24, 4)]",
		"[cidrSubnet('10.20.0.0/22', 24, -1)]",
		"[cidrHost('10.20.3.0/24', 254)]",
		"[cidrHost(1, 0)]",
	} {
		if v, err := EvaluateExpression(nil, nil, testDeployment, expr); err == nil {
			t.Errorf("%s = %v, want an error", expr, v)
		}
	}
}
