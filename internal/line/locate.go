package line

import (
	"context"
	"dialtone/internal/sipaddr"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// hop is one place the line's requests can go: an address and the
// transport to reach it with.
type hop struct {
	addr      netip.AddrPort
	transport string // sipaddr.TransportUDP, TransportTCP or TransportTLS
	srv       bool   // found through an SRV record
}

// maxHops bounds the list locate returns, whatever DNS answers.
const maxHops = 16

// errNoService is the cause when the registrar's domain publishes the SRV
// record "." (RFC 2782): it offers no SIP over TLS at all.
var errNoService = errors.New("its DNS says it offers no SIP over TLS (SRV target \".\")")

// locate finds where requests for reg go, by the rules of RFC 3263 §4 for
// the transports Dialtone allows:
//
//   - The transport is the URI's transport parameter, else TLS for sips:,
//     else UDP (sip: without TLS is allowed only on loopback, see
//     sipaddr.ParseRegistrar); send moves UDP to TCP for large requests.
//   - A numeric host, "localhost", or a URI with a port: the host's
//     addresses with that port, or the transport's default (5061 for TLS,
//     5060 otherwise). "localhost" is never sent to DNS (RFC 6761).
//   - Otherwise (TLS to a domain without a port): the SRV records
//     _sips._tcp.<host> in RFC 2782 order (priority, then weight), each
//     target's addresses with the record's port; without SRV records, the
//     host's addresses with 5061.
//
// NAPTR records are not consulted: for TLS, the only transport Dialtone
// uses off loopback, they can only name "SIPS+D2T", which RFC 3263 §4.1
// resolves to the very _sips._tcp SRV name looked up here.
//
// The TLS certificate is checked against the URI's host, never against an
// SRV target (RFC 5922 §4), so DNS cannot send the token to a server that
// is not the registrar's domain.
//
// IPv4 addresses come before IPv6 ones of the same target. The list is at
// most maxHops long.
func locate(ctx context.Context, r *net.Resolver, reg sipaddr.Registrar) ([]hop, error) {
	port := reg.Port
	if port == 0 && (reg.Transport != sipaddr.TransportTLS || isLiteralOrLocal(reg.Host)) {
		port = defaultPort(reg.Transport)
	}
	if port != 0 {
		return addressHops(ctx, r, reg.Host, port, reg.Transport, false, nil)
	}
	_, records, err := r.LookupSRV(ctx, "sips", "tcp", reg.Host)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound, err == nil && len(records) == 0:
		return addressHops(ctx, r, reg.Host, defaultPort(reg.Transport), reg.Transport, false, nil)
	case err != nil:
		return nil, err
	case len(records) == 1 && (records[0].Target == "." || records[0].Target == ""):
		return nil, errNoService
	}
	var hops []hop
	var firstErr error
	for _, rec := range records {
		if len(hops) >= maxHops {
			break
		}
		target := strings.TrimSuffix(rec.Target, ".")
		if target == "" || rec.Port == 0 {
			continue
		}
		more, err := addressHops(ctx, r, target, int(rec.Port), reg.Transport, true, hops)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue // RFC 3263 §4.3: the next target
		}
		hops = more
	}
	if len(hops) == 0 {
		if firstErr == nil {
			firstErr = fmt.Errorf("no usable SRV record for _sips._tcp.%s", reg.Host)
		}
		return nil, firstErr
	}
	return hops, nil
}

// addressHops appends host's addresses, IPv4 first, with port, to hops.
func addressHops(ctx context.Context, r *net.Resolver, host string, port int, transport string, srv bool, hops []hop) ([]hop, error) {
	if port <= 0 || port > 65535 {
		return nil, fmt.Errorf("port %d is not a port", port)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else if strings.EqualFold(host, "localhost") {
		ips = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
	} else if ips, err = r.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, err
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	slices.SortStableFunc(ips, func(a, b netip.Addr) int {
		return boolRank(a.Is6()) - boolRank(b.Is6())
	})
	n := len(hops)
	for _, ip := range ips {
		if len(hops) >= maxHops {
			break
		}
		if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() {
			continue
		}
		hops = append(hops, hop{addr: netip.AddrPortFrom(ip, uint16(port)), transport: transport, srv: srv})
	}
	if len(hops) == n {
		return nil, fmt.Errorf("no usable address for %s", host)
	}
	return hops, nil
}

// isLiteralOrLocal reports whether host is an IP address or "localhost":
// names that are never looked up in DNS.
func isLiteralOrLocal(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil || strings.EqualFold(host, "localhost")
}

func defaultPort(transport string) int {
	if transport == sipaddr.TransportTLS {
		return 5061
	}
	return 5060
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
