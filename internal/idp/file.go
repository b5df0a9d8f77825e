package idp

import (
	"errors"
	"fmt"
	"os"
)

// ErrNotRegular reports a path that is not a regular file: a FIFO, a
// device, a socket or a folder. Dialtone never opens those for reading,
// since opening a FIFO blocks until a writer comes.
var ErrNotRegular = errors.New("idp: not a regular file")

// ReadProviderListFile reads and checks the provider list file at path (the
// command line's --providers) as ParseProviderList does. Only a regular
// file is read: the file is opened without blocking and checked before a
// byte is read, so a FIFO or a device is refused at once with
// ErrNotRegular.
func ReadProviderListFile(path string) (*ProviderList, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseProviderList(f)
}

// OpenRegular opens path for reading only if it is a regular file, without
// ever blocking on a FIFO: it is opened non-blocking, then checked with
// fstat (no race with a swap after a stat).
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is a %s", ErrNotRegular, path, kindOf(info.Mode()))
	}
	return f, nil
}

// kindOf names a file mode's type for an error.
func kindOf(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeDevice != 0, m&os.ModeCharDevice != 0:
		return "device"
	case m&os.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "folder"
	}
	return "special file"
}
