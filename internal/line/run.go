package line

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Register registers the line once: REGISTER, the Bearer challenge, the
// token, and what 423 and same-domain redirects ask for. It returns the
// Registered state, or a *RefusedError, an *UnreachableError, or the
// context's error wrapped. It does not retry network failures; Run does.
func (l *Line) Register(ctx context.Context) (State, error) {
	l.report(State{Status: StatusRegistering})
	granted, err := l.register(ctx, l.expires)
	st := l.outcome(granted, err)
	if st.Status == StatusConnecting {
		st = State{Status: StatusUnregistered, Err: err}
	}
	l.report(st)
	return st, err
}

// outcome is the state after one attempt.
func (l *Line) outcome(granted time.Duration, err error) State {
	switch {
	case err == nil:
		return State{Status: StatusRegistered, ExpiresAt: l.clock.Now().Add(granted)}
	case errors.Is(err, ErrRefused):
		return State{Status: StatusRefused, Err: err}
	case errors.Is(err, ErrUnreachable):
		return State{Status: StatusConnecting, Err: err}
	}
	return State{Status: StatusUnregistered, Err: err}
}

// Run keeps the line registered until ctx ends or the line is refused. It
// re-registers at 80% of the granted time with a token that is still
// valid, and after a network failure retries with backoff (or after the
// registrar's Retry-After) until the registrar answers again. It returns a
// *RefusedError or the context's error, wrapped; it leaves the line
// registered, so call Unregister after it when the agent leaves.
func (l *Line) Run(ctx context.Context) error {
	b := backoff{min: l.opts.MinBackoff, max: l.opts.MaxBackoff}
	for {
		if l.State().Status != StatusRegistered {
			l.report(State{Status: StatusRegistering})
		}
		granted, err := l.register(ctx, l.expires)
		if ctx.Err() != nil {
			return err // the registration, if any, stands until Unregister
		}
		st := l.outcome(granted, err)
		var wait time.Duration
		wake := true // a change of network cuts the wait short
		switch st.Status {
		case StatusRegistered:
			b.reset()
			wait = granted * 4 / 5
		case StatusConnecting:
			wait = retryDelay(err, &b, rand.Float64())
			st.NextTry = l.clock.Now().Add(wait)
			var ue *UnreachableError
			wake = !errors.As(err, &ue) || ue.Status == 0 // the registrar's own "later" stands
		default:
			l.report(st)
			return err
		}
		l.report(st)
		woken, err := l.sleepOrWake(ctx, wait, wake)
		if err != nil {
			return err
		}
		if woken {
			b.reset()
			l.localIP, l.hops, l.hop = "", nil, 0 // a new network: a new address, maybe new DNS answers
		}
	}
}

// stopped is Run's error when ctx ends.
func (l *Line) stopped(ctx context.Context) error {
	return fmt.Errorf("line: stopped keeping %s registered: %w", l.aor, context.Cause(ctx))
}

// Unregister removes this line's contacts from the registrar (REGISTER
// with Expires: 0, RFC 3261 §10.2.2), with the token when the registrar
// challenges. Contacts of the agent's other devices stay. The state becomes
// StatusUnregistered whatever the outcome; the error says whether the
// registrar confirmed.
func (l *Line) Unregister(ctx context.Context) error {
	if len(l.contacts) == 0 {
		l.report(State{Status: StatusUnregistered})
		return nil
	}
	_, err := l.register(ctx, 0)
	l.contacts, l.authorized = nil, false
	l.report(State{Status: StatusUnregistered, Err: err})
	return err
}
