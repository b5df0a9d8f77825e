package line

import (
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// redirectTarget reads a 3xx's first Contact and accepts it only as a
// registrar in the same domain: the configured registrar's host, or the
// address of record's domain or a subdomain of it. It must pass the same
// checks as a configured registrar and may not leave TLS.
func (l *Line) redirectTarget(res *sip.Response) (registrarURI, bool) {
	c, ok := res.GetHeader("Contact").(*sip.ContactHeader)
	if !ok || c == nil || c.Address.UriParams.Has("maddr") {
		return registrarURI{}, false // maddr would send the request somewhere else again
	}
	next, err := parseRegistrar(redirectURI(c.Address))
	if err != nil || (l.target.transport == transportTLS && next.transport != transportTLS) {
		return registrarURI{}, false
	}
	return next, l.sameDomain(next.host)
}

// redirectURI rebuilds a Contact address as a registrar URI: the user part
// is dropped, only the transport parameter is kept (others, like lr or ob,
// do not change where the request goes).
func redirectURI(u sip.Uri) string {
	s := strings.ToLower(u.Scheme) + ":" + u.Host
	if u.Port != 0 {
		s += ":" + strconv.Itoa(u.Port)
	}
	if t, ok := u.UriParams.Get("transport"); ok {
		s += ";transport=" + t
	}
	return s
}

func (l *Line) sameDomain(host string) bool {
	domain := l.aor.host
	return strings.EqualFold(host, l.registrar.host) || host == domain || strings.HasSuffix(host, "."+domain)
}
