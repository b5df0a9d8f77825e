package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dialtone/internal/instance"
	"dialtone/internal/problem"
	"dialtone/ui"
)

// running makes the test the running Dialtone of m: it holds the
// rendezvous in m's config folder, as the app's runApp does.
func (m *machine) running() *instance.Instance {
	m.t.Helper()
	in, err := instance.Acquire(m.t.Context(), instance.Config{Path: filepath.Join(m.env["DIALTONE_CONFIG_DIR"], instanceFile)}, nil)
	if err != nil {
		m.t.Fatalf("could not become the running Dialtone: %v", err)
	}
	m.t.Cleanup(func() { in.Close() })
	return in
}

// handedOver returns what the next launch handed to in.
func handedOver(t *testing.T, in *instance.Instance) []string {
	t.Helper()
	select {
	case args := <-in.Handoffs():
		return args
	case <-time.After(5 * time.Second):
		t.Fatal("no launch handed anything over")
		return nil
	}
}

func TestALaunchHandsOverToTheRunningApp(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"a tel: link, as Windows starts it", []string{"tel:+1-201-555-0123;ext=7"}, []string{"tel:+1-201-555-0123;ext=7"}},
		{"a callto: link with flags", []string{"--debug", "callto://+12015550123"}, []string{"callto://+12015550123"}},
		{"a link that holds no number", []string{"callto:alice"}, []string{"callto:alice"}},
		{"a second double-click", nil, nil},
		{"with --debug only", []string{"--debug"}, nil},
	}
	m := newMachine(t)
	in := m.running()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.run(tt.args...)
			if r.code != problem.ExitOK || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing printed", r.code, r.stdout, r.stderr)
			}
			if got := handedOver(t, in); !slices.Equal(got, tt.want) {
				t.Errorf("the running app got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCommandsNeverHandOver(t *testing.T) {
	m := newMachine(t)
	in := m.running()
	for _, args := range [][]string{{"status"}, {"logout"}, {"help"}} {
		m.run(args...) // their exit codes are the CLI tests' business
	}
	select {
	case args := <-in.Handoffs():
		t.Errorf("a command handed %q to the running app", args)
	default:
	}
}

func TestNoWindowWhenTheRendezvousFails(t *testing.T) {
	m := newMachine(t)
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m.env["DIALTONE_CONFIG_DIR"] = filepath.Join(file, "dialtone") // cannot be created
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out, errb strings.Builder
	code := run(ctx, []string{"tel:+12015550123"}, &out, &errb, func(k string) string { return m.env[k] })
	if code != problem.ExitFailure || !strings.Contains(errb.String(), "only one Dialtone window") {
		t.Errorf("exit %d, stderr %q; want %d and why no window opens", code, errb.String(), problem.ExitFailure)
	}
}

func TestSplitLinks(t *testing.T) {
	links, flags := splitLinks([]string{"--debug", "tel:+1", "--demo", "callto:alice", "sip:bob@example.com"})
	if want := []string{"tel:+1", "callto:alice"}; !slices.Equal(links, want) {
		t.Errorf("links = %q, want %q", links, want)
	}
	if want := []string{"--debug", "--demo", "sip:bob@example.com"}; !slices.Equal(flags, want) {
		t.Errorf("flags = %q, want %q", flags, want)
	}
}

func TestOpenHandoffLogs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a second launch", nil, "msg=handoff link=none"},
		{"a link before the sign-in", []string{"tel:+12015550123"}, "msg=handoff link=dial dialer=waiting"},
		{"the first link of two", []string{"callto:alice", "tel:+12015550123"}, `msg=handoff link=refused reason="instance: the link holds no phone number`},
	}
	w := ui.New(test.NewTempApp(t), ui.Deps{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log strings.Builder
			openHandoff(w, tt.args, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
			if !strings.Contains(log.String(), tt.want) {
				t.Errorf("logged %q, want %q", log.String(), tt.want)
			}
			if strings.Contains(log.String(), "555") {
				t.Errorf("logged the number: %q", log.String())
			}
		})
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"callto:alice", "callto:alice"},
		{"tel:+1\x00\u202e555", "tel:+1??555"},
		{strings.Repeat("7", 70), strings.Repeat("7", 60) + "…"},
	}
	for _, tt := range tests {
		if got := printable(tt.in, 60); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
