package line_test

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"dialtone/internal/line"
	"dialtone/internal/sipregistrar"
)

func TestRegisterOverIPv6Loopback(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			r := newRig(t)
			reg, err := sipregistrar.New(withTimeout(t), sipregistrar.Config{Issuer: r.iss.URL, Audience: testAudience})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = reg.Close() })
			port := serveIPv6(t, reg, network)
			r.start(t, fmt.Sprintf("sip:[::1]:%d;transport=%s", port, network), line.Options{})

			if _, err := r.line.Register(withTimeout(t)); err != nil {
				t.Fatalf("Register: %v", err)
			}
			want := fmt.Sprintf("transport=%s", network)
			if got := contacts(reg); len(got) != 1 || !strings.HasPrefix(got[0], "sip:agent@[::1]:") || !strings.HasSuffix(got[0], want) {
				t.Errorf("contacts = %v, want one sip:agent@[::1]:…;%s", got, want)
			}
			if err := r.line.Unregister(withTimeout(t)); err != nil || len(contacts(reg)) != 0 {
				t.Errorf("Unregister = %v, contacts left %v; want nil, none", err, contacts(reg))
			}
		})
	}
}

// serveIPv6 serves reg on [::1] and returns the port; it skips the test on
// machines without IPv6 loopback.
func serveIPv6(t *testing.T, reg *sipregistrar.Registrar, network string) int {
	t.Helper()
	if network == "udp" {
		conn, err := net.ListenPacket("udp6", "[::1]:0")
		if err != nil {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		go func() { _ = reg.ServeUDP(conn) }()
		return conn.LocalAddr().(*net.UDPAddr).Port
	}
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	go func() { _ = reg.ServeTCP(ln) }()
	return ln.Addr().(*net.TCPAddr).Port
}
