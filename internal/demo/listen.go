package demo

import (
	"dialtone/internal/idp"
	"fmt"
	"net"
)

// ListenError reports that the demo could not listen on an address. When
// InUse, another program has the port, most likely another Dialtone demo.
type ListenError struct {
	Server string // "identity provider" or "provider directory"
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

// listenBoth listens on the issuer's and the directory's addresses, or on
// neither.
func listenBoth(opts Options) (issuer, dir net.Listener, err error) {
	if issuer, err = listenLoopback("identity provider", opts.IssuerAddr); err != nil {
		return nil, nil, err
	}
	if dir, err = listenLoopback("provider directory", opts.DirectoryAddr); err != nil {
		issuer.Close()
		return nil, nil, err
	}
	return issuer, dir, nil
}

// listenLoopback listens on addr, which must name a loopback host: the
// demo never listens where another computer could reach it.
func listenLoopback(server, addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &ListenError{Server: server, Addr: addr, Err: err}
	}
	if !idp.IsLoopbackHost(host) {
		return nil, &ListenError{Server: server, Addr: addr, Err: fmt.Errorf("%q is not a loopback host; use 127.0.0.1, ::1 or localhost", host)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ListenError{Server: server, Addr: addr, InUse: addrInUse(err), Err: err}
	}
	return ln, nil
}
