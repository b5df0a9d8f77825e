// Package demoproc starts Dialtone's local demo — a demo identity provider,
// the provider directory and a phone registrar on loopback
// (cmd/dialtone-demo) — as a child process of the desktop app, when no
// directory is configured. The demo
// lives in its own program so that the agent's app does not carry it:
// SQLite, the demo provider and their dependencies are no part of the
// softphone an agent runs against a real directory.
//
// The demo program is found next to the running executable (a build of
// the whole module), or, for a development build, built and run with
// "go run ./cmd/dialtone-demo" in the checkout the executable was built
// from (the README's "go run ."), never in the working directory. It stops
// when the app exits, however the app exits: it watches its stdin, whose
// other end only the app holds.
//
// It must never import the demo itself, Fyne, or the sign-in engine.
package demoproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ReadyPrefix starts the line the demo prints on stdout once it serves
// (cmd/dialtone-demo's -for-app).
const ReadyPrefix = "dialtone-demo ready"

// DefaultStartTimeout bounds how long Start waits for the demo to serve,
// including a first build of it with "go run" on a cold cache.
const DefaultStartTimeout = 5 * time.Minute

// ErrNotFound reports that there is no demo program to start: no
// dialtone-demo beside the executable and no source checkout of Dialtone
// with a Go toolchain.
var ErrNotFound = errors.New("demoproc: the local demo is not available here (no dialtone-demo beside Dialtone, and no source checkout with Go)")

// Options configures Start. The zero value is ready to use.
type Options struct {
	// Debug makes the demo log every request it serves.
	Debug bool
	// Stderr receives the demo's instructions and logs. Nil discards them.
	Stderr io.Writer
	// Timeout bounds the start. Zero means DefaultStartTimeout.
	Timeout time.Duration
	// Program is the demo's command line, for tests. Nil means find it.
	Program []string
	// Dir is where Program runs. "" means the current directory. It
	// plays no part in finding the demo.
	Dir string
}

// Demo is a running demo.
type Demo struct {
	DirectoryURL string // the provider directory's base URL, on loopback
	StateDir     string // the demo's state folder (its signing key, its directory)

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

// Start starts the demo and returns once it serves. Close stops it.
func Start(ctx context.Context, opts Options) (*Demo, error) {
	argv, dir, err := program(opts)
	if err != nil {
		return nil, err
	}
	if opts.Debug {
		argv = append(argv, "-debug")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultStartTimeout
	}
	return start(ctx, argv, dir, opts)
}

func start(ctx context.Context, argv []string, dir string, opts Options) (*Demo, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stderr = opts.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("demoproc: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("demoproc: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("demoproc: could not start %s: %w", argv[0], err)
	}
	d := &Demo{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.done) }()
	if err := d.awaitReady(ctx, stdout, opts.Timeout); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// awaitReady reads the demo's stdout until its ready line.
func (d *Demo) awaitReady(ctx context.Context, stdout io.Reader, timeout time.Duration) error {
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), ReadyPrefix) {
				lines <- sc.Text()
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case line := <-lines:
		return d.parseReady(line)
	case <-d.done:
		return fmt.Errorf("demoproc: the demo stopped before it served (%v)", d.cmd.ProcessState)
	case <-t.C:
		return fmt.Errorf("demoproc: the demo did not start within %s", timeout)
	case <-ctx.Done():
		return fmt.Errorf("demoproc: %w", ctx.Err())
	}
}

// parseReady reads "dialtone-demo ready directory=URL state=DIR".
func (d *Demo) parseReady(line string) error {
	for _, field := range strings.Fields(strings.TrimPrefix(line, ReadyPrefix)) {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "directory":
			d.DirectoryURL = v
		case "state":
			d.StateDir = v
		}
	}
	if !strings.HasPrefix(d.DirectoryURL, "http://127.0.0.1:") || d.StateDir == "" {
		return fmt.Errorf("demoproc: the demo announced %q, not a loopback directory and a state folder", line)
	}
	return nil
}

// stopGrace is how long Close waits for the demo to stop on its own.
const stopGrace = 5 * time.Second

// Close stops the demo: it closes its stdin, waits up to stopGrace, then
// kills it.
func (d *Demo) Close() error {
	_ = d.stdin.Close()
	select {
	case <-d.done:
		return nil
	case <-time.After(stopGrace):
	}
	_ = d.cmd.Process.Kill()
	<-d.done
	return nil
}

// program finds the demo: a dialtone-demo beside the executable, else
// "go run ./cmd/dialtone-demo" in the source checkout this executable was
// built from (see sourceRoot). The working directory is never searched: an
// installed Dialtone started in a folder someone else controls must not
// build and run their code.
func program(opts Options) (argv []string, dir string, err error) {
	if opts.Program != nil {
		return append(opts.Program, "-for-app"), opts.Dir, nil
	}
	if self, err := os.Executable(); err == nil {
		sibling := filepath.Join(filepath.Dir(self), "dialtone-demo"+exeSuffix())
		if info, err := os.Stat(sibling); err == nil && info.Mode().IsRegular() {
			return []string{sibling, "-for-app"}, opts.Dir, nil
		}
	}
	root, err := sourceRoot()
	if err != nil {
		return nil, "", err
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, "", ErrNotFound
	}
	return []string{gobin, "run", "./cmd/dialtone-demo", "-for-app"}, root, nil
}

// sourceRoot is the module root of the development build that is running:
// the folder this very file was compiled from, as the compiler recorded
// it in the executable, and nothing the working directory or the
// environment can change. A release build (fyne package, .ci/windows/build,
// .ci/linux-package) is made with -trimpath, which records
// "dialtone/internal/demoproc/…" instead of a folder: it has no source
// root, and never runs a demo it was not shipped with. The folder must
// still be a checkout of Dialtone with the demo's source, and (on Unix)
// belong to the user running Dialtone.
func sourceRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return "", ErrNotFound // built with -trimpath: a release build
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file))) // …/internal/demoproc/demoproc.go
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !strings.HasPrefix(string(mod), "module dialtone\n") {
		return "", ErrNotFound
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "dialtone-demo", "main.go")); err != nil {
		return "", ErrNotFound
	}
	if !ownedByUser(root) {
		return "", ErrNotFound
	}
	return root, nil
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}
