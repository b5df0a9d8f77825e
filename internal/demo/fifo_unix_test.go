//go:build unix

package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dialtone/internal/demo"
)

// A FIFO in place of any file of the demo's state folder is refused at
// once with a message naming it; the demo never waits on it.
func TestFIFOsInTheStateFolderNeverHang(t *testing.T) {
	for _, name := range []string{"provider-state.json", "directory.key", "directory.db", "directory.db-wal"} {
		t.Run(name, func(t *testing.T) {
			opts := freeOptions(t)
			if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(filepath.Join(opts.StateDir, name), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				d, err := demo.Start(ctx, opts)
				if err == nil {
					d.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "regular file") {
					t.Errorf("Start = %v, want a refusal naming %s as not a regular file", err, name)
				}
			case <-ctx.Done():
				t.Fatalf("Start did not return within 10 s with a FIFO as %s", name)
			}
		})
	}
}
