package linetest

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"dialtone/internal/sipregistrar"
)

// StartRegistrar runs a sipregistrar on 127.0.0.1, UDP and TCP on the same
// port (0: a free one), until the test ends. It returns the registrar and
// its port.
func StartRegistrar(t testing.TB, cfg sipregistrar.Config, port int) (*sipregistrar.Registrar, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reg, err := sipregistrar.New(ctx, cfg)
	if err != nil {
		t.Fatalf("could not start the registrar: %v", err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	udp, tcp := listenPairOn(t, port)
	go func() { _ = reg.ServeUDP(udp) }()
	go func() { _ = reg.ServeTCP(tcp) }()
	return reg, tcp.Addr().(*net.TCPAddr).Port
}

// ListenPair listens on UDP and TCP on the same free port of 127.0.0.1.
func ListenPair(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	return listenPairOn(t, 0)
}

func listenPairOn(t testing.TB, port int) (net.PacketConn, net.Listener) {
	t.Helper()
	if port != 0 {
		udp, err := net.ListenPacket("udp4", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("could not listen on UDP port %d: %v", port, err)
		}
		tcp, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatalf("could not listen on TCP port %d: %v", port, err)
		}
		return udp, tcp
	}
	for range 20 {
		udp, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("could not listen on UDP: %v", err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			return udp, tcp
		}
		_ = udp.Close()
	}
	t.Fatal(errors.New("no port free for both UDP and TCP"))
	return nil, nil
}

// FreePort returns a port of 127.0.0.1 that was free for UDP and TCP a
// moment ago, for servers that must be started by port number.
func FreePort(t testing.TB) int {
	t.Helper()
	udp, tcp := ListenPair(t)
	port := tcp.Addr().(*net.TCPAddr).Port
	_ = udp.Close()
	_ = tcp.Close()
	return port
}
