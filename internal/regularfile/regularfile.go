// Package regularfile opens files that must be regular files — the session
// metadata, its lock, the call history, the instance rendezvous and its
// lock, the log, a provider list — without ever
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
	return OpenFile(path, os.O_RDONLY, 0)
}

// OpenFile opens path with flag and perm (as os.OpenFile) only if it is,
// or becomes, a regular file. The open never blocks on a FIFO, for reading
// or for writing; the check is made on the open file (fstat), so the file
// cannot be swapped between a check and the open.
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|nonBlock, perm)
	if err != nil {
		return nil, notRegular(err, path, os.Stat)
	}
	return check(f, path)
}

// OpenIn opens name in root with flag and perm (as os.Root.OpenFile) only
// if it is, or becomes, a regular file, as OpenFile does.
func OpenIn(root *os.Root, name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := root.OpenFile(name, flag|nonBlock, perm)
	if err != nil {
		return nil, notRegular(err, name, root.Stat)
	}
	return check(f, name)
}

// notRegular turns a failed open of something that is not a regular file
// into ErrNotRegular: a FIFO opened for writing with no reader fails
// (ENXIO) rather than blocking, and a device may fail the same way. Other
// errors are returned as they are.
func notRegular(err error, name string, stat func(string) (fs.FileInfo, error)) error {
	if errors.Is(err, fs.ErrNotExist) {
		return err
	}
	info, serr := stat(name)
	if serr != nil || info.Mode().IsRegular() {
		return err
	}
	return fmt.Errorf("regularfile: %s is a %s: %w", name, kindOf(info.Mode()), ErrNotRegular)
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
