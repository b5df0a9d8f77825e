package auth_test

import (
	"context"
	"fmt"
	"log"

	"dialtone/auth"
	"dialtone/internal/idp"
)

// A sign-in in the system browser, then a silent renewal with the refresh
// token, as the session store does on the next launch. Keeping the refresh
// token (in the OS keyring) and the Snapshot is the caller's job.
func ExampleClient_Login() {
	ctx := context.Background()
	client := auth.NewClient(auth.Config{Browser: nil}) // nil: print the address to copy
	p := idp.Provider{ID: "acme", Type: idp.TypeOkta, Issuer: "https://acme.okta.com", ClientID: "0oa1dialtone"}
	s, err := client.Login(ctx, auth.LoginRequest{
		Provider: p,
		Email:    "agent@acme.test",
		OnBrowser: func(url string, err error) {
			if err != nil {
				fmt.Println("Open this address to sign in:", url)
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", s.Email)

	// Next launch: the discovery document and keys come from the snapshot,
	// so the refresh grant is the only request to the provider.
	snap := s.Resolved().Snapshot()
	r, err := client.ResolveCached(ctx, p, &snap)
	if err != nil {
		log.Fatal(err)
	}
	renewed, err := client.Refresh(ctx, r, s, s.RefreshToken())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("renewed until", renewed.ExpiresAt)
}
