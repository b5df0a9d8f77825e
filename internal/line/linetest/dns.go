package linetest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is a DNS server on 127.0.0.1 (UDP) that answers from a small zone the
// test fills in, and remembers every question: the registrar's SRV and
// address records, for tests of RFC 3263 lookups. Names it does not know
// get NXDOMAIN; known names without the asked type get an empty answer.
type DNS struct {
	conn net.PacketConn

	mu    sync.Mutex
	srv   map[string][]SRV
	addrs map[string][]netip.Addr
	asked []string
}

// SRV is one SRV record of a DNS zone.
type SRV struct {
	Priority, Weight, Port uint16
	Target                 string // a host name; "." means "no service"
}

// StartDNS serves an empty zone until the test ends.
func StartDNS(t testing.TB) *DNS {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("could not start the DNS server: %v", err)
	}
	d := &DNS{conn: conn, srv: map[string][]SRV{}, addrs: map[string][]netip.Addr{}}
	done := make(chan struct{})
	go func() { defer close(done); d.serve() }()
	t.Cleanup(func() { _ = conn.Close(); <-done })
	return d
}

// SetSRV sets the SRV records of name, like "_sips._tcp.acme.test".
func (d *DNS) SetSRV(name string, records ...SRV) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.srv[fqdn(name)] = records
}

// SetAddrs sets the A and AAAA records of name.
func (d *DNS) SetAddrs(name string, addrs ...netip.Addr) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addrs[fqdn(name)] = addrs
}

// Asked returns the questions asked so far, like "SRV _sips._tcp.acme.test."
// or "A acme.test.", in order.
func (d *DNS) Asked() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.asked...)
}

// Resolver is a resolver that asks only this server.
func (d *DNS) Resolver() *net.Resolver {
	addr := d.conn.LocalAddr().String()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		if !strings.HasPrefix(network, "udp") {
			return nil, errors.New("linetest: the test DNS server speaks only UDP")
		}
		var dialer net.Dialer
		return dialer.DialContext(ctx, "udp4", addr)
	}}
}

func (d *DNS) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if answer, ok := d.answer(buf[:n]); ok {
			_, _ = d.conn.WriteTo(answer, from)
		}
	}
}

func (d *DNS) answer(query []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	name := strings.ToLower(q.Name.String())
	d.mu.Lock()
	d.asked = append(d.asked, strings.TrimPrefix(q.Type.String(), "Type")+" "+name)
	srvs, srvKnown := d.srv[name]
	addrs, addrKnown := d.addrs[name]
	d.mu.Unlock()

	rcode := dnsmessage.RCodeSuccess
	if !srvKnown && !addrKnown {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true, RCode: rcode})
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}
	switch q.Type {
	case dnsmessage.TypeSRV:
		for _, s := range srvs {
			target, err := dnsmessage.NewName(fqdn(s.Target))
			if err != nil {
				return nil, false
			}
			_ = b.SRVResource(rh, dnsmessage.SRVResource{Priority: s.Priority, Weight: s.Weight, Port: s.Port, Target: target})
		}
	case dnsmessage.TypeA, dnsmessage.TypeAAAA:
		for _, a := range addrs {
			switch {
			case q.Type == dnsmessage.TypeA && a.Is4():
				_ = b.AResource(rh, dnsmessage.AResource{A: a.As4()})
			case q.Type == dnsmessage.TypeAAAA && a.Is6():
				_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
			}
		}
	}
	msg, err := b.Finish()
	return msg, err == nil
}

func fqdn(name string) string {
	name = strings.ToLower(name)
	if name == "." {
		return name
	}
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}
