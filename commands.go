package main

import (
	"context"
	"dialtone/internal/keyring"
	"dialtone/internal/session"
	"errors"
	"flag"
	"fmt"
	"time"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
)

// loginFlags are the flags of "dialtone login" beyond the shared ones.
type loginFlags struct {
	email, provider, providersFile string
}

// login runs "dialtone login": look up the providers, sign in through the
// browser, print the session as JSON.
func (c *cli) login(ctx context.Context, args []string) int {
	s := settingsFrom(c.getenv)
	var f loginFlags
	err := c.flags("dialtone login", args, &s, []string{"demo", "directory", "browser-command", "timeout", "debug"}, func(fs *flag.FlagSet) {
		fs.StringVar(&f.email, "email", "", "your work email (required)")
		fs.StringVar(&f.provider, "provider", "", "the id of the provider to use when the account has several")
		fs.StringVar(&f.providersFile, "providers", "", "read the provider list from this file instead of a directory")
	})
	if err == nil {
		err = f.check(s)
	}
	if err != nil {
		return c.fail(err)
	}
	p, err := build(s, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	email, err := idp.NormalizeEmail(f.email)
	if err != nil {
		return c.fail(&problem.UsageError{Msg: problem.Describe(err), Err: err})
	}
	list, err := c.providers(ctx, p, f, email)
	if err != nil {
		return c.fail(err)
	}
	provider, err := chooseProvider(list, f.provider, email)
	if err != nil {
		return c.fail(err)
	}
	sess, err := p.sessions.Login(ctx, session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: provider, Email: email, OnBrowser: c.onBrowser(provider, s.timeout)}, Line: list.Line})
	if err != nil {
		return c.fail(err)
	}
	c.warnUnsaved(sess)
	return c.printSession(sess)
}

// check refuses flag combinations that cannot work.
func (f loginFlags) check(s settings) error {
	switch {
	case f.email == "":
		return usage("--email is required")
	case f.providersFile != "" && s.directoryURL != "":
		return usage("give either --providers or --directory, not both")
	case f.providersFile == "" && s.directoryURL == "":
		return usage("give --providers FILE or --directory URL (or set DIALTONE_DIRECTORY)")
	case s.timeout <= 0:
		return usage("--timeout must be positive")
	}
	return nil
}

// providers reads the provider list from the file or the directory.
func (c *cli) providers(ctx context.Context, p *parts, f loginFlags, email string) (*idp.ProviderList, error) {
	if f.providersFile == "" {
		return p.directory.Lookup(ctx, email)
	}
	list, err := idp.ReadProviderListFile(f.providersFile)
	var ce *idp.ConfigError
	switch {
	case errors.As(err, &ce):
		return nil, &problem.UsageError{Msg: fmt.Sprintf("the provider list %s is not valid: %s: %s", f.providersFile, ce.Field, ce.Problem), Err: err}
	case err != nil:
		return nil, &problem.UsageError{Msg: fmt.Sprintf("cannot read the provider list %s: %v", f.providersFile, err), Err: err}
	}
	return list, nil
}

// status runs "dialtone status": a silent sign-in with the stored session.
// Exit 0 signed in (the same JSON as login with --json), 3 sign-in
// required, 4 offline (the session is kept), 6 no keyring.
func (c *cli) status(ctx context.Context, args []string) int {
	s := settingsFrom(c.getenv)
	var asJSON bool
	err := c.flags("dialtone status", args, &s, []string{"demo", "debug"}, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the session as JSON")
	})
	if err != nil {
		return c.fail(err)
	}
	p, err := build(s, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	sess, err := p.sessions.Resume(ctx)
	if err != nil {
		return c.fail(err)
	}
	c.warnUnsaved(sess)
	if asJSON {
		return c.printSession(sess)
	}
	fmt.Fprintf(c.stdout, "Signed in as %s at %s until %s.\n", sess.Email, sess.Issuer, sess.ExpiresAt.Local().Format(time.DateTime))
	return problem.ExitOK
}

// logout runs "dialtone logout": revoke at the provider, forget locally,
// and with --everywhere open the provider's sign-out page.
func (c *cli) logout(ctx context.Context, args []string) int {
	s := settingsFrom(c.getenv)
	var everywhere bool
	err := c.flags("dialtone logout", args, &s, []string{"demo", "browser-command", "debug"}, func(fs *flag.FlagSet) {
		fs.BoolVar(&everywhere, "everywhere", false, "also end the identity provider's session in the browser")
	})
	if err != nil {
		return c.fail(err)
	}
	p, err := build(s, c.stderr)
	if err != nil {
		return c.fail(err)
	}
	res, err := p.sessions.Logout(ctx, everywhere)
	if err != nil && !errors.Is(err, keyring.ErrUnavailable) {
		return c.fail(err) // nothing was forgotten
	}
	fmt.Fprintln(c.stderr, "dialtone: "+describeLogout(res))
	if res.EndSessionURL != "" {
		c.openEndSession(ctx, p.browser, res.EndSessionURL)
	}
	if err != nil {
		return c.fail(err)
	}
	return problem.ExitOK
}

func (c *cli) openEndSession(ctx context.Context, b auth.Browser, url string) {
	if err := b.Open(ctx, url); err != nil {
		fmt.Fprintf(c.stderr, "dialtone: open this address to sign out of the identity provider too:\n  %s\n", url)
	}
}
