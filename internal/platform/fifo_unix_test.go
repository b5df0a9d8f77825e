//go:build unix

package platform

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenLogSetsAsideAFIFO: a FIFO in the log's place would block the
// open for writing until something reads it. OpenLog moves it aside at
// once and starts a new log that says so.
func TestOpenLogSetsAsideAFIFO(t *testing.T) {
	_, logs := fakeHome(t)
	if err := os.MkdirAll(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(logs, LogName)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		f   *os.File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := OpenLog()
		done <- result{f, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		if f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer f.Close() // a reader lets the blocked open go on
		}
		t.Fatal("OpenLog with a FIFO as the log did not return")
	}
	if r.err != nil {
		t.Fatalf("OpenLog with a FIFO as the log = %v, want a new log", r.err)
	}
	r.f.Close()
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "named pipe (FIFO)") {
		t.Errorf("the new log holds %q (%v), want a line naming the FIFO it replaced", data, err)
	}
	if aside, _ := filepath.Glob(path + ".corrupt-*"); len(aside) != 1 {
		t.Errorf("set aside: %v, want the FIFO moved aside once", aside)
	}
}
