package arm

import (
	"fmt"
	"math/big"
	"net/netip"
)

// CIDR functions: parseCidr, cidrSubnet and cidrHost, which Bicep's
// network templates use to carve a virtual network's address space.

func init() {
	register(map[string]*builtin{
		"parseCidr": {min: 1, max: 1, fn: func(c *callCtx, a []any) (any, error) {
			p, err := cidrArg(a, 0)
			if err != nil {
				return nil, err
			}
			first, last := p.Masked().Addr(), lastAddr(p)
			out := map[string]any{
				"network": first.String(),
				"netmask": netmask(p).String(),
				"cidr":    int64(p.Bits()),
			}
			usableFirst, usableLast := first, last
			if p.Addr().Is4() {
				out["broadcast"] = last.String()
				if p.Bits() < 31 {
					usableFirst, usableLast = first.Next(), last.Prev()
				}
			}
			out["firstUsable"] = usableFirst.String()
			out["lastUsable"] = usableLast.String()
			return out, nil
		}},
		"cidrSubnet": {min: 3, max: 3, fn: func(c *callCtx, a []any) (any, error) {
			p, err := cidrArg(a, 0)
			if err != nil {
				return nil, err
			}
			bits, err := argInt(a, 1)
			if err != nil {
				return nil, err
			}
			index, err := argInt(a, 2)
			if err != nil {
				return nil, err
			}
			size := int64(p.Addr().BitLen())
			if bits < int64(p.Bits()) || bits > size {
				return nil, fmt.Errorf("the new prefix length %d must be between %d and %d", bits, p.Bits(), size)
			}
			count := new(big.Int).Lsh(big.NewInt(1), uint(bits-int64(p.Bits())))
			if index < 0 || big.NewInt(index).Cmp(count) >= 0 {
				return nil, fmt.Errorf("subnet index %d is out of range: %s holds %s subnets of /%d", index, p.Masked(), count, bits)
			}
			step := new(big.Int).Lsh(big.NewInt(index), uint(size-bits))
			return netip.PrefixFrom(addAddr(p.Masked().Addr(), step), int(bits)).String(), nil
		}},
		"cidrHost": {min: 2, max: 2, fn: func(c *callCtx, a []any) (any, error) {
			p, err := cidrArg(a, 0)
			if err != nil {
				return nil, err
			}
			index, err := argInt(a, 1)
			if err != nil {
				return nil, err
			}
			// Hosts count from the first address after the network's.
			hosts := new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-p.Bits()))
			hosts.Sub(hosts, big.NewInt(1))
			if p.Addr().Is4() && p.Bits() < 31 {
				hosts.Sub(hosts, big.NewInt(1)) // the broadcast address
			}
			if index < 0 || big.NewInt(index).Cmp(hosts) >= 0 {
				return nil, fmt.Errorf("host index %d is out of range: %s has %s hosts", index, p.Masked(), hosts)
			}
			return addAddr(p.Masked().Addr(), big.NewInt(index+1)).String(), nil
		}},
	})
}

// cidrArg reads an IPv4 or IPv6 network in CIDR notation.
func cidrArg(a []any, i int) (netip.Prefix, error) {
	s, err := argStr(a, i)
	if err != nil {
		return netip.Prefix{}, err
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("'%s' is not a network in CIDR notation", s)
	}
	return p, nil
}

func netmask(p netip.Prefix) netip.Addr {
	b := make([]byte, p.Addr().BitLen()/8)
	for i := 0; i < p.Bits(); i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	m, _ := netip.AddrFromSlice(b)
	return m
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// addAddr adds n to an address (n fits within its network).
func addAddr(a netip.Addr, n *big.Int) netip.Addr {
	b := a.AsSlice()
	v := new(big.Int).SetBytes(b)
	v.Add(v, n)
	out := v.FillBytes(make([]byte, len(b)))
	r, _ := netip.AddrFromSlice(out)
	return r
}
