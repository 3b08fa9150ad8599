// Package config is the configuration of `mercato serve` in one place: one
// struct, filled from command-line flags, each of which falls back to its
// MERCATO_* environment variable (--public-url reads MERCATO_PUBLIC_URL),
// and validated at start with errors that name the setting.
// docs/operations.md documents every setting.
//
// Not here, on purpose: secrets (MERCATO_SECRET_KEY, MERCATO_BOOTSTRAP_TOKEN,
// MERCATO_SMTP_PASSWORD, MERCATO_STRIPE_SECRET_KEY,
// MERCATO_STRIPE_WEBHOOK_SECRET, MERCATO_OIDC_CLIENT_SECRET) are read from the environment only, where the code that needs them reads
// them, so that they never show in a process list; and the tax table stays
// in code (billing.DefaultTaxPolicy) until it becomes operator data.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/metering"
	"github.com/mercato-market/mercato/internal/store"
)

// Serve is the configuration of `mercato serve`.
type Serve struct {
	Addr      string // listen address HOST:PORT
	PublicURL string // the base of links the marketplace sends (password resets); required outside Demo
	// MetricsAddr, when set, serves /metrics on a listener of its own
	// (HOST:PORT, for the scraper's network only) instead of on Addr,
	// where it answers only the platform's tokens.
	MetricsAddr string
	Demo        bool
	LogFormat   string // text or json
	LogLevel    string
	Database    Database
	Limits      Limits
	Web         Web
	OIDC        OIDC
	Webhooks    Webhooks
	// UsagePollInterval is how often metric URLs are polled.
	UsagePollInterval time.Duration
	// BillingInterval is how often the current month is billed; 0: never.
	BillingInterval time.Duration
	// Dunning is the policy for unpaid invoices of every billing run of
	// the process (the scheduled one, the API's, the panel's).
	Dunning billing.DunningPolicy
	Mail    Mail
	// StripeAPI is the base URL of Stripe's API (stripe-mock's in tests
	// and the demo); empty: Stripe's own. Payments through Stripe are on
	// when MERCATO_STRIPE_SECRET_KEY is set (environment only).
	StripeAPI string
	// PaymentRetries are the days after a failed collection on which it
	// is tried again.
	PaymentRetries billing.PaymentRetries
}

// Mail is how e-mail leaves the marketplace.
type Mail struct {
	// LogoURL is the operator's logo at the top of every message (an
	// https URL the recipient's mail client loads); empty: none.
	LogoURL string
	// RenewalDays and TrialDays are how many days before a subscription
	// renews, and before a trial ends, its customer is told (0: never).
	RenewalDays, TrialDays int
	// SMTPURL is the SMTP server (smtp://[user@]host[:port][?tls=none|
	// required] or smtps://…); empty: messages are kept for the
	// operator's Outbox page. Validate parses it into SMTP.
	SMTPURL string
	SMTP    mail.Server
	// From is the sender ("Name <address>" or an address); empty:
	// noreply@ the host of the public URL.
	From string
	// Lease is how long a process keeps the messages it claimed before
	// another may take them over after a crash.
	Lease time.Duration
}

// Database is where the data lives and how many connections serve it.
type Database struct {
	URL string
	// MaxOpenConns and MaxIdleConns size the pool; 0 keeps the engine's
	// default (PostgreSQL 20 and 20, SQLite 8 and database/sql's 2).
	MaxOpenConns int
	MaxIdleConns int
}

// Limits are the front door's rate limits, per process.
type Limits struct {
	// PerSecond and Burst limit each principal (user) on every transport;
	// PerSecond 0: no limit.
	PerSecond float64
	Burst     int
	// AnonPerSecond and AnonBurst limit each client address for requests
	// without a valid credential, failed attempts included; 0: no limit.
	AnonPerSecond float64
	AnonBurst     int
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the
	// client (for the per-address limits); nobody else's is believed.
	TrustedProxies []netip.Prefix
}

// Web is the control panel's configuration.
type Web struct {
	SessionTTL      time.Duration // how long a sign-in lasts
	InsecureCookies bool          // cookies without Secure (plain http other than localhost)
	// SignInAttempts: free failed sign-ins per account and client address
	// (then each attempt waits a doubling delay), and password-reset
	// requests per address and email, per SignInWindow.
	SignInAttempts int
	SignInWindow   time.Duration
}

