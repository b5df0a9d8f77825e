package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/browser"
	"dialtone/internal/demoproc"
	"dialtone/internal/directory"
	"dialtone/internal/earlylog"
	"dialtone/internal/instance"
	"dialtone/internal/keyring"
	"dialtone/internal/platform"
	"dialtone/internal/problem"
	"dialtone/internal/redact"
	"dialtone/internal/session"
	"dialtone/ui"

	"fyne.io/fyne/v2/app"
)

// version is Dialtone's version, shown in About and "dialtone help".
const version = "0.2.0"

// appID identifies Dialtone to Fyne (preferences, the desktop entry); it
// must match FyneApp.toml.
const appID = "io.dialtone.desktop"

// forceExitAfter is how long Dialtone may take to wind down after Ctrl-C
// or SIGTERM (cancel the sign-in, unregister the line, save the window
// size) before it exits anyway: a signal always ends the process.
const forceExitAfter = 5 * time.Second

func main() {
	os.Exit(runProcess(os.Args[1:]))
}

// runProcess is run as a process: Ctrl-C and SIGTERM cancel what is in
// flight, and end the process after forceExitAfter if that takes longer.
func runProcess(args []string) int {
	keyring.NoAutolaunch() // no session bus: no D-Bus daemon is started that would outlive Dialtone
	startProfile(os.Getenv("DIALTONE_PROFILE"), os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, func() {
		time.AfterFunc(forceExitAfter, func() {
			// Whatever is stuck is a bug: say where, for the report (stacks
			// hold no secret), and end anyway.
			fmt.Fprintf(os.Stderr, "dialtone: still running %s after the signal; stopping now. Where it was:\n", forceExitAfter)
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
			os.Exit(problem.ExitCancelled)
		})
	})
	return run(ctx, args, os.Stdout, os.Stderr, os.Getenv)
}

// settings are what the environment and the flags choose. The app and every
// command read them the same way: a flag or variable means the same
// everywhere.
type settings struct {
	directoryURL   string        // --directory, DIALTONE_DIRECTORY, else what the installer set (platform.DirectoryURL)
	configDir      string        // DIALTONE_CONFIG_DIR; "" means platform.ConfigDir
	keyringService string        // "" means keyring.DefaultService; the demo has its own
	browserCommand string        // --browser-command, DIALTONE_BROWSER; "" means the system browser
	timeout        time.Duration // --timeout: how long a browser sign-in may take
	debug          bool          // --debug: log each step to stderr, redacted
	demo           bool          // --demo: use the local demo's directory, folder and keyring service
}

// settingsFrom reads the environment and, where it says nothing, what the
// installer set (on Windows, the MSI's DIRECTORYURL in the registry); flags
// parsed later override both.
func settingsFrom(getenv func(string) string) settings {
	s := settings{
		directoryURL:   getenv("DIALTONE_DIRECTORY"),
		configDir:      getenv("DIALTONE_CONFIG_DIR"),
		browserCommand: getenv("DIALTONE_BROWSER"),
		timeout:        auth.DefaultTimeout,
	}
	if s.directoryURL == "" {
		s.directoryURL, _ = platform.DirectoryURL() // unreadable is unset: the window says SSO is not set up
	}
	return s
}

// parts are Dialtone's pieces, made by build and shared by the app and the
// commands.
type parts struct {
	logger    *slog.Logger
	browser   auth.Browser
	client    *auth.Client
	folder    *session.Folder
	sessions  *session.Store
	directory *directory.Client
}

// build makes Dialtone's parts for s, logging to stderr.
func build(s settings, stderr io.Writer) (*parts, error) {
	b, err := browserFor(s.browserCommand)
	if err != nil {
		return nil, err
	}
	p := &parts{logger: newLogger(s.debug, stderr), browser: b}
	routeStdLog(p.logger)
	p.client = auth.NewClient(auth.Config{Browser: b, Timeout: s.timeout, Logger: p.logger})
	dir, err := s.configFolder()
	if err != nil {
		return nil, err
	}
	p.folder = &session.Folder{Dir: dir}
	keys := &keyring.Store{Service: s.keyringService}
	p.sessions = session.NewStore(p.client, keys, p.folder)
	p.directory = &directory.Client{URL: s.directoryURL, Cache: session.DirectoryCache{Folder: p.folder, Keys: keys}}
	return p, nil
}

