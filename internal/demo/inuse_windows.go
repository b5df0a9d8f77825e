package demo

import (
	"errors"
	"syscall"
)

// wsaeAddrInUse is Windows' WSAEADDRINUSE, which syscall does not name.
const wsaeAddrInUse = syscall.Errno(10048)

// addrInUse reports whether a listen failed because the port is taken.
func addrInUse(err error) bool { return errors.Is(err, wsaeAddrInUse) }
