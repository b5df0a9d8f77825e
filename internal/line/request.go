package line

import (
	"dialtone/internal/sipaddr"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// nextRequest builds the next REGISTER of this line: the first one with
// sipgo's ClientRequestRegisterBuild, later ones as a clone of the previous
// with a new Via branch and the next CSeq, so Call-ID and From tag stay
// the same (RFC 3261 §10.2). An empty token sends no Authorization.
func (l *Line) nextRequest(expires int, token string) (*sip.Request, error) {
	var req *sip.Request
	if l.last == nil {
		req = sip.NewRequest(sip.REGISTER, registrarURI(l.target))
		from := &sip.FromHeader{Address: aorURI(l.aor), Params: sip.NewParams()}
		from.Params.Add("tag", sip.GenerateTagN(16))
		req.AppendHeader(from)
		req.AppendHeader(&sip.ToHeader{Address: aorURI(l.aor)})
		req.AppendHeader(sip.NewHeader("User-Agent", l.opts.UserAgent))
	} else {
		req = l.last.Clone()
		req.RemoveHeader("Via")
		req.Recipient = registrarURI(l.target)
	}
	req.SetDestination(l.hops[l.hop].addr.String()) // located by us: sipgo looks nothing up
	req.SetTransport(l.transport)
	setHeader(req, "Expires", strconv.Itoa(expires))
	setHeader(req, "Authorization", "")
	if token != "" {
		req.AppendHeader(sip.NewHeader("Authorization", "Bearer "+token))
	}
	if err := l.build(req); err != nil {
		return nil, err
	}
	req.Via().Host = sipaddr.BracketHost(l.localIP)
	l.last = req
	return req, nil
}

// build completes a request with sipgo's client options.
func (l *Line) build(req *sip.Request) error {
	if l.last == nil {
		return sipgo.ClientRequestRegisterBuild(l.client, req)
	}
	if err := sipgo.ClientRequestIncreaseCSEQ(l.client, req); err != nil {
		return err
	}
	return sipgo.ClientRequestAddVia(l.client, req)
}

// setHeader replaces every header called name; an empty value removes them.
func setHeader(req *sip.Request, name, value string) {
	for req.RemoveHeader(name) {
	}
	if value != "" {
		req.AppendHeader(sip.NewHeader(name, value))
	}
}

// setContacts adds our Contact, for the connection the request leaves on,
// and asks the registrar to drop every other contact this line registered
// before (a new TCP connection means a new port). With expires 0 (removal)
// every known contact is listed.
func (l *Line) setContacts(req *sip.Request, conn sip.Connection, expires int) sip.Uri {
	for req.RemoveHeader("Contact") {
	}
	ours := l.contactFor(conn)
	if expires > 0 {
		req.AppendHeader(&sip.ContactHeader{Address: ours})
	}
	for _, c := range l.contacts {
		if expires == 0 || !sameContact(c, ours) {
			req.AppendHeader(&sip.ContactHeader{Address: c, Params: sip.HeaderParams{{K: "expires", V: "0"}}})
		}
	}
	return ours
}

// contactFor is the URI where the registrar can reach this line: our
// address toward the registrar and the local port of the connection.
func (l *Line) contactFor(conn sip.Connection) sip.Uri {
	_, portText, _ := net.SplitHostPort(conn.LocalAddr().String())
	port, _ := strconv.Atoi(portText)
	scheme := "sip"
	if l.transport == sipaddr.TransportTLS {
		scheme = "sips"
	}
	return sip.Uri{Scheme: scheme, User: l.aor.User, Host: sipaddr.BracketHost(l.localIP), Port: port,
		UriParams: sip.HeaderParams{{K: "transport", V: strings.ToLower(l.transport)}}}
}

// findLocalIP finds the address this machine uses toward ip: a UDP "dial"
// consults the routing table and sends nothing.
func findLocalIP(ip netip.Addr) (string, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 9)))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).IP.String(), nil
}
