package agent

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"dialtone/auth"
	"dialtone/internal/line"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// Sessions is the session store the agent is kept signed in with. *session.Store satisfies it.
type Sessions interface {
	// KeepAlive runs until ctx is done or the session ends, calling report from its own goroutine.
	KeepAlive(ctx context.Context, report func(session.Status))
	// Logout forgets the stored session and tells the provider.
	Logout(ctx context.Context, everywhere bool) (session.LogoutResult, error)
	// LineSessions keep the account's phone line with the session.
	LineSessions
	// Tokens give the line the session's access tokens.
	Tokens
}

// LineFinder asks the provider directory which phone line the account of email has now (nil: none).
// An error means the directory could not answer; the agent then keeps the line it has.
type LineFinder interface {
	FindLine(ctx context.Context, email string) (*sipaddr.Config, error)
}

// lineCheckTimeout bounds the directory's answer about the line.
const lineCheckTimeout = 15 * time.Second

// Agent keeps one signed-in agent reachable. Create it with New; its methods are safe for concurrent use.
type Agent struct {
	sessions Sessions
	lines    LineFinder // nil: the line is only what the session stored
	browser  auth.Browser
	log      *slog.Logger

	mu      sync.Mutex
	keeping *keeping // the run Begin started, until End; nil when none
	away    bool     // the agent set themselves Offline
}

// New returns an Agent that keeps sessions alive, keeps the phone line registered, logs to log (nil
// discards) and opens end-session pages with browser (the browser the sign-in uses).
//
// With lines (nil: none), once a session is live the agent asks the directory for the account's line in
// the background and follows it when it differs from the stored one: an admin added, changed or removed
// the line, or the stored line could not be vouched for (an edited file, a session from before lines).
// The directory's answer goes only into the session store; tokens go only where internal/line allows.
func New(sessions Sessions, lines LineFinder, browser auth.Browser, log *slog.Logger) *Agent {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Agent{sessions: sessions, lines: lines, browser: browser, log: log}
}

// Begin starts keeping the agent signed in with s reachable, and returns how they stand now. s is nil when the
// silent sign-in kept the stored session but could not reach the provider: the agent then starts Reconnecting.
// Begin ends what an earlier Begin started.
//
// report is called with every later Update, from another goroutine, one at a time, and never once End or
// SignOut has returned. It must return quickly and must not call the Agent: a UI hands the Update to its own
// thread (in Fyne, with fyne.Do).
func (a *Agent) Begin(s *session.Session, report func(Update)) Update {
	if first, ok := a.adopt(s, report); ok {
		return first
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &keeping{agent: a, cancel: cancel, report: report, standing: standingOf(s)}
	a.mu.Lock()
	k.standing.away = a.away
	a.mu.Unlock()
	k.mu.Lock()
	if s != nil {
		k.dialLocked()
		k.checkLineLocked(ctx)
	}
	first := k.standing.update()
	k.mu.Unlock()
	a.swap(k)
	go k.keepAlive(ctx)
	return first
}

// Warm starts registering the phone line of s, a session the launch's silent sign-in has just made, before
// any window asks: the registration then overlaps with the window's creation, and the Begin that follows
// with the same s finds the line already registering, or registered. Nothing is reported until that Begin;
// End (or a Begin with another session) stops it.
func (a *Agent) Warm(s *session.Session) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &keeping{agent: a, cancel: cancel, standing: standingOf(s), warm: s, adopted: make(chan struct{})}
	a.mu.Lock()
	k.standing.away = a.away
	a.mu.Unlock()
	k.mu.Lock()
	k.dialLocked()
	k.checkLineLocked(ctx)
	k.mu.Unlock()
	a.swap(k)
	go func() {
		select {
		case <-k.adopted: // a window asked: keep the session alive from now on
			k.keepAlive(ctx)
		case <-ctx.Done():
		}
	}()
}

// adopt gives report to the run Warm started for s, starts its keep-alive, and returns how the agent stands;
// false when no warm run is for s.
func (a *Agent) adopt(s *session.Session, report func(Update)) (Update, bool) {
	a.mu.Lock()
	k := a.keeping
	a.mu.Unlock()
	if k == nil || s == nil {
		return Update{}, false
	}
	k.mu.Lock()
	if k.warm != s || k.ended {
		k.mu.Unlock()
		return Update{}, false
	}
	k.warm, k.report = nil, report
	first := k.standing.update()
	close(k.adopted) // starts the keep-alive Warm left waiting
	k.mu.Unlock()
	return first, true
}

// SetAvailable puts the agent Offline (false: the line is unregistered, the session kept) or back to Available
// (true: the line registers again), and returns how they stand now.
func (a *Agent) SetAvailable(available bool) Update {
	a.mu.Lock()
	a.away = !available
	k := a.keeping
	a.mu.Unlock()
	if k == nil {
		return Update{}
	}
	return k.setAway(!available)
}

// End stops keeping the agent reachable, if Begin started it: nothing is renewed or reported any more.
func (a *Agent) End() {
	a.swap(nil)
	a.log.Debug("agent ended")
}

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