// OIDC is the identity provider the control panel offers beside passwords
// (OpenID Connect); none without an Issuer. Its client secret is
// MERCATO_OIDC_CLIENT_SECRET (environment only). The redirect URI to
// register at the provider is PublicURL + /signin/oidc/callback.
type OIDC struct {
	Issuer   string // the issuer URL, e.g. https://login.microsoftonline.com/{tenant id}/v2.0
	ClientID string // the panel's application (client) id at the provider
	Name     string // the provider as the sign-in button names it
}

// Webhooks is webhook delivery's configuration.
type Webhooks struct {
	AllowPrivate bool          // private addresses and plain http allowed (on with Demo)
	Lease        time.Duration // 0: the longest a batch can take plus 30 s
}

// Defaults returns the configuration serve runs with when nothing is set.
func Defaults() Serve {
	return Serve{
		Addr: "127.0.0.1:8080", LogFormat: "text", LogLevel: "info",
		Database:          Database{URL: "sqlite:mercato.db"},
		Limits:            Limits{PerSecond: 100, Burst: 200, AnonPerSecond: 20, AnonBurst: 100},
		Web:               Web{SessionTTL: 12 * time.Hour, SignInAttempts: 10, SignInWindow: 15 * time.Minute},
		OIDC:              OIDC{Name: "Microsoft"},
		UsagePollInterval: metering.DefaultInterval,
		BillingInterval:   time.Hour,
		Dunning:           billing.DefaultDunning(),
		Mail:              Mail{Lease: 5 * time.Minute, RenewalDays: 7, TrialDays: 3},
		PaymentRetries:    billing.DefaultPaymentRetries(),
	}
}

