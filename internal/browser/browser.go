// Package browser opens addresses for the agent: the system's default
// browser (github.com/pkg/browser), or a command given on the command line
// or in DIALTONE_BROWSER. Both satisfy auth.Browser.
//
// It is desktop code: the directory service and the sign-in engine must
// never import it.
//
// It must never import a Dialtone package.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	sysbrowser "github.com/pkg/browser"
)

// browserStartGrace is how long Open waits for an opener to fail before it
// assumes the browser is up. xdg-open may run for as long as the browser.
const browserStartGrace = 3 * time.Second

// System opens URLs in the desktop's default browser through
// github.com/pkg/browser (xdg-open on Linux, open on macOS, the URL
// handler on Windows).
type System struct{}

// Open starts the system browser. It does not wait for xdg-open to exit.
func (System) Open(ctx context.Context, url string) error {
	sysbrowser.Stdout, sysbrowser.Stderr = io.Discard, io.Discard
	return waitBriefly(ctx, func() error { return sysbrowser.OpenURL(url) })
}

// Command runs a command with the URL as its last argument instead
// of the system browser (--browser-command, DIALTONE_BROWSER).
type Command struct {
	Args []string // the program and its leading arguments
}

// NewCommand splits command on white space, like a shell without quoting,
// e.g. "chromium --new-window".
func NewCommand(command string) (*Command, error) {
	args := strings.Fields(command)
	if len(args) == 0 {
		return nil, errors.New("browser: the browser command is empty")
	}
	return &Command{Args: args}, nil
}

// Open starts the command. It fails when the command cannot be started or
// exits with an error within a few seconds.
func (b *Command) Open(ctx context.Context, url string) error {
	cmd := exec.Command(b.Args[0], append(b.Args[1:len(b.Args):len(b.Args)], url)...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("browser: could not start the browser command %q: %w", b.Args[0], err)
	}
	return waitBriefly(ctx, func() error {
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("browser: the browser command %q failed: %w", b.Args[0], err)
		}
		return nil
	})
}

// waitBriefly runs open in the background and returns its error if it
// fails within browserStartGrace; after that the browser is assumed open.
func waitBriefly(ctx context.Context, open func() error) error {
	done := make(chan error, 1)
	go func() { done <- open() }()
	select {
	case err := <-done:
		return err
	case <-time.After(browserStartGrace):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
