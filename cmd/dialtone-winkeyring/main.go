// Command dialtone-winkeyring looks into the Windows Credential Manager for Dialtone's
// end-to-end tests under wine: a Windows program, cross-compiled by the
// tests and run in the same wine prefix as dialtone.com, that reads the
// refresh token Dialtone stored for one account through Dialtone's own
// keyring code (internal/keyring over go-keyring's wincred backend).
//
//	winkeyring ISSUER CLIENT_ID SUBJECT
//
// It prints the refresh token and exits 0; it exits 3 when the Credential
// Manager holds none for the account, and 1 on any other failure. The
// tests keep the token in memory only, to compare and to scan files for.
// Nothing of it ships.
//
// It must never import Fyne or the UI: it reads the keyring as the app's
// session store does, and nothing more.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"dialtone/internal/keyring"
	"dialtone/internal/session"
)

// Exit codes.
const (
	found    = 0
	failed   = 1
	noSecret = 3
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: winkeyring ISSUER CLIENT_ID SUBJECT")
		return failed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	item, err := (&keyring.Store{}).Get(ctx, session.SecretKey(args[0], args[1], args[2]))
	if errors.Is(err, keyring.ErrNoSecret) {
		return noSecret
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "winkeyring:", err)
		return failed
	}
	token, issuer, err := session.StoredRefreshToken(item)
	if err != nil {
		fmt.Fprintln(os.Stderr, "winkeyring:", err)
		return failed
	}
	if issuer != args[0] {
		fmt.Fprintf(os.Stderr, "winkeyring: the item names the issuer %q, want %q\n", issuer, args[0])
		return failed
	}
	fmt.Print(token)
	return found
}
