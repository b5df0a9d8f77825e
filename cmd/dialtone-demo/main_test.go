package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunPrintsInstructionsAndStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &watchedBuffer{want: "Press Ctrl-C", seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-state-dir", t.TempDir() + "/state", "-issuer-addr", "127.0.0.1:0", "-directory-addr", "127.0.0.1:0", "-registrar-addr", "127.0.0.1:0"}, strings.NewReader(""), out, io.Discard)
	}()
	select {
	case <-out.seen:
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no instructions after 30 s")
	}
	for _, want := range []string{"dialtone-demo", "agent@acme.test", "go run . login --demo --email agent@acme.test --directory http://127.0.0.1:", "phone registrar", "go run . line --demo"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run after Ctrl-C = %v, want nil", err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"-nope"}},
		{"argument", []string{"extra"}},
		{"not loopback", []string{"-state-dir", t.TempDir(), "-issuer-addr", "0.0.0.0:0"}},
		{"registrar not loopback", []string{"-state-dir", t.TempDir(), "-issuer-addr", "127.0.0.1:0", "-directory-addr", "127.0.0.1:0", "-registrar-addr", "0.0.0.0:0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(t.Context(), tt.args, strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || errors.Is(err, flag.ErrHelp) {
				t.Errorf("run(%q) = %v, want an error", tt.args, err)
			}
		})
	}
}

// watchedBuffer is a bytes.Buffer safe for two goroutines that closes seen
// once the text written contains want.
type watchedBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
