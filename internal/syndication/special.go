package syndication

import "net/netip"

// globalUnicast6 is the IPv6 space allocated for global unicast; the rest of
// the IPv6 space is reserved, special-purpose or unassigned.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// specialBlock is one entry of IANA's special-purpose address registries.
type specialBlock struct {
	prefix netip.Prefix
	name   string
}

func block(prefix, name string) specialBlock {
	return specialBlock{prefix: netip.MustParsePrefix(prefix), name: name}
}

// specialPurpose lists the blocks of the IANA IPv4 Special-Purpose Address
// Registry and the IPv6 Special-Purpose Address Registry that are not
// globally reachable (or whose traffic could reach an internal network
// through translation), plus IPv4 multicast and the reserved 240/4. Blocks
// the registries mark globally reachable (AS112, AMT, TURN and PCP anycast)
// carry no webhook receiver and are left out of the exceptions for
// simplicity: an address in them is refused too where it falls in a wider
// non-global block (192.0.0.0/24, 2001::/23).
var specialPurpose = []specialBlock{
	// IPv4 (RFC 6890 and successors).
	block("0.0.0.0/8", "this network"),
	block("10.0.0.0/8", "private use"),
	block("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
	block("127.0.0.0/8", "loopback"),
	block("169.254.0.0/16", "link local"),
	block("172.16.0.0/12", "private use"),
	block("192.0.0.0/24", "IETF protocol assignments"),
	block("192.0.2.0/24", "documentation (TEST-NET-1)"),
	block("192.88.99.0/24", "deprecated 6to4 relay anycast"),
	block("192.168.0.0/16", "private use"),
	block("198.18.0.0/15", "benchmarking"),
	block("198.51.100.0/24", "documentation (TEST-NET-2)"),
	block("203.0.113.0/24", "documentation (TEST-NET-3)"),
	block("224.0.0.0/4", "multicast"),
	block("240.0.0.0/4", "reserved"),
	block("255.255.255.255/32", "limited broadcast"),
	// IPv6 (RFC 6890 and successors); ::/128, ::1/128, ::ffff:0:0/96,
	// ::/96 and fe80::/10 lie outside 2000::/3 and are refused there.
	block("64:ff9b::/96", "IPv4/IPv6 translation (NAT64)"),
	block("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
	block("100::/64", "discard-only"),
	block("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID)"),
	block("2001:db8::/32", "documentation"),
	block("2002::/16", "6to4"),
	block("3fff::/20", "documentation"),
	block("5f00::/16", "segment routing (SRv6) SIDs"),
	block("fc00::/7", "unique local"),
	block("fe80::/10", "link-local unicast"),
	block("fec0::/10", "deprecated site-local"),
}
