package demo

import (
	"dialtone/internal/idp"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// ListenError reports that the demo could not listen on an address. When
// InUse, another program has the port, most likely another Dialtone demo.
type ListenError struct {
	Server string // "identity provider", "provider directory" or "phone registrar"
	Addr   string
	InUse  bool
	Err    error
}

// Error describes the problem; it never contains a secret.
func (e *ListenError) Error() string {
	if e.InUse {
		return fmt.Sprintf("demo: %s is already in use, so the demo %s cannot start: is another Dialtone demo running? Stop it and try again (%v)", e.Addr, e.Server, e.Err)
	}
	return fmt.Sprintf("demo: could not start the demo %s on %s: %v", e.Server, e.Addr, e.Err)
}

// Unwrap returns the underlying cause.
func (e *ListenError) Unwrap() error { return e.Err }

// listeners are the demo's sockets, all on loopback: the identity
// provider's and the directory's, and the registrar's TCP listener and UDP
// socket on one port.
type listeners struct {
	issuer, dir, sipTCP net.Listener
	sipUDP              net.PacketConn
}

// listenAll listens on the addresses of opts, or on none.
func listenAll(opts Options) (*listeners, error) {
	var l listeners
	var err error
	if l.issuer, err = listenLoopback("identity provider", opts.IssuerAddr); err != nil {
		return nil, err
	}
	if l.dir, err = listenLoopback("provider directory", opts.DirectoryAddr); err != nil {
		l.close()
		return nil, err
	}
	if l.sipTCP, l.sipUDP, err = listenSIP(opts.RegistrarAddr); err != nil {
		l.close()
		return nil, err
	}
	return &l, nil
}

// close closes the sockets that are open.
func (l *listeners) close() {
	for _, c := range []io.Closer{l.issuer, l.dir, l.sipTCP, l.sipUDP} {
		if c != nil {
			c.Close()
		}
	}
}

// listenLoopback listens on addr, which must name a loopback host: the
// demo never listens where another computer could reach it.
func listenLoopback(server, addr string) (net.Listener, error) {
	if _, _, err := loopbackHostPort(server, addr); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ListenError{Server: server, Addr: addr, InUse: addrInUse(err), Err: err}
	}
	return ln, nil
}

// listenSIP listens on TCP and UDP on the same loopback port, as a SIP
// server does. Port 0 picks a port free for both.
func listenSIP(addr string) (net.Listener, net.PacketConn, error) {
	const server = "phone registrar"
	host, port, err := loopbackHostPort(server, addr)
	if err != nil {
		return nil, nil, err
	}
	if port != "0" {
		return listenPair(server, addr)
	}
	for range 20 {
		tcp, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, nil, &ListenError{Server: server, Addr: addr, Err: err}
		}
		udp, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(tcp.Addr().(*net.TCPAddr).Port)))
		if err == nil {
			return tcp, udp, nil
		}
		tcp.Close()
	}
	return nil, nil, &ListenError{Server: server, Addr: addr, Err: errors.New("no port was free for both TCP and UDP")}
}

// listenPair listens on TCP and UDP on addr, or on neither.
func listenPair(server, addr string) (net.Listener, net.PacketConn, error) {
	tcp, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, &ListenError{Server: server, Addr: addr, InUse: addrInUse(err), Err: err}
	}
	udp, err := net.ListenPacket("udp", addr)
	if err != nil {
		tcp.Close()
		return nil, nil, &ListenError{Server: server, Addr: addr + " (UDP)", InUse: addrInUse(err), Err: err}
	}
	return tcp, udp, nil
}

// loopbackHostPort splits addr, which must name a loopback host.
func loopbackHostPort(server, addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", &ListenError{Server: server, Addr: addr, Err: err}
	}
	if !idp.IsLoopbackHost(host) {
		return "", "", &ListenError{Server: server, Addr: addr, Err: fmt.Errorf("%q is not a loopback host; use 127.0.0.1, ::1 or localhost", host)}
	}
	return host, port, nil
}
