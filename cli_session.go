package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"dialtone/auth"
)

// status runs "dialtone status": a silent sign-in with the stored session.
// Exit 0 signed in (the same JSON as login with --json), 3 sign-in
// required, 4 offline (the session is kept).
func (c *cli) status(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("dialtone status", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	asJSON := fs.Bool("json", false, "print the session as JSON")
	debug := fs.Bool("debug", false, "log what Dialtone does to stderr (never tokens)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return c.fail(&usageError{"usage: dialtone status [--json]"})
	}
	client, _ := c.authClient(&loginFlags{timeout: auth.DefaultTimeout, debug: *debug})
	s, err := c.sessions(client).Resume(ctx)
	if err != nil {
		return c.fail(err)
	}
	c.warnUnsaved(s)
	if *asJSON {
		return c.printSession(s)
	}
	fmt.Fprintf(c.stdout, "Signed in as %s at %s until %s.\n", s.Email, s.Issuer, s.ExpiresAt.Local().Format(time.DateTime))
	return exitOK
}

// logout runs "dialtone logout": revoke at the provider, forget locally.
func (c *cli) logout(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("dialtone logout", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	everywhere := fs.Bool("everywhere", false, "also end the identity provider's session in the browser")
	browserCmd := fs.String("browser-command", c.getenv("DIALTONE_BROWSER"), "run this command with the sign-out URL instead of the system browser")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return c.fail(&usageError{"usage: dialtone logout [--everywhere]"})
	}
	b, err := browserFor(*browserCmd)
	if err != nil {
		return c.fail(err)
	}
	res, err := c.sessions(auth.NewClient(auth.Config{Browser: b})).Logout(ctx, *everywhere)
	if err != nil {
		return c.fail(err)
	}
	switch {
	case res.RevokeErr != nil:
		fmt.Fprintf(c.stderr, "dialtone: signed out on this computer, but the identity provider could not be told (%v); the session there ends when it expires.\n", res.RevokeErr)
	case res.Revoked:
		fmt.Fprintln(c.stderr, "dialtone: signed out; the identity provider revoked the session.")
	default:
		fmt.Fprintln(c.stderr, "dialtone: signed out on this computer.")
	}
	if res.EndSessionURL != "" {
		c.openEndSession(ctx, b, res.EndSessionURL)
	}
	return exitOK
}

func (c *cli) openEndSession(ctx context.Context, b auth.Browser, url string) {
	if err := b.Open(ctx, url); err != nil {
		fmt.Fprintf(c.stderr, "dialtone: open this address to sign out of the identity provider too:\n  %s\n", url)
	}
}
