package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServeNeedsPublicURL: outside --demo, serve refuses to start without
// --public-url, naming the flag and its variable (a usage error, exit 2).
func TestServeNeedsPublicURL(t *testing.T) {
	t.Setenv("MERCATO_PUBLIC_URL", "")
	t.Setenv("MERCATO_DEMO", "false")
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--database-url", "sqlite:" + t.TempDir() + "/m.db", "--addr", "127.0.0.1:0"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "--public-url (MERCATO_PUBLIC_URL): required outside --demo") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// TestServeNeedsOIDCClientSecret: with --oidc-issuer, serve refuses to
// start without MERCATO_OIDC_CLIENT_SECRET (there is no flag for it).
func TestServeNeedsOIDCClientSecret(t *testing.T) {
	t.Setenv("MERCATO_OIDC_CLIENT_SECRET", "")
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--database-url", "sqlite:" + t.TempDir() + "/m.db", "--addr", "127.0.0.1:0",
		"--public-url", "https://market.example.com", "--oidc-issuer", "https://login.microsoftonline.com/t/v2.0", "--oidc-client-id", "app"}, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "MERCATO_OIDC_CLIENT_SECRET: required with --oidc-issuer") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// TestCommandTable: one table names every command and subcommand.
func TestCommandTable(t *testing.T) {
	cmds := commands()
	for _, name := range []string{"serve", "migrate", "version", "arm", "vendor-demo", "bench", "backup", "secrets", "connector", "billing", "emulate"} {
		if _, ok := cmds[name]; !ok {
			t.Errorf("no command %q", name)
		}
	}
	for group, want := range map[string]string{"connector": "azure|microsoft", "emulate": "arm|entra|partnercenter"} {
		var out, errOut bytes.Buffer
		if code := Run(context.Background(), []string{group}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: exit %d: %s", group, code, errOut.String())
		}
	}
}
