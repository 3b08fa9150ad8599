package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/config"
)

func parse(t *testing.T, args []string, env map[string]string) (config.Serve, error) {
	t.Helper()
	c := config.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := config.FillFromEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// TestFromFlagsAndEnvironment: flags win, variables fill the rest.
func TestFromFlagsAndEnvironment(t *testing.T) {
	c, err := parse(t, []string{"--public-url", "https://market.example.com/", "--api-rate-limit", "5"},
		map[string]string{"MERCATO_API_RATE_LIMIT": "7", "MERCATO_WEB_SESSION_TTL": "2h", "MERCATO_DUNNING_REMINDER_DAYS": "2, 5,9",
			"MERCATO_DB_MAX_OPEN_CONNS": "4", "MERCATO_ANON_RATE_BURST": "9"})
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://market.example.com" || c.Limits.PerSecond != 5 || c.Web.SessionTTL != 2*time.Hour ||
		c.Database.MaxOpenConns != 4 || c.Limits.AnonBurst != 9 || len(c.Dunning.ReminderDays) != 3 || c.Dunning.ReminderDays[2] != 9 {
		t.Fatalf("%+v", c)
	}
	// E-mail: the server and its TLS from the URL, the sender as given.
	c, err = parse(t, []string{"--demo", "--mail-from", "Market <noreply@market.example.com>"}, map[string]string{"MERCATO_SMTP_URL": "smtps://relay@mail.example.com"})
	if err != nil || c.Mail.SMTP.Host != "mail.example.com" || c.Mail.SMTP.Port != 465 || c.Mail.SMTP.User != "relay" || c.Mail.From != "Market <noreply@market.example.com>" {
		t.Fatalf("mail: %+v %v", c.Mail, err)
	}
	// The defaults are what the code fixed before.
	d := config.Defaults()
	if d.Web.SessionTTL != 12*time.Hour || d.Web.SignInAttempts != 10 || d.Web.SignInWindow != 15*time.Minute ||
		d.Dunning.PaymentTermsDays != 14 || d.Dunning.SuspendDays != 21 || d.Dunning.ExpireDays != 30 || d.Limits.PerSecond != 100 || d.Limits.Burst != 200 {
		t.Fatalf("defaults %+v", d)
	}
}

// TestValidationNamesTheSetting: each bad value is reported with its flag
// and variable.
func TestValidationNamesTheSetting(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--public-url (MERCATO_PUBLIC_URL): required outside --demo"},
		{[]string{"--public-url", "market.example.com"}, "--public-url (MERCATO_PUBLIC_URL): want an absolute http(s) URL"},
		{[]string{"--demo", "--addr", "nonsense"}, "--addr (MERCATO_ADDR)"},
		{[]string{"--demo", "--database-url", "mysql://x"}, "--database-url (MERCATO_DATABASE_URL)"},
		{[]string{"--demo", "--database-url", "sqlite:m.db?synchronous=extra"}, "--database-url (MERCATO_DATABASE_URL): sqlite parameter synchronous"},
		{[]string{"--demo", "--db-max-open-conns", "4", "--db-max-idle-conns", "5"}, "--db-max-idle-conns (MERCATO_DB_MAX_IDLE_CONNS)"},
		{[]string{"--demo", "--api-rate-limit", "-1"}, "--api-rate-limit (MERCATO_API_RATE_LIMIT)"},
		{[]string{"--demo", "--api-rate-burst", "0"}, "--api-rate-burst (MERCATO_API_RATE_BURST)"},
		{[]string{"--demo", "--web-session-ttl", "1s"}, "--web-session-ttl (MERCATO_WEB_SESSION_TTL)"},
		{[]string{"--demo", "--web-signin-attempts", "0"}, "--web-signin-attempts (MERCATO_WEB_SIGNIN_ATTEMPTS)"},
		{[]string{"--demo", "--log-format", "xml"}, "--log-format (MERCATO_LOG_FORMAT)"},
		{[]string{"--demo", "--dunning-reminder-days", "10,3"}, "dunning (--dunning-*, MERCATO_DUNNING_*): reminder days [10 3]"},
		{[]string{"--demo", "--dunning-suspend-days", "-2"}, "dunning (--dunning-*, MERCATO_DUNNING_*): suspension"},
		{[]string{"--demo", "--smtp-url", "mail.example.com"}, "--smtp-url (MERCATO_SMTP_URL): want smtp://"},
		{[]string{"--demo", "--mail-from", "not an address"}, "--mail-from (MERCATO_MAIL_FROM)"},
		{[]string{"--demo", "--mail-lease", "10ms"}, "--mail-lease (MERCATO_MAIL_LEASE)"},
		{[]string{"--demo", "--mail-logo-url", "http://market.example.com/logo.png"}, "--mail-logo-url (MERCATO_MAIL_LOGO_URL): want an https URL"},
		{[]string{"--demo", "--mail-renewal-days", "-1"}, "--mail-renewal-days (MERCATO_MAIL_RENEWAL_DAYS): want 0 (never) to 90 days"},
		{[]string{"--demo", "--mail-trial-days", "91"}, "--mail-trial-days (MERCATO_MAIL_TRIAL_DAYS): want 0 (never) to 90 days"},
		{[]string{"--demo", "--payment-retry-days", "3,1"}, "--payment-retry-days (MERCATO_PAYMENT_RETRY_DAYS): payment retry days [3 1]"},
		{[]string{"--demo", "--stripe-api", "127.0.0.1:12111"}, "--stripe-api (MERCATO_STRIPE_API): want an http(s) base URL"},
		{[]string{"--demo", "--oidc-issuer", "https://login.microsoftonline.com/t/v2.0"}, "--oidc-client-id (MERCATO_OIDC_CLIENT_ID): required with --oidc-issuer"},
		{[]string{"--demo", "--oidc-client-id", "c"}, "--oidc-issuer (MERCATO_OIDC_ISSUER): required with --oidc-client-id"},
		{[]string{"--demo", "--oidc-client-id", "c", "--oidc-issuer", "http://login.example.com/t/v2.0"}, "--oidc-issuer (MERCATO_OIDC_ISSUER): want https (http only on a loopback address)"},
		{[]string{"--demo", "--oidc-client-id", "c", "--oidc-issuer", "login.example.com"}, "--oidc-issuer (MERCATO_OIDC_ISSUER): want an absolute https URL"},
		{[]string{"--demo", "--oidc-client-id", "c", "--oidc-issuer", "https://login.example.com", "--oidc-provider-name", " "}, "--oidc-provider-name (MERCATO_OIDC_PROVIDER_NAME)"},
	} {
		_, err := parse(t, c.args, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	if _, err := parse(t, []string{"--demo"}, nil); err != nil {
		t.Fatalf("demo defaults: %v", err)
	}
	// An identity provider: https, or http on loopback (an emulator).
	for _, issuer := range []string{"https://login.microsoftonline.com/t/v2.0/", "http://127.0.0.1:9000/t/v2.0", "http://localhost:9000/t/v2.0"} {
		c, err := parse(t, []string{"--demo", "--oidc-issuer", issuer}, map[string]string{"MERCATO_OIDC_CLIENT_ID": "app"})
		if err != nil || c.OIDC.ClientID != "app" || c.OIDC.Name != "Microsoft" || strings.HasSuffix(c.OIDC.Issuer, "/") {
			t.Fatalf("oidc %s: %+v %v", issuer, c.OIDC, err)
		}
	}
	if _, err := parse(t, nil, map[string]string{"MERCATO_WEB_SESSION_TTL": "soon"}); err == nil || !strings.Contains(err.Error(), "MERCATO_WEB_SESSION_TTL") {
		t.Fatalf("bad variable: %v", err)
	}
}