// keeping is one run of the keep-alive and the line, from Begin to End.
//
// The run's context is not kept here: Begin and Warm make it and hand it to
// the goroutines they start (the keep-alive, the directory's check), which
// pass it on; the run keeps only its cancel, for end.
type keeping struct {
	agent   *Agent
	cancel  context.CancelFunc // ends the run's context
	adopted chan struct{}      // a warm run's: closed when Begin adopts it, which starts its keep-alive

	mu       sync.Mutex // held while report runs, so that end waits for a report in progress
	ended    bool
	report   func(Update)
	standing standing
	phone    *phone           // the line's registration; nil when none runs
	checked  bool             // the directory was asked about the line in this run
	warm     *session.Session // the session Warm started this run for, until Begin adopts it; report is nil meanwhile
	dials    int              // lines dialled in this run: only the last one's states count
}

// tell reports u, unless the run is warm (no window has asked yet). The
// caller holds k.mu.
func (k *keeping) tell(u Update) {
	if k.report != nil {
		k.report(u)
	}
}

// keepAlive renews the session until ctx ends or the session does,
// following each status.
func (k *keeping) keepAlive(ctx context.Context) {
	k.agent.sessions.KeepAlive(ctx, func(st session.Status) { k.follow(ctx, st) })
}

// follow reports what a KeepAlive status changes, unless the run has ended.
// A renewed session starts the line if it is not running yet (the provider
// was out of reach at launch), and asks the directory about it once.
func (k *keeping) follow(ctx context.Context, st session.Status) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ended {
		return
	}
	u := k.standing.follow(st)
	if st.Err == nil && k.phone == nil {
		k.dialLocked()
		u = k.standing.update()
	}
	if st.Err == nil {
		k.checkLineLocked(ctx)
	}
	k.tell(u)
}

// followLine reports a state of the line dialled as the run's dials-th,
// unless the run has ended or that line has been replaced or stopped.
func (k *keeping) followLine(dials int, s line.State) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ended || k.phone == nil || k.dials != dials {
		return
	}
	k.standing.line = &s
	k.tell(k.standing.update())
}

// checkLineLocked asks the directory in the background, once per run and
// once the agent's email is known, which line the account has now. The
// caller holds k.mu.
func (k *keeping) checkLineLocked(ctx context.Context) {
	if k.checked || k.agent.lines == nil || k.standing.email == "" {
		return
	}
	k.checked = true
	go k.checkLine(ctx, k.standing.email)
}

// dialLocked starts the line when the session has one and the agent is
// available. The caller holds k.mu.
func (k *keeping) dialLocked() {
	cfg, issuer := k.agent.sessions.Line()
	if cfg == nil {
		return
	}
	k.standing.hasLine = true
	if k.standing.away {
		return
	}
	email := k.standing.email
	k.dials++
	dials := k.dials
	p, err := dial(*cfg, email, issuer, k.agent.sessions, k.agent.log, func(s line.State) { k.followLine(dials, s) })
	if err != nil {
		k.agent.log.Warn("the phone line cannot be used", "err", err)
		refused := line.State{Status: line.StatusRefused, Err: err}
		k.standing.line = &refused
		return
	}
	k.phone = p
	k.standing.line = &line.State{Status: line.StatusRegistering}
}

// checkLine follows the line the directory names for the account now
// (FollowLine) and, when it is not the one registering, registers it
// instead. When the directory cannot answer, the line stays as it is.
func (k *keeping) checkLine(ctx context.Context, email string) {
	ctx, cancel := context.WithTimeout(ctx, lineCheckTimeout)
	defer cancel()
	before, _ := k.agent.sessions.Line()
	now, _, err := FollowLine(ctx, k.agent.sessions, k.agent.lines, email)
	if err != nil {
		k.agent.log.Warn("could not follow the directory's phone line for the account; keeping the stored one", "err", err)
	}
	if sameLine(before, now) {
		return
	}
	k.mu.Lock()
	if k.ended {
		k.mu.Unlock()
		return
	}
	old := k.phone
	k.phone, k.standing.line, k.standing.hasLine = nil, nil, false
	k.dialLocked()
	u := k.standing.update()
	k.mu.Unlock()
	if old != nil {
		old.hangUp()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.ended {
		k.tell(u)
	}
}

// setAway unregisters the line (away) or registers it again, and returns
// the Update.
func (k *keeping) setAway(away bool) Update {
	k.mu.Lock()
	p := k.phone
	k.standing.away = away
	if away {
		k.phone, k.standing.line = nil, nil
	} else if p == nil && !k.ended {
		k.dialLocked()
	}
	u := k.standing.update()
	k.mu.Unlock()
	if away && p != nil {
		p.hangUp()
	}
	return u
}

// end stops the keep-alive and any further report, and unregisters the
// line.
func (k *keeping) end() {
	k.cancel()
	k.mu.Lock()
	k.ended = true
	p := k.phone
	k.phone = nil
	k.mu.Unlock()
	if p != nil {
		p.hangUp()
	}
}
