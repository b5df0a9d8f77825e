package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"dialtone/auth"
)

// Signing an agent in: look up the providers for the typed email, sign in
// through the system browser, and keep the session for the next launch.
func Example() {
	ctx := context.Background()
	email := "agent@acme.test"

	directory := &auth.Directory{URL: "https://directory.acme.test"}
	list, err := directory.Lookup(ctx, email)
	if err != nil {
		log.Fatal(auth.Describe(err))
	}
	offered := list.Enforced() // an enforced provider excludes all others
	if len(offered) == 0 {
		log.Fatal("no single sign-on is set up for " + email)
	}

	client := auth.NewClient(auth.Config{}) // system browser, 5-minute wait, 2-minute leeway
	sessions := auth.NewSessions(client, &auth.Keyring{}, &auth.MetadataStore{})
	s, err := sessions.Login(ctx, auth.LoginRequest{
		Provider: offered[0],
		Email:    email,
		OnBrowser: func(url string, err error) {
			if err != nil { // no browser: let the agent copy the address
				fmt.Fprintln(os.Stderr, "Open this address to sign in:", url)
			}
		},
	})
	if err != nil {
		log.Fatal(auth.Describe(err))
	}
	if s.KeyringErr != nil {
		fmt.Println(auth.Describe(s.KeyringErr)) // signed in for this run only
	}
	fmt.Println("signed in as", s.Email)
}

// Signing in silently at the next launch, and telling the three outcomes
// apart.
func ExampleSessions_Resume() {
	ctx := context.Background()
	sessions := auth.NewSessions(auth.NewClient(auth.Config{}), &auth.Keyring{}, &auth.MetadataStore{})
	s, err := sessions.Resume(ctx)
	switch {
	case err == nil:
		fmt.Println("online as", s.Email)
		go sessions.KeepAlive(ctx, func(st auth.Status) { fmt.Println("presence:", st.State) })
	case errors.Is(err, auth.ErrLoginRequired):
		fmt.Println("show the email screen with", sessions.LastEmail())
	case errors.Is(err, auth.ErrOffline):
		fmt.Println("show the dialer, reconnecting; the session is kept")
	default:
		fmt.Println(auth.Describe(err))
	}
}

// Reading a provider list file: every problem names its field.
func ExampleParseProviderList() {
	f, err := os.Open("providers.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	list, err := auth.ParseProviderList(f)
	var ce *auth.ConfigError
	if errors.As(err, &ce) {
		log.Fatalf("providers.json: %s: %s", ce.Field, ce.Problem)
	}
	for _, p := range list.Providers {
		fmt.Println(p.ID, p.Type, p.Issuer)
	}
}
