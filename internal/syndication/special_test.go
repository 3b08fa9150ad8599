package syndication_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
)

// TestPublicSpecialPurpose checks the address guard against addresses of
// every kind the audit found passing, and public addresses that must pass.
func TestPublicSpecialPurpose(t *testing.T) {
	t.Parallel()
	refused := []string{
		"::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::", "::1",
		"64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::1", "2002:7f00:1::1", "2002:c0a8:101::1",
		"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1", "3fff::1", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1",
		"100::1", "ff02::1", "5f00::1",
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "127.0.0.1", "127.8.9.10", "169.254.169.254", "172.16.0.1",
		"172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255",
		"198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1", "250.1.2.3", "255.255.255.255",
	}
	for _, s := range refused {
		if syndication.Public(netip.MustParseAddr(s)) {
			t.Errorf("%s passes the guard", s)
		}
	}
	public := []string{"8.8.8.8", "1.1.1.1", "93.184.215.14", "172.32.0.1", "100.128.0.1", "198.20.0.1", "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8"}
	for _, s := range public {
		if !syndication.Public(netip.MustParseAddr(s)) {
			t.Errorf("%s is refused", s)
		}
	}
}

// TestURLPolicyLiteralAddresses replays the audit's webhook URLs with
// literal addresses: each is refused when the endpoint is saved, naming the
// url field.
func TestURLPolicyLiteralAddresses(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://[::127.0.0.1]/hook", "https://[64:ff9b::7f00:1]/hook", "https://[2002:7f00:1::1]/hook",
		"https://0.0.0.0/hook", "https://0.1.2.3/hook", "https://240.0.0.1/hook", "https://[::ffff:169.254.169.254]/hook",
	} {
		err := syndication.URLPolicy{}.Check(context.Background(), raw)
		if err == nil {
			t.Errorf("%s accepted", raw)
			continue
		}
		if fe := mercato.Fields(err); len(fe) == 0 || fe[0].Path != "url" {
			t.Errorf("%s: %v does not name the url field", raw, err)
		}
	}
	if err := (syndication.URLPolicy{}).Check(context.Background(), "https://[2606:4700::1111]/hook"); err != nil {
		t.Errorf("public address refused: %v", err)
	}
}
