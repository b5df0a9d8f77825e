package ui

import (
	"context"
	"time"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/directory"
	"dialtone/internal/session"
)

// Starter signs the agent in silently at launch. *session.Store satisfies it.
type Starter interface {
	// Resume signs the stored session in without the browser.
	Resume(ctx context.Context) (*session.Session, error)
	// Stored returns who was signed in last, or nil. It reads a small local file.
	Stored() *session.Record
	// LastEmail returns the email typed last, to fill in the email screen.
	LastEmail() string
}

// Finder looks up the single sign-on providers of an email. *directory.Client satisfies it.
type Finder interface {
	LookupOrCached(ctx context.Context, email string) (*directory.Answer, error)
}

// Signer signs the agent in through the browser. *session.Store satisfies it.
type Signer interface {
	Login(ctx context.Context, req session.LoginRequest) (*session.Session, error)
}

// Keeper keeps the signed-in agent reachable and signs them out. *agent.Agent satisfies it.
type Keeper interface {
	// Begin starts keeping the agent signed in with s reachable and returns how they stand now; s is nil when
	// the silent sign-in could not reach the provider. Every later agent.Update goes to report, from another
	// goroutine, until End or SignOut.
	Begin(s *session.Session, report func(agent.Update)) agent.Update
	// End stops keeping the agent reachable.
	End()
	// SignOut ends the keep-alive and signs the agent out; everywhere also ends the provider's browser session.
	SignOut(ctx context.Context, everywhere bool) (agent.SignOutResult, error)
	// SetAvailable registers the phone line again (true) or unregisters it without signing out (false, the
	// agent is Offline), and returns how the agent stands now.
	SetAvailable(available bool) agent.Update
}

// Deps is everything the UI needs from the rest of Dialtone. Starter, Signer, Keeper, Directory and Browser are
// required; the others may be left zero.
type Deps struct {
	// The silent and interactive sign-in: the same *session.Store for both in Dialtone.
	Starter Starter
	Signer  Signer

	// Keeper keeps the signed-in agent reachable (presence, keyring warning, the session's end) and signs them
	// out: an *agent.Agent over the same session store.
	Keeper Keeper

	// Directory looks up which providers an email may use.
	Directory Finder

	// Browser opens the sign-in page again ("Open again"). It should be the browser the auth.Client uses.
	Browser auth.Browser

	// Line places calls, History keeps the recent numbers and Region is the region of numbers typed without
	// "+" (see DialerConfig). Nil Line disables calling; nil History keeps no history.
	Line    dialer.Line
	History HistoryStore
	Region  string

	// Version is shown in About, for example "1.2.0".
	Version string
	// NoTray leaves the system tray out: on Linux without a D-Bus session
	// there is none to show it in, and Fyne's tray would fail when the app
	// quits.
	NoTray bool

	// LoginTimeout is how long the browser sign-in may take, as given to auth.Config.Timeout; the waiting
	// screen counts it down. Zero means auth.DefaultTimeout.
	LoginTimeout time.Duration

	// Now is the clock of the countdown. Nil means time.Now.
	Now func() time.Time

	// OnScreen, if set, is called on the Fyne thread each time the window shows a screen, with its name:
	// "starting", "email", "choose", "waiting", "problem" or "dialer"; and each time the dialer shows the
	// agent's presence (when it shows, and at every agent.Update), with "dialer/online", "dialer/reconnecting",
	// "dialer/connecting", "dialer/line-refused" or "dialer/signed-out". Dialtone logs these with --debug; its
	// end-to-end tests wait on them, not on pixels.
	OnScreen func(name string)
}
