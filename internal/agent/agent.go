package agent

import (
	"context"
	"sync"

	"dialtone/auth"
	"dialtone/internal/session"
)

// Sessions is the session store the agent is kept signed in with. *session.Store satisfies it.
type Sessions interface {
	// KeepAlive runs until ctx is done or the session ends, calling report from its own goroutine.
	KeepAlive(ctx context.Context, report func(session.Status))
	// Logout forgets the stored session and tells the provider.
	Logout(ctx context.Context, everywhere bool) (session.LogoutResult, error)
}

// Agent keeps one signed-in agent reachable. Create it with New; its methods are safe for concurrent use.
type Agent struct {
	sessions Sessions
	browser  auth.Browser

	mu      sync.Mutex
	keeping *keeping // the run Begin started, until End; nil when none
}

// New returns an Agent that keeps sessions alive and opens end-session pages with browser (the browser the
// sign-in uses).
func New(sessions Sessions, browser auth.Browser) *Agent {
	return &Agent{sessions: sessions, browser: browser}
}

// Begin starts keeping the agent signed in with s reachable, and returns how they stand now. s is nil when the
// silent sign-in kept the stored session but could not reach the provider: the agent then starts Reconnecting.
// Begin ends what an earlier Begin started.
//
// report is called with every later Update, from another goroutine, one at a time, and never once End or
// SignOut has returned. It must return quickly and must not call the Agent: a UI hands the Update to its own
// thread (in Fyne, with fyne.Do).
func (a *Agent) Begin(s *session.Session, report func(Update)) Update {
	ctx, cancel := context.WithCancel(context.Background())
	k := &keeping{cancel: cancel, report: report, standing: standingOf(s)}
	first := k.standing.update()
	a.swap(k)
	go a.sessions.KeepAlive(ctx, k.follow)
	return first
}

// End stops keeping the agent reachable, if Begin started it: nothing is renewed or reported any more.
func (a *Agent) End() { a.swap(nil) }

// swap makes k the run in progress and ends the one before.
func (a *Agent) swap(k *keeping) {
	a.mu.Lock()
	old := a.keeping
	a.keeping = k
	a.mu.Unlock()
	if old != nil {
		old.end()
	}
}

// keeping is one run of the keep-alive, from Begin to End.
type keeping struct {
	cancel context.CancelFunc

	mu       sync.Mutex // held while report runs, so that end waits for a report in progress
	ended    bool
	report   func(Update)
	standing standing
}

// follow reports what a KeepAlive status changes, unless the run has ended.
func (k *keeping) follow(st session.Status) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ended {
		return
	}
	k.report(k.standing.follow(st))
}

// end stops the keep-alive and any further report.
func (k *keeping) end() {
	k.cancel()
	k.mu.Lock()
	k.ended = true
	k.mu.Unlock()
}
