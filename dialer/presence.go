package dialer

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// State is whether calls can reach the agent. The zero value is SignedOut.
//
// The session's states (SignedOut, Online, Reconnecting) come from keeping the sign-in alive; the phone line's
// (Connecting, Refused) from registering the agent's line with the phone system. internal/agent folds both into
// one Presence.
type State int

const (
	// SignedOut means the agent is not signed in; no calls can be placed or received.
	SignedOut State = iota
	// Online means the agent is signed in and connected.
	Online
	// Reconnecting means the identity provider could not be reached; the session is kept and tried again at
	// Presence.NextRetry.
	Reconnecting
	// Connecting means the phone line is registering, or tries again at Presence.NextRetry: calls cannot reach the
	// agent yet.
	Connecting
	// Refused means the phone system refused the agent's line, for the reason in Presence.Reason. Nothing is tried
	// again until the agent does something.
	Refused
	// Away means the agent set themselves Offline: signed in, but the line is unregistered on purpose, so calls
	// do not reach them until they are Available again.
	Away
)

// String returns the state's name for display: "Signed out", "Online", "Reconnecting", "Connecting",
// "Line refused" or "Offline".
func (s State) String() string {
	switch s {
	case SignedOut:
		return "Signed out"
	case Online:
		return "Online"
	case Reconnecting:
		return "Reconnecting"
	case Connecting:
		return "Connecting"
	case Refused:
		return "Line refused"
	case Away:
		return "Offline"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Retries reports whether the state waits for a next try at Presence.NextRetry: Reconnecting and Connecting.
func (s State) Retries() bool { return s == Reconnecting || s == Connecting }

// Presence is the agent's state and what goes with it. The zero value is signed out.
type Presence struct {
	State     State
	NextRetry time.Time // when State retries (Reconnecting, Connecting): the next attempt; zero if not known
	Reason    string    // when State is Refused: why, in a few words, for example "forbidden"; may be empty
	// Advice, when not empty, is the sentence that says what happened and what to do, shown under the status
	// line: why the line was refused and whom to ask (Refused), or what the last failed try met (Reconnecting,
	// Connecting). internal/agent fills it from the one vocabulary of errors, internal/problem.
	Advice string
}

// String returns the state's name for display, as State.String.
func (p Presence) String() string { return p.State.String() }

// Describe returns the presence as a sentence for a status line at time now: "Online", "Signed out",
// "Reconnecting — next try in 20 s", "Reconnecting — next try in 3 min", "Reconnecting — trying now",
// "Connecting…", "Connecting — next try in 20 s", "Line refused" or "Line refused — forbidden".
func (p Presence) Describe(now time.Time) string {
	switch {
	case p.State == Refused && p.Reason != "":
		return p.String() + " — " + p.Reason
	case p.State == Connecting && p.NextRetry.IsZero():
		return "Connecting…"
	case !p.State.Retries() || p.NextRetry.IsZero():
		return p.String()
	}
	wait := p.NextRetry.Sub(now)
	switch {
	case wait <= 0:
		return p.String() + " — trying now"
	case wait < time.Minute:
		return fmt.Sprintf("%s — next try in %d s", p, int(math.Ceil(wait.Seconds())))
	}
	return fmt.Sprintf("%s — next try in %d min", p, int(math.Ceil(wait.Minutes())))
}

// PresenceTracker holds the agent's current Presence and tells subscribers when it changes. Its methods are safe
// for concurrent use. Create one with NewPresenceTracker.
type PresenceTracker struct {
	now func() time.Time

	deliver sync.Mutex // held while subscribers are called, so they see changes in order
	mu      sync.Mutex // guards the fields below
	current Presence
	subs    []subscriber // in the order they subscribed
	nextID  int
}

type subscriber struct {
	id int
	fn func(Presence)
}

// NewPresenceTracker returns a tracker that starts signed out. now is the clock used to compute retry times; nil
// means time.Now.
func NewPresenceTracker(now func() time.Time) *PresenceTracker {
	if now == nil {
		now = time.Now
	}
	return &PresenceTracker{now: now}
}

// Presence returns the current presence.
func (t *PresenceTracker) Presence() Presence {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current
}

// SetOnline records that the agent is connected.
func (t *PresenceTracker) SetOnline() { t.Set(Presence{State: Online}) }

// SetSignedOut records that the agent signed out or was signed out.
func (t *PresenceTracker) SetSignedOut() { t.Set(Presence{State: SignedOut}) }

// SetReconnecting records that the connection was lost and the next attempt is due after wait.
func (t *PresenceTracker) SetReconnecting(wait time.Duration) {
	t.Set(Presence{State: Reconnecting, NextRetry: t.now().Add(wait)})
}

// Set records p and, if it differs from the current presence, calls every subscriber with it.
func (t *PresenceTracker) Set(p Presence) {
	t.deliver.Lock()
	defer t.deliver.Unlock()
	t.mu.Lock()
	changed := !t.current.equal(p)
	t.current = p
	subs := slices.Clone(t.subs)
	t.mu.Unlock()
	if !changed {
		return
	}
	for _, s := range subs {
		s.fn(p)
	}
}

// Subscribe calls fn with the current presence now and again after every change, on the goroutine that made the
// change, until the returned cancel func is called. Calls to fn are never concurrent and arrive in the order of
// the changes. fn is not called again once cancel has returned. fn must return quickly and must not
// call Set, its variants, Subscribe or cancel (that would deadlock); a UI hands the value to its own thread (in
// Fyne, with fyne.Do).
func (t *PresenceTracker) Subscribe(fn func(Presence)) (cancel func()) {
	t.deliver.Lock()
	defer t.deliver.Unlock()
	t.mu.Lock()
	id := t.nextID
	t.nextID++
	t.subs = append(t.subs, subscriber{id: id, fn: fn})
	current := t.current
	t.mu.Unlock()
	fn(current)
	return func() {
		t.deliver.Lock() // waits for a delivery in flight, so that fn is never called after cancel returns
		defer t.deliver.Unlock()
		t.mu.Lock()
		defer t.mu.Unlock()
		t.subs = slices.DeleteFunc(t.subs, func(s subscriber) bool { return s.id == id })
	}
}

func (p Presence) equal(q Presence) bool {
	return p.State == q.State && p.NextRetry.Equal(q.NextRetry) && p.Reason == q.Reason && p.Advice == q.Advice
}