// Register declares the flags of c on fs, with c's values as defaults.
func (c *Serve) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address HOST:PORT"+env("addr"))
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve Prometheus metrics on this HOST:PORT of their own; without it /metrics is on --addr and answers only platform tokens"+env("metrics-addr"))
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the marketplace's external base URL, used in the links it sends (password resets); required outside --demo, where it defaults to the listen address"+env("public-url"))
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed demo organizations, users, products and plans (once), print the logins, and run the sample vendor, emulators and connectors in-process"+env("demo"))
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json"+env("log-format"))
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error"+env("log-level"))
	c.Database.Register(fs)
	fs.Float64Var(&c.Limits.PerSecond, "api-rate-limit", c.Limits.PerSecond, "requests a second each user may make, through any credential and transport (0: no limit)"+env("api-rate-limit"))
	fs.IntVar(&c.Limits.Burst, "api-rate-burst", c.Limits.Burst, "burst each user may make above its rate"+env("api-rate-burst"))
	fs.Float64Var(&c.Limits.AnonPerSecond, "anon-rate-limit", c.Limits.AnonPerSecond, "requests a second each client address may make without a valid credential (0: no limit)"+env("anon-rate-limit"))
	fs.IntVar(&c.Limits.AnonBurst, "anon-rate-burst", c.Limits.AnonBurst, "burst each client address may make above its anonymous rate"+env("anon-rate-burst"))
	fs.Var((*prefixes)(&c.Limits.TrustedProxies), "trusted-proxies", "reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For names the client, for the per-address limits"+env("trusted-proxies"))
	fs.DurationVar(&c.Web.SessionTTL, "web-session-ttl", c.Web.SessionTTL, "how long a control-panel sign-in lasts"+env("web-session-ttl"))
	fs.StringVar(&c.OIDC.Issuer, "oidc-issuer", c.OIDC.Issuer, "offer sign-in with this OpenID Connect provider beside passwords: its issuer URL, e.g. https://login.microsoftonline.com/TENANT-ID/v2.0 (client secret in MERCATO_OIDC_CLIENT_SECRET; redirect URI --public-url + /signin/oidc/callback)"+env("oidc-issuer"))
	fs.StringVar(&c.OIDC.ClientID, "oidc-client-id", c.OIDC.ClientID, "the control panel's application (client) id at the --oidc-issuer"+env("oidc-client-id"))
	fs.StringVar(&c.OIDC.Name, "oidc-provider-name", c.OIDC.Name, "the --oidc-issuer's name on the sign-in button (\"Sign in with NAME\")"+env("oidc-provider-name"))
	fs.BoolVar(&c.Web.InsecureCookies, "web-insecure-cookies", c.Web.InsecureCookies, "send the control panel's cookies without Secure, for a panel on plain http other than localhost"+env("web-insecure-cookies"))
	fs.IntVar(&c.Web.SignInAttempts, "web-signin-attempts", c.Web.SignInAttempts, "failed sign-ins per account and client address before attempts wait a doubling delay (up to 15 minutes), and password-reset requests per address and email, per window"+env("web-signin-attempts"))
	fs.DurationVar(&c.Web.SignInWindow, "web-signin-window", c.Web.SignInWindow, "the window of --web-signin-attempts"+env("web-signin-window"))
	fs.BoolVar(&c.Webhooks.AllowPrivate, "webhooks-allow-private", c.Webhooks.AllowPrivate, "allow webhook (and metric) URLs on private, loopback and link-local addresses, and plain http (on with --demo)"+env("webhooks-allow-private"))
	fs.DurationVar(&c.Webhooks.Lease, "webhooks-lease", c.Webhooks.Lease, "how long a process keeps the deliveries it claimed before another may take them over after a crash (default: the longest a batch can take plus 30s)"+env("webhooks-lease"))
	fs.DurationVar(&c.UsagePollInterval, "usage-poll-interval", c.UsagePollInterval, "how often products' metric URLs are polled for usage"+env("usage-poll-interval"))
	fs.DurationVar(&c.BillingInterval, "billing-interval", c.BillingInterval, "how often the current month is billed, terms renewed and dunning run; 0 turns the job off"+env("billing-interval"))
	RegisterDunning(fs, &c.Dunning)
	fs.StringVar(&c.Mail.SMTPURL, "smtp-url", c.Mail.SMTPURL, "the SMTP server e-mail leaves through: smtp://[user[:password]@]host[:port] (STARTTLS when offered; ?tls=required to insist, ?tls=none for a loopback server) or smtps://[user[:password]@]host[:port]; MERCATO_SMTP_PASSWORD, when set, gives the password instead (it stays out of process lists); without it messages are kept for the control panel's Outbox"+env("smtp-url"))
	fs.StringVar(&c.Mail.From, "mail-from", c.Mail.From, "the sender of e-mail, \"Name <address>\" or an address (default noreply@ the host of --public-url)"+env("mail-from"))
	fs.StringVar(&c.Mail.LogoURL, "mail-logo-url", c.Mail.LogoURL, "the operator's logo at the top of every e-mail: an https URL of an image (default none)"+env("mail-logo-url"))
	fs.IntVar(&c.Mail.RenewalDays, "mail-renewal-days", c.Mail.RenewalDays, "days before a subscription renews by itself that its customer is reminded by e-mail (0: never)"+env("mail-renewal-days"))
	fs.IntVar(&c.Mail.TrialDays, "mail-trial-days", c.Mail.TrialDays, "days before a trial ends that its customer is told by e-mail (0: never)"+env("mail-trial-days"))
	fs.DurationVar(&c.Mail.Lease, "mail-lease", c.Mail.Lease, "how long a process keeps the e-mail it claimed before another may take it over after a crash"+env("mail-lease"))
	fs.StringVar(&c.StripeAPI, "stripe-api", c.StripeAPI, "the base URL of Stripe's API, e.g. a local stripe-mock's http://127.0.0.1:12111 (default Stripe's own); payments through Stripe are on when MERCATO_STRIPE_SECRET_KEY is set"+env("stripe-api"))
	fs.Var((*days)(&c.PaymentRetries), "payment-retry-days", "days after a payment through Stripe first failed on which it is tried again, comma-separated, increasing"+env("payment-retry-days"))
}

// RegisterDunning declares the dunning policy's flags (serve, billing run).
func RegisterDunning(fs *flag.FlagSet, d *billing.DunningPolicy) {
	fs.IntVar(&d.PaymentTermsDays, "dunning-terms-days", d.PaymentTermsDays, "days an invoice is due after it is issued"+env("dunning-terms-days"))
	fs.Var((*days)(&d.ReminderDays), "dunning-reminder-days", "days late at which an unpaid invoice's reminders go out, comma-separated, increasing"+env("dunning-reminder-days"))
	fs.IntVar(&d.SuspendDays, "dunning-suspend-days", d.SuspendDays, "days late at which the subscriptions of an unpaid invoice are suspended (0: never)"+env("dunning-suspend-days"))
	fs.IntVar(&d.ExpireDays, "dunning-expire-days", d.ExpireDays, "days late at which orders still waiting for their first payment expire (0: never)"+env("dunning-expire-days"))
}

