package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"dialtone/auth/authtest"
)

// browseTimeout bounds the walk through the provider's pages.
const browseTimeout = 30 * time.Second

// browseCommand signs in at the provider's login form over HTTP, with
// authtest.FormBrowser, and delivers the callback to Dialtone. Dialtone
// discards a browser command's output, so it writes what went wrong to
// -log.
func browseCommand(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("dialtone-bench browse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "agent@acme.test", "the login name to type")
	password := fs.String("password", "dialtone-demo", "the password to type")
	logPath := fs.String("log", "", "append what happened to this `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("browse: give exactly one URL")
	}
	err := browse(fs.Arg(0), *user, *password)
	if *logPath != "" {
		logBrowse(*logPath, err)
	}
	return err
}

func browse(authURL, user, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), browseTimeout)
	defer cancel()
	b := &authtest.FormBrowser{Username: user, Password: password, Timeout: browseTimeout}
	if err := b.Open(ctx, authURL); err != nil {
		return fmt.Errorf("browse: %w", err)
	}
	if err := b.Wait(ctx); err != nil {
		return fmt.Errorf("browse: could not sign in (last page %s): %w", b.Last().LastURL, err)
	}
	return nil
}

// logBrowse appends the outcome to the file at path.
func logBrowse(path string, err error) {
	f, ferr := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if ferr != nil {
		return
	}
	defer f.Close()
	if err != nil {
		fmt.Fprintln(f, "dialtone-bench browse:", err)
		return
	}
	fmt.Fprintln(f, "dialtone-bench browse: signed in and delivered the callback")
}
