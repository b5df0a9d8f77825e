// Package loopback says which hosts are this computer's loopback, the only
// ones Dialtone allows without TLS (an http issuer or directory, a sip:
// registrar without ;transport=tls) and the only ones its tests talk to. It
// must never import a Dialtone package.
package loopback

import (
	"net/netip"
	"strings"
)

// IsHost reports whether host (without port, brackets allowed) is one of
// the loopback names RFC 8252 §7.3 and §8.3 speak of: 127.0.0.1, ::1 or
// localhost. Other addresses of 127.0.0.0/8, IPv4-mapped forms such as
// ::ffff:127.0.0.1, zones and other spellings are not: docs/providers.md
// names exactly these three.
func IsHost(host string) bool {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Zone() == "" && (ip == netip.IPv6Loopback() || ip.Is4() && ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}))
}
