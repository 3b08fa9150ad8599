package arm_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
	"github.com/mercato-market/mercato/internal/emulator/entra"
)

// need finds a program the test cannot run without: absent, the test fails
// under CI=true and is skipped elsewhere.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// TestJavaScriptSDK drives the ARM emulator with the Azure SDK for
// JavaScript (jsclient/sdk.test.mjs, run by node's test runner), with
// tokens from the Entra ID emulator and both emulators' certificates signed
// by one CA that Node trusts through NODE_EXTRA_CA_CERTS.
func TestJavaScriptSDK(t *testing.T) {
	t.Parallel()
	node := need(t, "node")
	dir, err := filepath.Abs("jsclient")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		npm := need(t, "npm")
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	armCert, err := armemu.NewCertificate()
	if err != nil {
		t.Fatal(err)
	}
	entraCert, err := armCert.Issue(entra.CertificateSubject)
	if err != nil {
		t.Fatal(err)
	}
	idp, err := entra.New(entra.DemoConfig())
	if err != nil {
		t.Fatal(err)
	}
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	entraSrv := armemu.ServeTLS(listen(), idp.Handler(), entraCert)
	t.Cleanup(func() { _ = entraSrv.Close() })

	// The audiences of the tokens the emulator was shown.
	var mu sync.Mutex
	var audiences []string
	verifier := entra.NewVerifier(idp.Keys(), entra.ManagementAudiences...)
	em := armemu.New(armemu.Config{Step: 5 * time.Millisecond, RetryAfter: 10 * time.Millisecond, TenantID: entra.DemoTenantID, Subscriptions: []string{sub},
		Verifier: armemu.TokenVerifierFunc(func(ctx context.Context, token, _ string) error {
			c, err := verifier.Verify(ctx, token)
			if err == nil {
				mu.Lock()
				audiences = append(audiences, c.Audience)
				mu.Unlock()
			}
			return err
		})})
	t.Cleanup(em.Close)
	armSrv := armemu.ServeTLS(listen(), em.Handler(), armCert)
	t.Cleanup(func() { _ = armSrv.Close() })

	caFile := filepath.Join(t.TempDir(), "emulators-ca.pem")
	if err := armCert.WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "sdk.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+caFile, "ARM_URL="+armSrv.URL, "ENTRA_URL="+entraSrv.URL,
		"TENANT_ID="+entra.DemoTenantID, "CLIENT_ID="+entra.DemoClientID, "CLIENT_SECRET="+entra.DemoClientSecret,
		"SUBSCRIPTION_ID="+sub, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	t.Logf("node --test sdk.test.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("the JavaScript SDK suite failed: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(audiences) == 0 || slices.ContainsFunc(audiences, func(a string) bool { return a != entra.ManagementAzureResource }) {
		t.Fatalf("the SDK's tokens should all have aud %s: %v", entra.ManagementAzureResource, slices.Compact(audiences))
	}
}
