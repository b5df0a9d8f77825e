// Command dialtone-testbrowser is the system browser of Dialtone's end-to-end tests.
// Dialtone runs it as its browser command (DIALTONE_BROWSER or
// --browser-command) with the sign-in address as the last argument.
//
// It starts Debian's headless Chromium through chromedp with a fresh profile,
// opens the address, signs in at the provider's own login form as a person
// would (zitadel's example provider: username and password; oidc-provider's
// devInteractions: login and password, then Continue on the consent page),
// and waits until the browser shows Dialtone's page on the loopback redirect
// URI: "You are signed in", or an error page. Then it exits 0; on any other
// outcome it says why on stderr and exits 1. Every step is bounded in time,
// and it visits loopback addresses only.
//
// Dialtone discards a browser command's output, so the environment says
// where to leave traces:
//
//	DIALTONE_E2E_USER, DIALTONE_E2E_PASSWORD  the credentials to type (required)
//	DIALTONE_E2E_BROWSER_LOG   append what it does, and Chromium's output, to this file;
//	                           a run's first line is "testbrowser: start", its last
//	                           "testbrowser: exit N", written once Chromium has stopped
//	DIALTONE_E2E_BROWSER_SHOT  save a PNG of the last page to this file
//	DIALTONE_E2E_BROWSER_GATE  wait until this file exists before opening the address
//	DIALTONE_E2E_CHROMIUM      the browser to start (default: chromium on PATH)
//
// It must never import a Dialtone package: it is the browser, outside the
// app it tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

// timeout bounds the whole run: starting Chromium, the sign-in, closing.
const timeout = 90 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Getenv))
}

func run(args []string, getenv func(string) string) int {
	log, closeLog := openLog(getenv("DIALTONE_E2E_BROWSER_LOG"))
	defer closeLog()
	fmt.Fprintln(log, startLine)
	code := 0
	if err := browse(args, getenv, log); err != nil {
		fmt.Fprintln(log, "testbrowser:", err)
		code = 1
	}
	fmt.Fprintln(log, exitLine, code) // Chromium has stopped and its profile is gone
	return code
}

// The first and the last line of a run in the log; the tests wait until
// every run that started has exited.
const (
	startLine = "testbrowser: start"
	exitLine  = "testbrowser: exit"
)

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

// browse signs in at the address in args and saves the final page.
func browse(args []string, getenv func(string) string, log io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: testbrowser URL")
	}
	start, err := parseLoopbackURL(args[len(args)-1])
	if err != nil {
		return err
	}
	creds := credentials{user: getenv("DIALTONE_E2E_USER"), password: getenv("DIALTONE_E2E_PASSWORD")}
	if creds.user == "" || creds.password == "" {
		return errors.New("set DIALTONE_E2E_USER and DIALTONE_E2E_PASSWORD")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := waitForGate(ctx, getenv("DIALTONE_E2E_BROWSER_GATE")); err != nil {
		return err
	}
	fmt.Fprintf(log, "testbrowser: opening %s\n", redact(start))
	return withChromium(ctx, getenv("DIALTONE_E2E_CHROMIUM"), log, func(ctx context.Context) error {
		heading, err := signIn(ctx, start, creds, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "testbrowser: Dialtone's page says %q\n", heading)
		return saveScreenshot(ctx, getenv("DIALTONE_E2E_BROWSER_SHOT"))
	})
}

// parseLoopbackURL parses the address to open and refuses anything but
// http(s) on a loopback address: the tests never leave the machine.
func parseLoopbackURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("the address to open is not a URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("refusing to open %q: only http and https", u.Scheme)
	}
	if !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing to open %s: only loopback addresses", u.Hostname())
	}
	return u, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// redact is u without its query and fragment, which carry the state, the
// PKCE challenge or an authorization code.
func redact(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.Path
}

// waitForGate waits until the file at path exists; an empty path does not
// wait.
func waitForGate(ctx context.Context, path string) error {
	if path == "" {
		return nil
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting for the gate file %s: %w", path, ctx.Err())
		case <-tick.C:
		}
	}
}

// withChromium starts headless Chromium with a fresh profile, runs f in a
// tab, then closes the browser and removes the profile.
func withChromium(ctx context.Context, path string, log io.Writer, f func(context.Context) error) error {
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			return fmt.Errorf("chromium is not installed: %w", err)
		}
	}
	profile, err := os.MkdirTemp("", "testbrowser-profile-")
	if err != nil {
		return fmt.Errorf("could not make a profile directory: %w", err)
	}
	defer os.RemoveAll(profile)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		// Off the desktop's D-Bus: Chromium would start the accessibility
		// bus there, and it aborts with a crash dump when that bus goes away
		// while it closes.
		chromedp.Env("DBUS_SESSION_BUS_ADDRESS=disabled:"),
		chromedp.CombinedOutput(log),
	)
	defer cancelAlloc()
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	err = f(tabCtx)
	if cerr := chromedp.Cancel(tabCtx); cerr != nil && err == nil {
		fmt.Fprintln(log, "testbrowser: could not close Chromium gracefully:", cerr)
	}
	return err
}

// saveScreenshot saves a PNG of the page to path, if path is set.
func saveScreenshot(ctx context.Context, path string) error {
	if path == "" {
		return nil
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("could not take a screenshot: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("could not save the screenshot: %w", err)
	}
	return nil
}
