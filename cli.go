package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"dialtone/auth"
)

// Exit codes of the command line, documented in the README.
const (
	exitOK          = 0
	exitFailure     = 1 // an unexpected local failure
	exitUsage       = 2
	exitRefused     = 3 // authentication refused or failed a check
	exitUnreachable = 4 // the directory or the identity provider could not be reached
	exitCancelled   = 5 // cancelled or timed out
)

// cli is the command-line twin of the app: the same auth engine, driven
// from a terminal. Its output is JSON on stdout and one line per problem
// on stderr.
type cli struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// sessions returns the session keeper over the OS keyring and the
// metadata directory (DIALTONE_CONFIG_DIR, else the user config dir).
func (c *cli) sessions(client *auth.Client) *auth.Sessions {
	return auth.NewSessions(client, &auth.Keyring{}, &auth.MetadataStore{Dir: c.getenv("DIALTONE_CONFIG_DIR")})
}

// usageError is a problem with the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// loginFlags are the flags of "dialtone login".
type loginFlags struct {
	email, provider, providersFile, directory, browser string
	timeout                                            time.Duration
	debug                                              bool
}

func (c *cli) parseLogin(args []string) (*loginFlags, error) {
	fs := flag.NewFlagSet("dialtone login", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	f := &loginFlags{}
	fs.StringVar(&f.email, "email", "", "your work email (required)")
	fs.StringVar(&f.provider, "provider", "", "the id of the provider to use when the account has several")
	fs.StringVar(&f.providersFile, "providers", "", "read the provider list from this file instead of a directory")
	fs.StringVar(&f.directory, "directory", c.getenv("DIALTONE_DIRECTORY"), "the provider directory's URL (env DIALTONE_DIRECTORY)")
	fs.StringVar(&f.browser, "browser-command", c.getenv("DIALTONE_BROWSER"), "run this command with the sign-in URL instead of the system browser (env DIALTONE_BROWSER)")
	fs.DurationVar(&f.timeout, "timeout", auth.DefaultTimeout, "how long to wait for the browser")
	fs.BoolVar(&f.debug, "debug", false, "log what Dialtone does to stderr (never tokens)")
	if err := fs.Parse(args); err != nil {
		return nil, &usageError{err.Error()}
	}
	switch {
	case fs.NArg() > 0:
		return nil, &usageError{"unexpected argument " + fs.Arg(0)}
	case f.email == "":
		return nil, &usageError{"--email is required"}
	case f.providersFile != "" && f.directory != "":
		return nil, &usageError{"give either --providers or --directory, not both"}
	case f.providersFile == "" && f.directory == "":
		return nil, &usageError{"give --providers FILE or --directory URL (or set DIALTONE_DIRECTORY)"}
	case f.timeout <= 0:
		return nil, &usageError{"--timeout must be positive"}
	}
	return f, nil
}

// login runs "dialtone login".
func (c *cli) login(ctx context.Context, args []string) int {
	f, err := c.parseLogin(args)
	if err != nil {
		return c.fail(err)
	}
	email, err := auth.NormalizeEmail(f.email)
	if err != nil {
		return c.fail(&usageError{auth.Describe(err)})
	}
	list, err := c.providers(ctx, f, email)
	if err != nil {
		return c.fail(err)
	}
	p, err := chooseProvider(list, f.provider, email)
	if err != nil {
		return c.fail(err)
	}
	client, err := c.authClient(f)
	if err != nil {
		return c.fail(err)
	}
	s, err := c.sessions(client).Login(ctx, auth.LoginRequest{Provider: p, Email: email, OnBrowser: c.onBrowser(p, f.timeout)})
	if err != nil {
		return c.fail(err)
	}
	c.warnUnsaved(s)
	return c.printSession(s)
}

func (c *cli) authClient(f *loginFlags) (*auth.Client, error) {
	b, err := browserFor(f.browser)
	if err != nil {
		return nil, err
	}
	return auth.NewClient(auth.Config{Browser: b, Timeout: f.timeout, Logger: c.logger(f.debug)}), nil
}

// providers reads the provider list from the file or the directory.
func (c *cli) providers(ctx context.Context, f *loginFlags, email string) (*auth.ProviderList, error) {
	if f.providersFile == "" {
		d := &auth.Directory{URL: f.directory}
		return d.Lookup(ctx, email)
	}
	file, err := os.Open(f.providersFile)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("cannot read the provider list: %v", err)}
	}
	defer file.Close()
	list, err := auth.ParseProviderList(file)
	if err != nil {
		return nil, &usageError{fmt.Sprintf("the provider list %s is not valid: %v", f.providersFile, strings.TrimPrefix(err.Error(), "auth: provider configuration: "))}
	}
	return list, nil
}

