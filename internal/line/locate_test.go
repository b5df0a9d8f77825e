package line_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

var loopback4 = netip.MustParseAddr("127.0.0.1")

// tlsRegistrar serves a sipregistrar trusting the rig's issuer over TLS
// with cfg on a free port of 127.0.0.1.
func (r *rig) tlsRegistrar(t *testing.T, cfg *tls.Config) (*sipregistrar.Registrar, uint16) {
	t.Helper()
	reg, err := sipregistrar.New(withTimeout(t), sipregistrar.Config{Issuer: r.iss.URL, Audience: testAudience})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = reg.ServeTLS(tls.NewListener(ln, cfg)) }()
	return reg, uint16(ln.Addr().(*net.TCPAddr).Port)
}

// closedPort is a TCP port of 127.0.0.1 nobody listens on: connecting to
// it fails at once.
func closedPort(t *testing.T) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return uint16(port)
}

// busyRegistrar answers every REGISTER over TLS with 503, and counts them.
func busyRegistrar(t *testing.T, cfg *tls.Config) (uint16, *atomic.Int32) {
	t.Helper()
	ua, err := sipgo.NewUA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
		n.Add(1)
		_ = tx.Respond(sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil))
	})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close(); _ = ua.Close() })
	go func() { _ = srv.ServeTLS(tls.NewListener(ln, cfg)) }()
	return uint16(ln.Addr().(*net.TCPAddr).Port), &n
}

func asked(dns *linetest.DNS, kind string) bool {
	return slices.ContainsFunc(dns.Asked(), func(q string) bool { return strings.HasPrefix(q, kind+" ") })
}

// A registrar named by its domain alone is found through its SRV records
// (RFC 3263 §4.2), in priority order, moving on when a server cannot be
// reached (§4.3). The certificate must name the domain, not the SRV
// target (RFC 5922 §4), and the later requests stay on the server that
// took the registration.
func TestRegisterFindsTheRegistrarBySRV(t *testing.T) {
	dns := linetest.StartDNS(t)
	serverTLS, clientTLS := linetest.TLSPairForNames(t, "acme.test")
	r := newRig(t)
	reg, port := r.tlsRegistrar(t, serverTLS)
	dns.SetSRV("_sips._tcp.acme.test",
		linetest.SRV{Priority: 20, Weight: 1, Port: port, Target: "sip2.acme.test"},
		linetest.SRV{Priority: 10, Weight: 1, Port: closedPort(t), Target: "sip1.acme.test"})
	dns.SetAddrs("sip1.acme.test", loopback4)
	dns.SetAddrs("sip2.acme.test", loopback4)
	r.start(t, "sips:acme.test", line.Options{TLSConfig: clientTLS, Resolver: dns.Resolver()})

	st, err := r.line.Register(withTimeout(t))
	if st.Status != line.StatusRegistered {
		t.Fatalf("Register = %v, %v; want registered through the second SRV target", st.Status, err)
	}
	if got := contacts(reg); len(got) != 1 || !strings.HasPrefix(got[0], "sips:") {
		t.Errorf("contacts = %v, want one sips: contact", got)
	}
	if q := dns.Asked(); !slices.Contains(q, "SRV _sips._tcp.acme.test.") || !slices.Contains(q, "A sip1.acme.test.") {
		t.Errorf("DNS questions = %v, want the SRV of _sips._tcp.acme.test and both targets' addresses", q)
	}
	if err := r.line.Unregister(withTimeout(t)); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if got := contacts(reg); len(got) != 0 {
		t.Errorf("after Unregister the registrar holds %v, want nothing", got)
	}
}

