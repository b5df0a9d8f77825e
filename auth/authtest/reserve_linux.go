//go:build linux

package authtest

import (
	"io"
	"net/netip"
	"os"
	"syscall"
)

// reservePort binds, without listening, a socket to the loopback address addr
// that the front has just stopped listening on. Connections to it are still
// refused, but no other listener (in this process or another) is handed the
// port while the provider is down, so Up can listen on it again.
func reservePort(addr string) (io.Closer, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	f := fdCloser(fd)
	// SO_REUSEADDR on both sides lets Up's listener bind beside it.
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		f.Close()
		return nil, os.NewSyscallError("setsockopt", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		f.Close()
		return nil, os.NewSyscallError("bind", err)
	}
	return f, nil
}

// fdCloser closes a file descriptor.
type fdCloser int

func (fd fdCloser) Close() error {
	return os.NewSyscallError("close", syscall.Close(int(fd)))
}