// chooseProvider picks the provider to sign in with: the one named by
// --provider, or the only one offered. An enforced provider excludes all
// others.
func chooseProvider(list *auth.ProviderList, id, email string) (auth.Provider, error) {
	offered := list.Enforced()
	if len(offered) == 0 {
		return auth.Provider{}, errNoProvider{email}
	}
	var ids []string
	for _, p := range offered {
		if p.ID == id || (id == "" && len(offered) == 1) {
			return p, nil
		}
		ids = append(ids, p.ID)
	}
	if id == "" {
		return auth.Provider{}, &usageError{"your account offers several providers; choose one with --provider: " + strings.Join(ids, ", ")}
	}
	return auth.Provider{}, &usageError{fmt.Sprintf("your account does not offer the provider %q; choose one of: %s", id, strings.Join(ids, ", "))}
}

// errNoProvider reports an email for which no single sign-on is set up.
type errNoProvider struct{ email string }

func (e errNoProvider) Error() string {
	return "No single sign-on is set up for " + e.email + ". Check the address, or ask your admin to set up single sign-on."
}

func (c *cli) onBrowser(p auth.Provider, timeout time.Duration) func(string, error) {
	return func(url string, err error) {
		if err != nil {
			fmt.Fprintf(c.stderr, "Could not open a browser (%v).\nOpen this address in your browser to sign in at %s:\n\n  %s\n\nWaiting up to %s; press Ctrl-C to cancel.\n", err, p.Name, url, timeout)
			return
		}
		fmt.Fprintf(c.stderr, "Sign in at %s in your browser. Waiting up to %s; press Ctrl-C to cancel.\n", p.Name, timeout)
	}
}

func (c *cli) printSession(s *auth.Session) int {
	out := struct {
		Email     string `json:"email"`
		Subject   string `json:"subject"`
		Issuer    string `json:"issuer"`
		Provider  string `json:"provider"`
		ExpiresAt string `json:"expires_at"`
	}{s.Email, s.Subject, s.Issuer, s.ProviderID, s.ExpiresAt.UTC().Format(time.RFC3339)}
	if err := json.NewEncoder(c.stdout).Encode(out); err != nil {
		fmt.Fprintf(c.stderr, "dialtone: could not write the result: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// fail prints one line saying what happened and what to do, and returns
// the exit code for err.
func (c *cli) fail(err error) int {
	code := exitCode(err)
	msg := auth.Describe(err)
	var ue *usageError
	var np errNoProvider
	switch {
	case errors.As(err, &ue):
		msg = ue.msg + " (see dialtone help)"
	case errors.As(err, &np):
		msg = np.Error()
	}
	fmt.Fprintln(c.stderr, "dialtone: "+msg)
	if code == exitRefused || code == exitFailure {
		fmt.Fprintln(c.stderr, "dialtone: details for your admin: "+err.Error())
	}
	return code
}

// exitCode maps an error to the command line's exit code.
func exitCode(err error) int {
	var (
		ue   *usageError
		np   errNoProvider
		pe   *auth.ProviderError
		ve   *auth.VerificationError
		ee   *auth.EmailError
		ce   *auth.ConfigError
		ne   *auth.NetworkError
		port *auth.PortInUseError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, auth.ErrTimeout), errors.Is(err, auth.ErrCancelled):
		return exitCancelled
	case errors.As(err, &np), errors.As(err, &pe), errors.As(err, &ve), errors.As(err, &ee), errors.As(err, &ce), errors.Is(err, auth.ErrLoginRequired):
		return exitRefused
	case errors.As(err, &ne), errors.As(err, &port), errors.Is(err, auth.ErrOffline):
		return exitUnreachable
	}
	return exitFailure
}

// warnUnsaved says when a session will not survive a restart.
func (c *cli) warnUnsaved(s *auth.Session) {
	if s.KeyringErr != nil {
		fmt.Fprintln(c.stderr, "dialtone: "+auth.Describe(s.KeyringErr))
	}
	if s.StoreErr != nil {
		fmt.Fprintf(c.stderr, "dialtone: you are signed in, but Dialtone could not save the session (%v); you will sign in again next time.\n", s.StoreErr)
	}
}