// A certificate that names only the SRV target is refused: DNS alone
// could otherwise send the agent's token to any server it names.
func TestRegisterChecksTheDomainsCertificateNotTheSRVTargets(t *testing.T) {
	dns := linetest.StartDNS(t)
	serverTLS, _ := linetest.TLSPairForNames(t, "sip2.acme.test")
	r := newRig(t)
	reg, port := r.tlsRegistrar(t, serverTLS)
	clientTLS := serverTrusting(t, serverTLS)
	dns.SetSRV("_sips._tcp.acme.test", linetest.SRV{Priority: 10, Port: port, Target: "sip2.acme.test"})
	dns.SetAddrs("sip2.acme.test", loopback4)
	r.start(t, "sips:acme.test", line.Options{TLSConfig: clientTLS, Resolver: dns.Resolver()})

	st, err := r.line.Register(withTimeout(t))
	if st.Status == line.StatusRegistered || !errors.Is(err, line.ErrUnreachable) {
		t.Fatalf("Register = %v, %v; want unreachable (the certificate does not name acme.test)", st.Status, err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:"+fmt.Sprint(port)+", SRV") {
		t.Errorf("error %q does not say which server DNS chose", err)
	}
	if access, refresh := r.tokens.Calls(); access+refresh != 0 || len(contacts(reg)) != 0 {
		t.Errorf("token asked %d times, contacts %v; want neither", access+refresh, contacts(reg))
	}
}

// serverTrusting returns a client configuration whose roots hold the
// server's own (self-signed) certificate.
func serverTrusting(t *testing.T, server *tls.Config) *tls.Config {
	t.Helper()
	pool := x509Pool(t, server.Certificates[0].Certificate[0])
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// A server answering 503 sends the line to the domain's next server
// (RFC 3263 §4.3), which gets the token only after its own challenge.
func TestRegisterMovesOnFromABusyServer(t *testing.T) {
	dns := linetest.StartDNS(t)
	serverTLS, clientTLS := linetest.TLSPairForNames(t, "acme.test")
	r := newRig(t)
	reg, port := r.tlsRegistrar(t, serverTLS)
	busy, asks := busyRegistrar(t, serverTLS)
	dns.SetSRV("_sips._tcp.acme.test",
		linetest.SRV{Priority: 10, Port: busy, Target: "sip1.acme.test"},
		linetest.SRV{Priority: 20, Port: port, Target: "sip2.acme.test"})
	dns.SetAddrs("sip1.acme.test", loopback4)
	dns.SetAddrs("sip2.acme.test", loopback4)
	r.start(t, "sips:acme.test", line.Options{TLSConfig: clientTLS, Resolver: dns.Resolver()})

	st, err := r.line.Register(withTimeout(t))
	if st.Status != line.StatusRegistered {
		t.Fatalf("Register = %v, %v; want registered at the second server", st.Status, err)
	}
	if asks.Load() != 1 || len(contacts(reg)) != 1 {
		t.Errorf("the busy server was asked %d times and the second holds %v; want 1 and one contact", asks.Load(), contacts(reg))
	}
}

// With a port, or an IP address, or localhost, nothing is asked of DNS
// but (for a name) its addresses: RFC 3263 §4.2 uses SRV only without a
// port, and localhost never leaves the machine (RFC 6761).
func TestRegisterWithAPortAsksNoSRV(t *testing.T) {
	dns := linetest.StartDNS(t)
	serverTLS, clientTLS := linetest.TLSPairForNames(t, "acme.test")
	r := newRig(t)
	reg, port := r.tlsRegistrar(t, serverTLS)
	dns.SetAddrs("acme.test", loopback4)
	dns.SetSRV("_sips._tcp.acme.test", linetest.SRV{Priority: 10, Port: closedPort(t), Target: "acme.test"})
	r.start(t, fmt.Sprintf("sips:acme.test:%d", port), line.Options{TLSConfig: clientTLS, Resolver: dns.Resolver()})

	if st, err := r.line.Register(withTimeout(t)); st.Status != line.StatusRegistered {
		t.Fatalf("Register = %v, %v; want registered at the URI's port", st.Status, err)
	}
	if asked(dns, "SRV") || !asked(dns, "A") || len(contacts(reg)) != 1 {
		t.Errorf("DNS questions %v, contacts %v; want only addresses asked, and one contact", dns.Asked(), contacts(reg))
	}

	for _, uri := range []string{"sip:127.0.0.1:%d", "sip:localhost:%d;transport=tcp"} {
		local := linetest.StartDNS(t)
		lr := newRig(t)
		lreg, lport := lr.registrar(t, 0)
		lr.start(t, fmt.Sprintf(uri, lport), line.Options{Resolver: local.Resolver()})
		if st, err := lr.line.Register(withTimeout(t)); st.Status != line.StatusRegistered {
			t.Fatalf("%s: Register = %v, %v; want registered", uri, st.Status, err)
		}
		if q := local.Asked(); len(q) != 0 || len(contacts(lreg)) != 1 {
			t.Errorf("%s: DNS questions %v, contacts %v; want none asked and one contact", uri, q, contacts(lreg))
		}
	}
}

// A domain without SRV records is reached at its own addresses on 5061;
// one whose SRV record is "." offers no service, and nothing is sent.
func TestRegisterWithoutSRVRecords(t *testing.T) {
	t.Run("no records", func(t *testing.T) {
		dns := linetest.StartDNS(t)
		dns.SetAddrs("acme.test", loopback4)
		r := newRig(t)
		r.start(t, "sips:acme.test", line.Options{TLSConfig: &tls.Config{RootCAs: x509Pool(t)}, Resolver: dns.Resolver()})
		st, err := r.line.Register(withTimeout(t))
		if st.Status == line.StatusRegistered || !errors.Is(err, line.ErrUnreachable) {
			t.Fatalf("Register = %v, %v; want unreachable", st.Status, err)
		}
		if !strings.Contains(err.Error(), "(127.0.0.1:5061)") || !asked(dns, "SRV") {
			t.Errorf("error %q, DNS questions %v; want the SRV asked, then 127.0.0.1:5061 tried", err, dns.Asked())
		}
	})
	t.Run("service decidedly not available", func(t *testing.T) {
		dns := linetest.StartDNS(t)
		dns.SetSRV("_sips._tcp.acme.test", linetest.SRV{Target: "."})
		dns.SetAddrs("acme.test", loopback4)
		r := newRig(t)
		r.start(t, "sips:acme.test", line.Options{Resolver: dns.Resolver()})
		st, err := r.line.Register(withTimeout(t))
		if st.Status == line.StatusRegistered || !errors.Is(err, line.ErrUnreachable) || !strings.Contains(err.Error(), "offers no SIP over TLS") {
			t.Fatalf("Register = %v, %v; want unreachable: no SIP over TLS at acme.test", st.Status, err)
		}
		if asked(dns, "A") {
			t.Errorf("DNS questions %v: the addresses were asked though SRV said there is no service", dns.Asked())
		}
	})
	t.Run("unknown domain", func(t *testing.T) {
		dns := linetest.StartDNS(t)
		r := newRig(t)
		r.start(t, "sips:nowhere.test", line.Options{Resolver: dns.Resolver()})
		st, err := r.line.Register(withTimeout(t))
		if st.Status == line.StatusRegistered || !errors.Is(err, line.ErrUnreachable) || !strings.Contains(err.Error(), "nowhere.test") {
			t.Fatalf("Register = %v, %v; want unreachable naming nowhere.test", st.Status, err)
		}
	})
}

// x509Pool is a pool of the DER certificates given (none: an empty pool).
func x509Pool(t *testing.T, ders ...[]byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	for _, der := range ders {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		pool.AddCert(cert)
	}
	return pool
}

// However many records DNS returns, at most 16 hops are kept, in SRV
// priority order, IPv4 before IPv6 of one target.
func TestLocateOrdersAndBoundsTheHops(t *testing.T) {
	dns := linetest.StartDNS(t)
	var records []linetest.SRV
	for i := range 20 {
		name := fmt.Sprintf("s%d.acme.test", i)
		records = append(records, linetest.SRV{Priority: uint16(40 - i), Port: uint16(6000 + i), Target: name})
		dns.SetAddrs(name, netip.MustParseAddr("::1"), loopback4)
	}
	dns.SetSRV("_sips._tcp.acme.test", records...)
	reg, err := sipaddr.ParseRegistrar("sips:acme.test")
	if err != nil {
		t.Fatal(err)
	}
	hops, err := line.LocateHops(withTimeout(t), dns.Resolver(), reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(hops) != 16 {
		t.Fatalf("%d hops, want 16: %v", len(hops), hops)
	}
	want := []string{"127.0.0.1:6019 TLS SRV", "[::1]:6019 TLS SRV", "127.0.0.1:6018 TLS SRV", "[::1]:6018 TLS SRV"}
	if !slices.Equal(hops[:4], want) {
		t.Errorf("first hops = %v, want %v", hops[:4], want)
	}
}
