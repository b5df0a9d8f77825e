// Dialtone is a desktop softphone login client: it signs call-centre agents
// in through their company's single sign-on (OpenID Connect with PKCE in
// the system browser) and shows the dialer. Run without arguments for the
// desktop app; "dialtone help" lists the commands.
//
// This file is the only wiring point: it builds the auth, dialer and ui
// parts by hand and hands them to each other.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"fyne.io/fyne/v2/app"

	"dialtone/auth"
	"dialtone/cmd/dialtone-demo/demo"
	"dialtone/dialer"
	"dialtone/ui"
)

// version is Dialtone's version, shown in About and "dialtone help".
const version = "0.1.0"

// appID identifies Dialtone to Fyne (preferences, the desktop entry); it
// must match FyneApp.toml.
const appID = "io.dialtone.desktop"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' && args[0] != "-h" && args[0] != "-help" && args[0] != "--help" {
		return runApp(ctx, c, args)
	}
	switch args[0] {
	case "login":
		return c.login(ctx, args[1:])
	case "status":
		return c.status(ctx, args[1:])
	case "logout":
		return c.logout(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "dialtone: unknown command %q\n%s", args[0], usage)
	return exitUsage
}

const usage = `Usage:
  dialtone [--demo] [--debug]
                           start the desktop app; with no directory configured
                           (DIALTONE_DIRECTORY), or with --demo, it starts the
                           local demo identity provider and directory first
  dialtone login --email EMAIL [--provider ID] [--providers FILE | --directory URL]
                 [--browser-command CMD] [--timeout 5m] [--debug]
                           sign in through the browser and print the session as JSON
  dialtone status [--json] sign in silently with the stored session
  dialtone logout [--everywhere]
                           revoke the session at the provider and forget it here
  dialtone help            show this help

Exit codes: 0 signed in, 2 usage error, 3 sign-in refused or failed a check
(status: sign-in required), 4 directory or identity provider unreachable
(status: offline, the session is kept), 5 cancelled or timed out.

Environment: DIALTONE_DIRECTORY (the directory URL), DIALTONE_BROWSER (a
browser command), DIALTONE_CONFIG_DIR (where session metadata lives).
`

// appFlags are the desktop app's flags.
type appFlags struct {
	demo, debug bool
}

func parseAppFlags(c *cli, args []string) (*appFlags, error) {
	fs := flag.NewFlagSet("dialtone", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	f := &appFlags{}
	fs.BoolVar(&f.demo, "demo", false, "start the local demo identity provider and directory")
	fs.BoolVar(&f.debug, "debug", false, "log what Dialtone does to stderr (never tokens)")
	if err := fs.Parse(args); err != nil {
		return nil, &usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, &usageError{"unexpected argument " + fs.Arg(0)}
	}
	return f, nil
}

// runApp starts the desktop app, and the local demo first when asked or
// when no directory is configured.
func runApp(ctx context.Context, c *cli, args []string) int {
	f, err := parseAppFlags(c, args)
	if err != nil {
		return c.fail(err)
	}
	logger := c.logger(f.debug)
	place, err := c.appPlace()
	if err != nil {
		return c.fail(err)
	}
	if f.demo || place.directoryURL == "" {
		d, err := demo.Start(ctx, demo.Options{Logger: logger})
		if err != nil {
			fmt.Fprintln(c.stderr, "dialtone: could not start the demo:", err)
			return exitFailure
		}
		defer d.Close()
		fmt.Fprint(c.stderr, d.Instructions())
		place = demoPlace(d)
	}
	browser, err := c.browser()
	if err != nil {
		return c.fail(err)
	}
	client := auth.NewClient(auth.Config{Browser: browser, Timeout: auth.DefaultTimeout, Logger: logger})
	store := &auth.MetadataStore{Dir: place.configDir}
	sessions := auth.NewSessions(client, &auth.Keyring{Service: place.keyringService}, store)
	directory := &auth.Directory{URL: place.directoryURL, Cache: auth.MetadataDirectoryCache{Store: store}}
	history, err := dialer.OpenHistory(filepath.Join(place.configDir, "history.json"))
	if err != nil {
		fmt.Fprintln(c.stderr, "dialtone:", err) // the history is still usable
	}
	a := app.NewWithID(appID)
	ui.New(a, ui.Deps{
		Starter: sessions, Signer: sessions, Leaver: sessions, Keeper: sessions,
		Directory: directory, Browser: browser,
		Line: dialer.NoLine{}, History: history, Region: dialer.RegionFromLocale(c.getenv("LANG")),
		Version: version, LoginTimeout: auth.DefaultTimeout,
		OnScreen: func(name string) { logger.Debug("screen", "name", name) },
	}).Start(ctx)
	a.Run()
	return exitOK
}

// place is where the app finds its directory and keeps its session.
type place struct {
	directoryURL   string
	configDir      string
	keyringService string // "" means auth.DefaultKeyringService
}

func (c *cli) appPlace() (place, error) {
	dir, err := c.configDir()
	return place{directoryURL: c.getenv("DIALTONE_DIRECTORY"), configDir: dir}, err
}

// demoPlace keeps the demo's session apart from the agent's real one (its
// own keyring service and config folder), so trying the demo never
// replaces a real stored sign-in. Both are stable, so the demo signs in
// silently on its next start.
func demoPlace(d *demo.Demo) place {
	return place{directoryURL: d.DirectoryURL, configDir: filepath.Join(d.StateDir, "app"), keyringService: "dialtone-demo"}
}

// browser is the system browser, or DIALTONE_BROWSER's command.
func (c *cli) browser() (auth.Browser, error) {
	return browserFor(c.getenv("DIALTONE_BROWSER"))
}

// browserFor is the system browser when cmd is empty, else a browser that
// runs cmd with the URL.
func browserFor(cmd string) (auth.Browser, error) {
	if cmd == "" {
		return auth.SystemBrowser{}, nil
	}
	b, err := auth.NewCommandBrowser(cmd)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return b, nil
}

// configDir is DIALTONE_CONFIG_DIR, else the user config dir's dialtone.
func (c *cli) configDir() (string, error) {
	if dir := c.getenv("DIALTONE_CONFIG_DIR"); dir != "" {
		return dir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("dialtone: no config directory: %w", err)
	}
	return filepath.Join(base, "dialtone"), nil
}

// logger logs to stderr at debug level with --debug, else discards. Its
// handler redacts anything that looks like a secret.
func (c *cli) logger(debug bool) *slog.Logger {
	if !debug {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(auth.NewRedactingHandler(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
}
