package ui

import (
	"context"

	"dialtone/internal/agent"
)

// signOut signs the agent out through the Keeper, showing who is being signed out, then shows the email screen
// (another: asking the provider to let the agent choose the account next time). It cannot be cancelled.
func (s *startingScreen) signOut(acct account, everywhere, another bool) {
	s.set("Signing out…", acct.Name, acct.Email, false)
	work := func(ctx context.Context) (agent.SignOutResult, error) {
		return s.env.deps.Keeper.SignOut(ctx, everywhere)
	}
	run(s.env.jobs, nil, work, func(r agent.SignOutResult, err error) { s.signedOut(acct, r, err, everywhere, another) })
}

func (s *startingScreen) signedOut(acct account, r agent.SignOutResult, err error, everywhere, another bool) {
	nav := s.env.nav
	switch {
	case err != nil:
		nav.showProblem(err, attempt{email: acct.Email}, func() { nav.signOut(everywhere, another) })
	case another:
		nav.useAnotherAccount(acct.Email)
	case r.OpenErr != nil:
		nav.showSignedOut(acct.Email, signedOutNotice(acct, r, everywhere), r.EndSessionURL)
	default:
		nav.showSignedOut(acct.Email, signedOutNotice(acct, r, everywhere), "")
	}
}

// signedOutNotice tells the agent they are signed out, and what could not be done at the provider.
func signedOutNotice(acct account, r agent.SignOutResult, everywhere bool) string {
	msg := "You are signed out."
	if r.RevokeErr != nil {
		msg += " Your identity provider could not be told, so your session there ends when it expires."
	}
	switch {
	case r.OpenErr != nil:
		msg += " Dialtone could not open your browser to sign you out of " + acct.provider + " too: copy the sign-out link into your browser."
	case everywhere && r.EndSessionURL == "":
		msg += " " + acct.provider + " has no sign-out page, so you may still be signed in to it in your browser."
	}
	return msg
}
