//go:build unix

package instance

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFIFOsAtTheRendezvousNeverHang puts a FIFO at the rendezvous file and
// at its lock: Acquire must not wait on it, and this launch becomes the
// running instance, the FIFO replaced or set aside. Opening the FIFO
// (O_RDONLY for the rendezvous) would block with no writer and no
// deadline, so the test bounds Acquire by running it in a goroutine.
func TestFIFOsAtTheRendezvousNeverHang(t *testing.T) {
	for _, name := range []string{"instance.json", "instance.json.lock"} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o700); err != nil {
				t.Fatal(err)
			}
			fifo := filepath.Join(filepath.Dir(cfg.Path), name)
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			type result struct {
				in  *Instance
				err error
			}
			done := make(chan result, 1)
			go func() {
				in, err := Acquire(context.Background(), cfg, nil)
				done <- result{in, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				unblock(fifo) // let the goroutine end
				t.Fatalf("Acquire with a FIFO as %s did not return", name)
			}
			if r.err != nil {
				t.Fatalf("Acquire with a FIFO as %s = %v, want to become the running instance", name, r.err)
			}
			defer r.in.Close()
			if info, err := os.Stat(fifo); err != nil || !info.Mode().IsRegular() {
				t.Errorf("%s after Acquire: %v; want a regular file in place of the FIFO", name, modeOrErr(info, err))
			}
		})
	}
}

// unblock opens the FIFO at path for writing, without blocking, so that a
// reader waiting in open(2) goes on.
func unblock(path string) {
	if f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

func modeOrErr(info os.FileInfo, err error) any {
	if err != nil {
		return err
	}
	return info.Mode()
}
