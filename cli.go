package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"dialtone/internal/idp"
	"dialtone/internal/instance"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

// cli is the command-line twin of the app: the same parts, driven from a
// terminal. Its output is JSON or one sentence on stdout, and one line per
// problem on stderr; its exit codes are problem.Kind's.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	demo           bool // the command runs with --demo: an unreachable directory is the demo not running
}

// run is the whole program behind main, so tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' && !isHelp(args[0]) || isLink(args[0]) {
		return runApp(ctx, c, args)
	}
	switch args[0] {
	case "login":
		return c.login(ctx, args[1:])
	case "status":
		return c.status(ctx, args[1:])
	case "logout":
		return c.logout(ctx, args[1:])
	case "line":
		return c.lineCmd(ctx, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return problem.ExitOK
	}
	fmt.Fprintf(stderr, "dialtone: unknown command %q\n%s", args[0], usageText)
	return problem.ExitUsage
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// isLink reports whether arg is a tel: or callto: link, dialable or not: a
// link opens the app (Windows and xdg-open start `dialtone "tel:+1…"`).
func isLink(arg string) bool {
	_, err := instance.ParseDialURI(arg)
	return !errors.Is(err, instance.ErrNotDialURI)
}

const usageText = `Usage:
  dialtone [--demo] [--debug] [tel:NUMBER | callto:NUMBER]
                           start the desktop app; with no directory configured
                           (DIALTONE_DIRECTORY), or with --demo, it starts the
                           local demo identity provider and directory first.
                           When it already runs, bring its window to the front
                           (with the link's number in the dialer) and exit
  dialtone login --email EMAIL [--provider ID] [--providers FILE | --directory URL]
                 [--demo] [--browser-command CMD] [--timeout 5m] [--debug]
                           sign in through the browser and print the session as JSON
  dialtone status [--json] [--demo] [--debug]
                           sign in silently with the stored session
  dialtone logout [--everywhere] [--demo] [--browser-command CMD] [--debug]
                           revoke the session at the provider and forget it here
  dialtone line [--json] [--stay] [--directory URL] [--demo] [--debug]
                           sign in silently and register the account's phone
                           line once (or, with --stay, until Ctrl-C); the
                           directory says which line that is now, else the one
                           kept with the session
  dialtone help            show this help

--demo, for the commands: use the local demo that "dialtone --demo" or
"go run ./cmd/dialtone-demo" runs — its directory (http://127.0.0.1:8470,
unless --directory names another), its folder and its own keyring service,
as the app's demo does, so a real sign-in is never touched.

Exit codes: 0 done, 1 a local failure (a port in use, the config folder),
2 usage error (line: no phone line set up), 3 sign-in refused or failed a
check (status: sign-in required; line: the phone system refused the line),
4 directory, identity provider or registrar unreachable (status: offline,
the session is kept), 5 cancelled or timed out, 6 the system keyring is not
available.

Environment: DIALTONE_DIRECTORY (the directory URL), DIALTONE_BROWSER (a
browser command), DIALTONE_CONFIG_DIR (where session metadata lives).
`

// usage is a problem.UsageError saying msg.
func usage(msg string) error { return &problem.UsageError{Msg: msg} }

// flags parses args for the command name into s, with the shared flags
// named in common registered the same way for every command, plus extra.
// A command with --demo uses the running demo's settings (useRunningDemo);
// the app starts its demo itself (startDemo).
func (c *cli) flags(name string, args []string, s *settings, common []string, extra func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	for _, f := range common {
		sharedFlags[f](fs, s)
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return usage(err.Error())
	}
	if fs.NArg() > 0 {
		return usage("unexpected argument " + fs.Arg(0))
	}
	if s.demo && name != appFlags {
		c.demo = true
		return s.useRunningDemo(flagValue(fs, "directory"))
	}
	return nil
}

// appFlags is the name of the app's flag set, which runApp parses.
const appFlags = "dialtone"

// flagValue is the value of the flag name when it was given, else "".
func flagValue(fs *flag.FlagSet, name string) string {
	v := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			v = f.Value.String()
		}
	})
	return v
}