// Register declares the database flags (every command with a database).
func (d *Database) Register(fs *flag.FlagSet) {
	if d.URL == "" {
		d.URL = "sqlite:mercato.db"
	}
	fs.StringVar(&d.URL, "database-url", d.URL, "database: sqlite:PATH (?synchronous=full: commits survive a power loss) or postgres://…"+env("database-url"))
	fs.IntVar(&d.MaxOpenConns, "db-max-open-conns", d.MaxOpenConns, "most connections open to the database (0: PostgreSQL 20, SQLite 8)"+env("db-max-open-conns"))
	fs.IntVar(&d.MaxIdleConns, "db-max-idle-conns", d.MaxIdleConns, "most idle connections kept (0: PostgreSQL 20, SQLite database/sql's default)"+env("db-max-idle-conns"))
}

// Validate checks the database settings.
func (d Database) Validate() error {
	var errs []error
	if err := store.CheckURL(d.URL); err != nil {
		errs = append(errs, bad("database-url", err.Error()))
	}
	if d.MaxOpenConns < 0 {
		errs = append(errs, bad("db-max-open-conns", "want 0 (the default) or more"))
	}
	if d.MaxIdleConns < 0 || d.MaxOpenConns > 0 && d.MaxIdleConns > d.MaxOpenConns {
		errs = append(errs, bad("db-max-idle-conns", "want 0 (the default) up to --db-max-open-conns"))
	}
	return errors.Join(errs...)
}

// Validate checks everything serve needs before it starts; every error
// names its flag and variable.
func (c *Serve) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, bad("addr", "want HOST:PORT: "+err.Error()))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, bad("metrics-addr", "want HOST:PORT: "+err.Error()))
		}
	}
	if c.PublicURL == "" {
		if !c.Demo {
			errs = append(errs, bad("public-url", "required outside --demo: the external base URL of the marketplace, such as https://market.example.com, used in the links it sends"))
		}
	} else if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, bad("public-url", "want an absolute http(s) URL without query, such as https://market.example.com"))
	} else {
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, bad("log-format", "want text or json"))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, bad("log-level", "want debug, info, warn or error"))
	}
	errs = append(errs, c.Database.Validate())
	if c.Limits.PerSecond < 0 {
		errs = append(errs, bad("api-rate-limit", "want 0 (no limit) or more"))
	}
	if c.Limits.PerSecond > 0 && c.Limits.Burst < 1 {
		errs = append(errs, bad("api-rate-burst", "want 1 or more"))
	}
	if c.Limits.AnonPerSecond < 0 {
		errs = append(errs, bad("anon-rate-limit", "want 0 (no limit) or more"))
	}
	if c.Limits.AnonPerSecond > 0 && c.Limits.AnonBurst < 1 {
		errs = append(errs, bad("anon-rate-burst", "want 1 or more"))
	}
	if c.Web.SessionTTL < time.Minute {
		errs = append(errs, bad("web-session-ttl", "want a minute or more"))
	}
	if c.Web.SignInAttempts < 1 {
		errs = append(errs, bad("web-signin-attempts", "want 1 or more"))
	}
	errs = append(errs, c.OIDC.validate()...)
	if c.Web.SignInWindow <= 0 {
		errs = append(errs, bad("web-signin-window", "want a positive duration"))
	}
	if c.Webhooks.Lease < 0 {
		errs = append(errs, bad("webhooks-lease", "want 0 (the default) or a positive duration"))
	}
	if c.UsagePollInterval < 0 {
		errs = append(errs, bad("usage-poll-interval", "want a positive duration"))
	}
	if c.BillingInterval < 0 {
		errs = append(errs, bad("billing-interval", "want 0 (off) or a positive duration"))
	}
	if c.Mail.SMTPURL != "" {
		srv, err := mail.ParseURL(c.Mail.SMTPURL)
		if err != nil {
			errs = append(errs, bad("smtp-url", err.Error()))
		}
		c.Mail.SMTP = srv
	}
	if c.Mail.From != "" {
		if _, err := netmail.ParseAddress(c.Mail.From); err != nil {
			errs = append(errs, bad("mail-from", `want "Name <address>" or an address: `+err.Error()))
		}
	}
	if c.Mail.LogoURL != "" {
		if u, err := url.Parse(c.Mail.LogoURL); err != nil || u.Scheme != "https" || u.Host == "" || len(c.Mail.LogoURL) > 2000 {
			errs = append(errs, bad("mail-logo-url", "want an https URL of an image, such as https://market.example.com/logo.png"))
		}
	}
	if c.Mail.RenewalDays < 0 || c.Mail.RenewalDays > 90 {
		errs = append(errs, bad("mail-renewal-days", "want 0 (never) to 90 days"))
	}
	if c.Mail.TrialDays < 0 || c.Mail.TrialDays > 90 {
		errs = append(errs, bad("mail-trial-days", "want 0 (never) to 90 days"))
	}
	if c.Mail.Lease < time.Second {
		errs = append(errs, bad("mail-lease", "want a second or more"))
	}
	if c.StripeAPI != "" {
		if u, err := url.Parse(c.StripeAPI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
			errs = append(errs, bad("stripe-api", "want an http(s) base URL such as http://127.0.0.1:12111"))
		}
	}
	if err := c.PaymentRetries.Validate(); err != nil {
		errs = append(errs, bad("payment-retry-days", err.Error()))
	}
	if err := c.Dunning.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("dunning (--dunning-*, MERCATO_DUNNING_*): %w", err))
	}
	return errors.Join(errs...)
}

