package ratelimit

import (
	"net"
	"net/http"
)

// ClientAddr is the key of a request's client: its remote IP address, or
// the /64 network of an IPv6 address, since one host usually has a whole
// /64 to pick addresses from. Behind a reverse proxy every request comes
// from the proxy: read the address from a header the proxy sets instead.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
