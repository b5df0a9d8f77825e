// Command dialtone-winbrowser is the browser of Dialtone's end-to-end tests under
// wine: a Windows program, cross-compiled by the tests, that dialtone.com
// runs as its browser command (DIALTONE_BROWSER) with the sign-in address
// as the last argument. It signs in at the provider's own login form (and
// consent page) with authtest.FormBrowser, delivering the callback to
// Dialtone's loopback listener, and exits 0; on any other outcome it says
// why and exits 1. It visits loopback addresses only, and the whole run is
// bounded. Nothing of it ships.
//
// Dialtone discards a browser command's output, so the environment says
// where to leave traces, with Windows paths (Z:\tmp\… is /tmp/…):
//
//	DIALTONE_E2E_USER, DIALTONE_E2E_PASSWORD  the credentials to type (required)
//	DIALTONE_E2E_BROWSER_LOG   append what it does to this file; a run's first
//	                           line is "testbrowser: start", its last
//	                           "testbrowser: exit N", as cmd/dialtone-testbrowser writes them
//
// It must never import Dialtone's desktop packages (the keyring, the
// session store, the UI, Fyne): it is the browser, outside the app it
// tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"dialtone/auth/authtest"
)

// timeout bounds the whole run.
const timeout = 60 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Getenv))
}

func run(args []string, getenv func(string) string) int {
	log, closeLog := openLog(getenv("DIALTONE_E2E_BROWSER_LOG"))
	defer closeLog()
	fmt.Fprintln(log, "testbrowser: start")
	code := 0
	if err := browse(args, getenv, log); err != nil {
		fmt.Fprintln(log, "testbrowser:", err)
		code = 1
	}
	fmt.Fprintln(log, "testbrowser: exit", code)
	return code
}

// openLog returns a writer to stderr and, when path is set, to that file.
func openLog(path string) (io.Writer, func()) {
	if path == "" {
		return os.Stderr, func() {}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbrowser: could not open the log:", err)
		return os.Stderr, func() {}
	}
	return io.MultiWriter(os.Stderr, f), func() { f.Close() }
}

// browse signs in at the address in args as the person the environment
// names, and waits until the provider has redirected to Dialtone.
func browse(args []string, getenv func(string) string, log io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: winbrowser URL")
	}
	b := &authtest.FormBrowser{Username: getenv("DIALTONE_E2E_USER"), Password: getenv("DIALTONE_E2E_PASSWORD"), Timeout: timeout}
	if b.Username == "" || b.Password == "" {
		return errors.New("set DIALTONE_E2E_USER and DIALTONE_E2E_PASSWORD")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := args[len(args)-1]
	fmt.Fprintf(log, "testbrowser: opening %s\n", redact(start))
	if err := b.Open(ctx, start); err != nil {
		return err
	}
	if err := b.Wait(ctx); err != nil {
		return fmt.Errorf("the sign-in stopped at %s: %w", redact(b.Last().LastURL), err)
	}
	fmt.Fprintf(log, "testbrowser: delivered the callback after %d requests\n", len(b.Last().Visited))
	return nil
}

// redact is s without its query and fragment, which carry the state, the
// PKCE challenge or an authorization code.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(not a URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}
