package session_test

import (
	"dialtone/internal/browser"
	"dialtone/internal/directory"
	"dialtone/internal/session"

	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"dialtone/auth"

	"dialtone/internal/keyring"
)

// Signing an agent in: look up the providers for the typed email, sign in
// through the system browser, and keep the session for the next launch.
func Example() {
	ctx := context.Background()
	email := "agent@acme.test"

	dir := &directory.Client{URL: "https://directory.acme.test"}
	list, err := dir.Lookup(ctx, email)
	if err != nil {
		log.Fatal(err)
	}
	p, err := list.Choose("") // the only provider offered, or the enforced one
	if err != nil {
		log.Fatal(err) // none set up, or several to choose from
	}

	client := auth.NewClient(auth.Config{Browser: browser.System{}}) // 5-minute wait, 2-minute leeway
	sessions := session.NewStore(client, &keyring.Store{}, &session.Folder{})
	s, err := sessions.Login(ctx, session.LoginRequest{LoginRequest: auth.LoginRequest{
		Provider: p,
		Email:    email,
		OnBrowser: func(url string, err error) {
			if err != nil { // no browser: let the agent copy the address
				fmt.Fprintln(os.Stderr, "Open this address to sign in:", url)
			}
		},
	}})
	if err != nil {
		log.Fatal(err)
	}
	if s.KeyringErr != nil {
		fmt.Println("signed in for this run only:", s.KeyringErr)
	}
	fmt.Println("signed in as", s.Email)
}

// Signing in silently at the next launch, and telling the outcomes apart.
func ExampleStore_Resume() {
	ctx := context.Background()
	sessions := session.NewStore(auth.NewClient(auth.Config{}), &keyring.Store{}, &session.Folder{})
	s, err := sessions.Resume(ctx)
	switch {
	case err == nil:
		fmt.Println("online as", s.Email)
		go sessions.KeepAlive(ctx, func(st session.Status) { fmt.Println("renewed:", st.Err == nil) })
	case errors.Is(err, session.ErrLoginRequired):
		fmt.Println("show the email screen with", sessions.LastEmail())
	case errors.Is(err, session.ErrOffline):
		fmt.Println("show the dialer, reconnecting; the session is kept")
	default:
		fmt.Println(err)
	}
}
