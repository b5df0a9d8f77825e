package ui

import (
	"context"
	"time"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/directory"
	"dialtone/internal/session"
)

// Starter signs the agent in silently at launch. *auth.Sessions satisfies it.
type Starter interface {
	// Resume signs the stored session in without the browser.
	Resume(ctx context.Context) (*session.Session, error)
	// Stored returns who was signed in last, or nil. It reads a small local file.
	Stored() *session.Record
	// LastEmail returns the email typed last, to fill in the email screen.
	LastEmail() string
}

// Finder looks up the single sign-on providers of an email. *auth.Directory satisfies it.
type Finder interface {
	LookupOrCached(ctx context.Context, email string) (*directory.Answer, error)
}

// Signer signs the agent in through the browser. *auth.Sessions satisfies it.
type Signer interface {
	Login(ctx context.Context, req auth.LoginRequest) (*session.Session, error)
}

// Leaver signs the agent out. *auth.Sessions satisfies it.
type Leaver interface {
	Logout(ctx context.Context, everywhere bool) (session.LogoutResult, error)
}

// Keeper keeps the session alive and reports how it stands. *auth.Sessions satisfies it.
type Keeper interface {
	// KeepAlive runs until ctx is done or the session ends, calling report from its own goroutine.
	KeepAlive(ctx context.Context, report func(session.Status))
}

// Deps is everything the UI needs from the rest of Dialtone. The sign-in fields (Starter to Browser) are
// required; the others may be left zero.
type Deps struct {
	// The silent and interactive sign-in, the sign-out and the keep-alive: the same *auth.Sessions for all
	// four in Dialtone.
	Starter Starter
	Signer  Signer
	Leaver  Leaver
	Keeper  Keeper

	// Directory looks up which providers an email may use.
	Directory Finder

	// Browser opens the sign-in page again ("Open again") and the provider's sign-out page ("Sign out
	// everywhere"). It should be the browser the auth.Client uses.
	Browser auth.Browser

	// Line places calls, History keeps the recent numbers and Region is the region of numbers typed without
	// "+" (see DialerConfig). Nil Line disables calling; nil History keeps no history.
	Line    dialer.Line
	History HistoryStore
	Region  string

	// Version is shown in About, for example "1.2.0".
	Version string

	// LoginTimeout is how long the browser sign-in may take, as given to auth.Config.Timeout; the waiting
	// screen counts it down. Zero means auth.DefaultTimeout.
	LoginTimeout time.Duration

	// Now is the clock of the countdown. Nil means time.Now.
	Now func() time.Time

	// OnScreen, if set, is called on the Fyne thread each time the window shows a screen, with its name:
	// "starting", "email", "choose", "waiting", "problem" or "dialer"; and each time the dialer's presence is
	// set (when it shows, and at every keep-alive report), with "dialer/online", "dialer/reconnecting" or
	// "dialer/signed-out". Dialtone logs these with --debug; its end-to-end tests wait on them, not on pixels.
	OnScreen func(name string)
}