// browserFor is the system browser when cmd is empty, else a browser that
// runs cmd with the URL.
func browserFor(cmd string) (auth.Browser, error) {
	if cmd == "" {
		return browser.System{}, nil
	}
	b, err := browser.NewCommand(cmd)
	if err != nil {
		return nil, usage("--browser-command: " + err.Error())
	}
	return b, nil
}

// newLogger logs at debug level with debug, else discards: to w and to the
// log file in platform.LogDir (on Windows the app has no stderr to read).
// Its handler redacts anything that looks like a secret.
func newLogger(debug bool, w io.Writer) *slog.Logger {
	if !debug {
		return slog.New(slog.DiscardHandler)
	}
	if f := logFile(); f != nil {
		w = io.MultiWriter(w, f)
	}
	return slog.New(redact.NewHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// logFile is the log file, opened once; nil when it cannot be opened (the
// log still goes to stderr).
var logFile = sync.OnceValue(func() *os.File {
	f, err := platform.OpenLog()
	if err != nil {
		return nil
	}
	return f
})

// routeStdLog sends the standard logger, which Fyne writes its messages to,
// into logger at debug level: an agent's terminal shows only Dialtone's own
// lines, and --debug shows Fyne's too (including those it wrote while its
// packages initialised, which earlylog held).
func routeStdLog(logger *slog.Logger) {
	w := stdLogWriter{logger}
	if held := earlylog.Release(w); held != "" {
		_, _ = w.Write([]byte(held))
	}
}

// stdLogWriter writes the standard logger's lines to a slog.Logger.
type stdLogWriter struct{ logger *slog.Logger }

func (w stdLogWriter) Write(p []byte) (int, error) {
	for line := range strings.Lines(string(p)) {
		w.logger.Debug("log", "line", strings.TrimSpace(line))
	}
	return len(p), nil
}

// configFolder is s.configDir, else the platform's folder for Dialtone
// (%AppData%\Dialtone, ~/.config/dialtone, ~/Library/Application
// Support/Dialtone).
func (s settings) configFolder() (string, error) {
	if s.configDir != "" {
		return s.configDir, nil
	}
	return platform.ConfigDir()
}

// runApp starts the desktop app, and the local demo first when asked or
// when no directory is configured. Only one app runs per user
// (internal/instance): when one already runs, this launch hands it its
// tel: or callto: link, or nothing, and exits 0; the running window comes
// to the front with the number in the dialer.
func runApp(ctx context.Context, c *cli, args []string) int {
	go dialer.Preload() // on another core while the window is made; not before its first frame
	s := settingsFrom(c.getenv)
	links, args := splitLinks(args)
	if err := c.flags(appFlags, args, &s, []string{"demo", "debug"}, nil); err != nil {
		return c.fail(err)
	}
	running, err := acquire(ctx, s, links)
	switch {
	case errors.Is(err, instance.ErrHandedOff):
		return problem.ExitOK // the running window has the links and comes to the front
	case err != nil && ctx.Err() != nil:
		return problem.ExitCancelled
	case err != nil:
		fmt.Fprintf(c.stderr, "dialtone: could not make sure that only one Dialtone window runs, so none opens: %v\n", err)
		return problem.ExitFailure
	}
	defer running.Close()
	if s.demo || s.directoryURL == "" {
		d, err := startDemo(ctx, &s, c.stderr)
		switch {
		case err == nil:
			defer d.Close()
		case s.demo:
			fmt.Fprintln(c.stderr, "dialtone: could not start the demo:", err)
			return problem.ExitFailure
		default:
			// An installed Dialtone without a directory: the window opens
			// and says single sign-on is not set up (directory_url).
			fmt.Fprintln(c.stderr, "dialtone: no provider directory is configured: set DIALTONE_DIRECTORY to your company's directory URL; the local demo is not available here:", err)
		}
	}
	p, err := build(s, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	// With --debug, which directory: the environment's, the installer's or the demo's.
	p.logger.Debug("directory", "url", s.directoryURL)
	keeper := agent.New(p.sessions, lineFinder(p), p.browser, p.logger)
	// Before the window: the silent sign-in and the line's registration overlap with its creation.
	starter := resumeEarly(ctx, p.sessions, keeper.Warm)
	dir, err := s.configFolder()
	if err != nil {
		return c.fail(err)
	}
	history, err := dialer.OpenHistory(filepath.Join(dir, "history.json"))
	if err != nil {
		fmt.Fprintln(c.stderr, "dialtone:", err) // the history is still usable
	}
	a := app.NewWithID(appID)
	w := ui.New(a, ui.Deps{
		Starter: starter, Signer: p.sessions, Keeper: keeper,
		Directory: p.directory, Browser: p.browser,
		Line: dialer.NoLine{}, History: history, Region: dialer.RegionFromLocale(c.getenv("LANG")),
		Version: version, LoginTimeout: s.timeout, NoTray: !keyring.HasSessionBus(),
		OnScreen: func(name string) {
			p.logger.Debug("screen", "name", name)
			if name != "starting" {
				settle()
			}
		},
	})
	w.Start(ctx)
	p.logger.Debug("window shown") // its first frame is painted (.ci/bench times it)
	if len(links) > 0 {
		openHandoff(w, links, p.logger) // this launch's own link waits for the dialer
	}
	go followHandoffs(running, w, p.logger)
	a.Run()
	p.logger.Debug("window closed")
	return problem.ExitOK
}

// startDemo starts the local demo's identity provider and directory in a
// process of their own (internal/demoproc) and points s at them. The demo's
// session has its own keyring service and folder, so trying the demo never
// replaces a real stored sign-in; both are stable, so the demo signs in
// silently on its next start.
func startDemo(ctx context.Context, s *settings, stderr io.Writer) (*demoproc.Demo, error) {
	fmt.Fprintln(stderr, "dialtone: no provider directory is configured (DIALTONE_DIRECTORY): starting the local demo…")
	d, err := demoproc.Start(ctx, demoproc.Options{Debug: s.debug, Stderr: stderr})
	if err != nil {
		return nil, err
	}
	s.useDemo(d.DirectoryURL, d.StateDir)
	return d, nil
}

// The local demo's settings, as internal/demo (which the app must not
// carry) defines them: its directory's address, its state folder under the
// user cache folder, and the keyring service of the demo's session.
// TestDemoSettingsAreTheDemos checks them against internal/demo.
const (
	demoDirectoryURL   = "http://127.0.0.1:8470"
	demoStateDirName   = "dialtone-demo"
	demoKeyringService = "dialtone-demo"
)

// useDemo points s at the local demo whose directory is at directoryURL
// and whose state is in stateDir: the session's metadata in its app folder
// and the refresh token under the demo's keyring service, so trying the
// demo never replaces a real stored sign-in. The app (with the demo it
// starts) and every command with --demo (with the demo running already)
// both go through it.
func (s *settings) useDemo(directoryURL, stateDir string) {
	s.directoryURL, s.configDir, s.keyringService = directoryURL, filepath.Join(stateDir, "app"), demoKeyringService
}

// useRunningDemo points a command's s at the demo the app or
// cmd/dialtone-demo runs with its defaults: its directory unless
// directoryURL names another, its state folder in the user cache folder.
func (s *settings) useRunningDemo(directoryURL string) error {
	cache, err := os.UserCacheDir()
	if err != nil {
		return &problem.UsageError{Msg: "--demo: Dialtone cannot find the demo's folder (no user cache folder); set HOME or XDG_CACHE_HOME", Err: err}
	}
	if directoryURL == "" {
		directoryURL = demoDirectoryURL
	}
	s.useDemo(directoryURL, filepath.Join(cache, demoStateDirName))
	return nil
}

// settleAfter is how long after the first working screen (the dialer, or
// the email screen) settle gives memory back.
const settleAfter = time.Second

var settleOnce sync.Once

// settle returns to the operating system, once the launch is over, the
// memory the launch used and no longer needs (decoded session metadata,
// fonts measured once, the TLS handshake): Go would keep it for minutes.
func settle() {
	settleOnce.Do(func() { time.AfterFunc(settleAfter, debug.FreeOSMemory) })
}
