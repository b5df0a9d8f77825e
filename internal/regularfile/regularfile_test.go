//go:build unix

package regularfile

import (
	"errors"
	"os"
	"path/filepath"
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
