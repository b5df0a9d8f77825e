package agent

import (
	"context"

	"dialtone/internal/session"
)

// SignOutResult says what SignOut did beyond signing the agent out on this computer.
type SignOutResult struct {
	// LogoutResult says whether the provider revoked the session and, for a sign-out everywhere, its
	// end-session page.
	session.LogoutResult

	// OpenErr, when not nil, says why the browser could not open the end-session page: the agent may copy
	// EndSessionURL into their browser instead.
	OpenErr error
}

// SignOut signs the agent out: it stops keeping the session alive (as End), logs out of the session store (with
// everywhere, asking for the provider's end-session page too) and opens that page in the browser when there is
// one. An error is the session store's (see session.Store.Logout): the sign-out did not finish as asked, and the
// agent may try again.
func (a *Agent) SignOut(ctx context.Context, everywhere bool) (SignOutResult, error) {
	a.End()
	res, err := a.sessions.Logout(ctx, everywhere)
	r := SignOutResult{LogoutResult: res}
	if err == nil && res.EndSessionURL != "" {
		r.OpenErr = a.browser.Open(ctx, res.EndSessionURL)
	}
	return r, err
}
