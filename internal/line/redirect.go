package line

import (
	"dialtone/internal/sipaddr"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// redirectTarget reads a 3xx's first Contact and accepts it only as a
// registrar in the same domain: the configured registrar's host, or the
// address of record's domain or a subdomain of it. It must pass the same
// checks as a configured registrar and may not leave TLS.
func (l *Line) redirectTarget(res *sip.Response) (sipaddr.Registrar, bool) {
	c, ok := res.GetHeader("Contact").(*sip.ContactHeader)
	if !ok || c == nil || c.Address.UriParams.Has("maddr") {
		return sipaddr.Registrar{}, false // maddr would send the request somewhere else again
	}
	next, err := sipaddr.ParseRegistrar(redirectURI(c.Address))
	if err != nil || (l.target.Transport == sipaddr.TransportTLS && next.Transport != sipaddr.TransportTLS) {
		return sipaddr.Registrar{}, false
	}
	return next, l.sameDomain(next.Host)
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
	domain := l.aor.Host
	return strings.EqualFold(host, l.registrar.Host) || host == domain || strings.HasSuffix(host, "."+domain)
}
