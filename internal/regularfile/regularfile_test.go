//go:build unix

package regularfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestOpenRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		want error
	}{
		{fifo, ErrNotRegular}, // would block in open(2) without O_NONBLOCK
		{dir, ErrNotRegular},
		{"/dev/null", ErrNotRegular},
		{file, nil},
	} {
		f, err := Open(tt.path)
		if !errors.Is(err, tt.want) {
			t.Errorf("Open(%s) = %v, want %v", tt.path, err, tt.want)
		}
		if f != nil {
			f.Close()
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := OpenIn(root, "fifo", os.O_RDONLY, 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("OpenIn(fifo) = %v, want ErrNotRegular", err)
	}
}

// TestOpenFileForWritingRefusesAFIFO: opening a FIFO to write blocks until a
// reader comes; OpenFile refuses it at once, whether a reader is there or not.
func TestOpenFileForWritingRefusesAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []int{os.O_WRONLY | os.O_APPEND | os.O_CREATE, os.O_RDWR | os.O_CREATE} {
		if f, err := OpenFile(fifo, flag, 0o600); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "named pipe (FIFO)") {
			t.Errorf("OpenFile(fifo, %#x) = %v, want ErrNotRegular naming the FIFO", flag, err)
			if f != nil {
				f.Close()
			}
		}
	}
	reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := OpenFile(fifo, os.O_WRONLY|os.O_APPEND, 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("OpenFile(fifo with a reader) = %v, want ErrNotRegular", err)
	}
	created := filepath.Join(filepath.Dir(fifo), "new")
	f, err := OpenFile(created, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("OpenFile(a new file) = %v", err)
	}
	f.Close()
}
