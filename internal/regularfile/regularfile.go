// Package regularfile opens files that must be regular files — the session
// metadata, its lock, the call history, a provider list — without ever
// blocking: a FIFO, a device or a socket put in their place is refused at
// once instead of hanging Dialtone in open(2), where no signal can reach
// the goroutine. It must never import a Dialtone package.
package regularfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular reports a path that is not a regular file: a FIFO, a
// device, a socket or a folder.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading only if it is a regular file.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	return check(f, path)
}

// OpenIn opens name in root with flag and perm (as os.Root.OpenFile) only
// if it is, or becomes, a regular file. The open never blocks on a FIFO;
// the check is made on the open file (fstat), so the file cannot be
// swapped between a check and the open.
func OpenIn(root *os.Root, name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := root.OpenFile(name, flag|nonBlock, perm)
	if err != nil {
		return nil, err
	}
	return check(f, name)
}

func check(f *os.File, name string) (*os.File, error) {
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("regularfile: %s is a %s: %w", name, kindOf(info.Mode()), ErrNotRegular)
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
