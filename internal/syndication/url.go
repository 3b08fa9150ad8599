package syndication

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// URLPolicy decides which webhook URLs are acceptable. In production only
// https URLs whose host resolves to public addresses are; an operator who
// runs vendors on a private network (or the demo, on loopback) allows
// private addresses and plain http.
type URLPolicy struct {
	AllowPrivate bool
	Resolver     *net.Resolver // nil: net.DefaultResolver
}

// Check validates a webhook URL, resolving its host.
func (p URLPolicy) Check(ctx context.Context, raw string) error {
	invalid := func(msg string, args ...any) error {
		return mercato.Invalid("invalid webhook URL", mercato.FieldError{Path: "url", Message: fmt.Sprintf(msg, args...), Value: raw})
	}
	if len(raw) > 2000 {
		return invalid("at most 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return invalid("must be an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowPrivate:
	default:
		return invalid("must use https")
	}
	if u.User != nil {
		return invalid("must not carry credentials")
	}
	if u.Fragment != "" {
		return invalid("must not have a fragment")
	}
	if p.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if !Public(addr) {
			return invalid("points at a private, loopback or link-local address")
		}
		return nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return invalid("host %q does not resolve", host)
	}
	for _, a := range addrs {
		if !Public(a) {
			return invalid("host %q resolves to a private, loopback or link-local address", host)
		}
	}
	return nil
}

// Public reports whether a is an address on the public internet: a unicast
// address outside every block of IANA's IPv4 and IPv6 Special-Purpose
// Address Registries that is not globally reachable (special.go), and for
// IPv6 inside the global unicast space 2000::/3. IPv4-mapped IPv6 addresses
// are judged as the IPv4 address they carry; translation prefixes (NAT64,
// 6to4, Teredo), which could carry an internal IPv4 address, are refused.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.Zone() != "" {
		return false
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return false
	}
	for _, b := range specialPurpose {
		if b.prefix.Contains(a) {
			return false
		}
	}
	return true
}

// DialControl refuses connections to non-public addresses at the moment of
// connecting, so a host that resolved to a public address when the endpoint
// was saved cannot rebind to an internal one later. Use it as
// net.Dialer.Control unless private addresses are allowed.
func DialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %s: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("webhook dial %s: not a public address", address)
	}
	return nil
}

// Client returns the HTTP client for calls to vendors' URLs (webhooks,
// metric URLs): connections to non-public addresses refused at dial time
// unless allowPrivate, redirects not followed (an answer other than 2xx is
// the receiver's answer), at most conns idle connections kept, and timeout
// per request.
func Client(allowPrivate bool, conns int, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = DialControl
	}
	return &http.Client{
		Transport: telemetry.Transport(&http.Transport{
			DialContext:         dialer.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second,
			ForceAttemptHTTP2:   true,
		}),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