// EnvName is the environment variable a flag falls back to.
func EnvName(flagName string) string {
	return "MERCATO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func env(flagName string) string { return " (env " + EnvName(flagName) + ")" }

func bad(flagName, msg string) error {
	return fmt.Errorf("--%s (%s): %s", flagName, EnvName(flagName), msg)
}

// FillFromEnv sets every flag of fs not given on the command line from its
// MERCATO_* variable, looked up with lookup (os.LookupEnv when nil).
func FillFromEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := EnvName(f.Name)
		if v, ok := lookup(name); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// prefixes is a comma-separated list of addresses and CIDR ranges.
type prefixes []netip.Prefix

func (p *prefixes) String() string {
	if p == nil {
		return ""
	}
	parts := make([]string, len(*p))
	for i, x := range *p {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

func (p *prefixes) Set(v string) error {
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip, err := netip.ParseAddr(part)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR range", part)
			}
			out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		pre, err := netip.ParsePrefix(part)
		if err != nil {
			return fmt.Errorf("%q is not an address or CIDR range", part)
		}
		out = append(out, pre.Masked())
	}
	*p = out
	return nil
}

// days is a comma-separated list of day counts as a flag.
type days []int

func (d *days) String() string {
	if d == nil {
		return ""
	}
	parts := make([]string, len(*d))
	for i, n := range *d {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (d *days) Set(v string) error {
	var out []int
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("%q is not a number of days", p)
		}
		out = append(out, n)
	}
	*d = out
	return nil
}

// validate checks the provider's settings: an issuer is an https URL
// (http only on a loopback address, as the demo's emulator), with a client
// id; a client id needs an issuer.
func (o *OIDC) validate() []error {
	var errs []error
	if o.Issuer == "" {
		if o.ClientID != "" {
			errs = append(errs, bad("oidc-issuer", "required with --oidc-client-id"))
		}
		return errs
	}
	o.Issuer = strings.TrimRight(o.Issuer, "/")
	u, err := url.Parse(o.Issuer)
	switch {
	case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, bad("oidc-issuer", "want an absolute https URL without query, such as https://login.microsoftonline.com/TENANT-ID/v2.0"))
	case u.Scheme == "http" && !loopbackHost(u.Hostname()):
		errs = append(errs, bad("oidc-issuer", "want https (http only on a loopback address)"))
	case u.Scheme != "https" && u.Scheme != "http":
		errs = append(errs, bad("oidc-issuer", "want an https URL"))
	}
	if o.ClientID == "" {
		errs = append(errs, bad("oidc-client-id", "required with --oidc-issuer"))
	}
	if strings.TrimSpace(o.Name) == "" {
		errs = append(errs, bad("oidc-provider-name", "required with --oidc-issuer"))
	}
	return errs
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}