// sharedFlags are the flags that mean the same in the app and every
// command, with their environment defaults already in settings.
var sharedFlags = map[string]func(*flag.FlagSet, *settings){
	"debug": func(fs *flag.FlagSet, s *settings) {
		fs.BoolVar(&s.debug, "debug", s.debug, "log what Dialtone does to stderr (never tokens)")
	},
	"demo": func(fs *flag.FlagSet, s *settings) {
		fs.BoolVar(&s.demo, "demo", s.demo, "use the local demo (the app starts it; commands use the running one): its directory, folder and keyring service")
	},
	"directory": func(fs *flag.FlagSet, s *settings) {
		fs.StringVar(&s.directoryURL, "directory", s.directoryURL, "the provider directory's URL (env DIALTONE_DIRECTORY)")
	},
	"browser-command": func(fs *flag.FlagSet, s *settings) {
		fs.StringVar(&s.browserCommand, "browser-command", s.browserCommand, "run this command with the address instead of the system browser (env DIALTONE_BROWSER)")
	},
	"timeout": func(fs *flag.FlagSet, s *settings) {
		fs.DurationVar(&s.timeout, "timeout", s.timeout, "how long to wait for the browser")
	},
}

// fail prints one line saying what happened and what to do and, when an
// admin needs them, the details; it returns the exit code for err.
func (c *cli) fail(err error) int {
	kind := problem.Classify(err)
	msg := problem.Describe(err)
	if kind == problem.Usage {
		msg += " (see dialtone help)"
	}
	fmt.Fprintln(c.stderr, "dialtone: "+msg)
	if c.demo && kind == problem.Unreachable {
		fmt.Fprintln(c.stderr, "dialtone: is the demo running? Start it with \"dialtone --demo\" or \"go run ./cmd/dialtone-demo\", then try again.")
	}
	if kind.ForAdmin() {
		fmt.Fprintln(c.stderr, "dialtone: details for your admin: "+err.Error())
	}
	return kind.ExitCode()
}

// printSession prints s as the JSON object login and status --json print.
func (c *cli) printSession(s *session.Session) int {
	out := struct {
		Email     string `json:"email"`
		Subject   string `json:"subject"`
		Issuer    string `json:"issuer"`
		Provider  string `json:"provider"`
		ExpiresAt string `json:"expires_at"`
	}{s.Email, s.Subject, s.Issuer, s.ProviderID, s.ExpiresAt.UTC().Format(time.RFC3339)}
	if err := json.NewEncoder(c.stdout).Encode(out); err != nil {
		fmt.Fprintf(c.stderr, "dialtone: could not write the result: %v\n", err)
		return problem.ExitFailure
	}
	return problem.ExitOK
}

// warnUnsaved says when a session will not survive a restart.
func (c *cli) warnUnsaved(s *session.Session) {
	if s.KeyringErr != nil {
		fmt.Fprintln(c.stderr, "dialtone: "+problem.Describe(s.KeyringErr))
	}
	if s.StoreErr != nil {
		fmt.Fprintf(c.stderr, "dialtone: you are signed in, but Dialtone could not save the session (%v); you will sign in again next time.\n", s.StoreErr)
	}
}

// onBrowser tells the agent where to sign in, or the address to copy.
func (c *cli) onBrowser(p idp.Provider, timeout time.Duration) func(string, error) {
	return func(url string, err error) {
		if err != nil {
			fmt.Fprintf(c.stderr, "Could not open a browser (%v).\nOpen this address in your browser to sign in at %s:\n\n  %s\n\nWaiting up to %s; press Ctrl-C to cancel.\n", err, p.Name, url, timeout)
			return
		}
		fmt.Fprintf(c.stderr, "Sign in at %s in your browser. Waiting up to %s; press Ctrl-C to cancel.\n", p.Name, timeout)
	}
}

// describeLogout says what a sign-out did at the provider.
func describeLogout(res session.LogoutResult) string {
	switch {
	case res.RevokeErr != nil:
		return fmt.Sprintf("signed out on this computer, but the identity provider could not be told (%v); the session there ends when it expires.", res.RevokeErr)
	case res.Revoked:
		return "signed out; the identity provider revoked the session."
	}
	return "signed out on this computer."
}

// chooseProvider picks the provider to sign in with: the one named by id,
// or the only one offered (an enforced provider excludes all others). When
// the agent must choose, the vocabulary's sentence lists the providers; the
// command line adds only the flag that takes the choice.
func chooseProvider(list *idp.ProviderList, id, email string) (idp.Provider, error) {
	list.Email = email
	p, err := list.Choose(id)
	var ce *idp.ChoiceError
	if errors.As(err, &ce) {
		return p, &problem.UsageError{Msg: problem.Describe(err) + " Give it with --provider ID.", Err: err}
	}
	return p, err
}
