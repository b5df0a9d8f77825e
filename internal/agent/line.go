package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"dialtone/dialer"
	"dialtone/internal/line"
	"dialtone/internal/problem"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// unregisterTimeout bounds the unregister when the agent leaves (sign-out,
// quit, Offline): the line must not hold the window for long.
const unregisterTimeout = 3 * time.Second

// Tokens is what the phone line needs of the session store: the access
// token of the live session, renewed when needed. *session.Store satisfies
// it.
type Tokens interface {
	AccessToken(ctx context.Context, minValid time.Duration) (string, error)
	RenewAccessToken(ctx context.Context) (string, error)
}

// LineTokens gives a line the session's access tokens (line.TokenSource): an
// ended session is line.ErrSignInRequired. The line sends them only to the
// registrar whose challenge names the agent's issuer.
func LineTokens(t Tokens) line.TokenSource { return lineTokens{t} }

type lineTokens struct{ t Tokens }

func (l lineTokens) AccessToken(ctx context.Context, minValid time.Duration) (string, error) {
	tok, err := l.t.AccessToken(ctx, minValid)
	return tok, signInRequired(err)
}

func (l lineTokens) Refresh(ctx context.Context) (string, error) {
	tok, err := l.t.RenewAccessToken(ctx)
	return tok, signInRequired(err)
}

// signInRequired marks an ended session for the line.
func signInRequired(err error) error {
	if errors.Is(err, session.ErrLoginRequired) {
		return fmt.Errorf("%w: %w", line.ErrSignInRequired, err)
	}
	return err
}

// LineSessions is what following the account's phone line needs of the
// session store. *session.Store satisfies it.
type LineSessions interface {
	// Line is the live session's phone line (nil when none) and the issuer the agent signed in with.
	Line() (*sipaddr.Config, string)
	// AdoptLine makes line (nil: none) the live session's phone line and keeps it with the stored session.
	AdoptLine(ctx context.Context, line *sipaddr.Config) error
}

// FollowLine returns the phone line the account of email has now, and the
// issuer its registrar must name. The directory (lines) says which line
// that is: when its answer is not the line stored with the session (an
// admin added, changed or removed it, or the stored one could not be
// vouched for), the answer is kept with the session (AdoptLine) and
// returned. When the directory cannot answer (lines is nil, or it fails),
// the line stored with the session stands, sealed with it. The line is nil
// when the account has none.
//
// err says why the directory's answer was not followed; with a stored line
// returned it is worth only a log line, without one it is why there is no
// line to register. The app's Agent and "dialtone line" both follow the
// line through FollowLine, so that they agree.
func FollowLine(ctx context.Context, sessions LineSessions, lines LineFinder, email string) (*sipaddr.Config, string, error) {
	err := adoptDirectoryLine(ctx, sessions, lines, email)
	cfg, issuer := sessions.Line()
	return cfg, issuer, err
}

// adoptDirectoryLine keeps the line the directory names for email's
// account with the session, when it is not the stored one.
func adoptDirectoryLine(ctx context.Context, sessions LineSessions, lines LineFinder, email string) error {
	if lines == nil {
		return nil
	}
	found, err := lines.FindLine(ctx, email)
	if err != nil {
		return err
	}
	if current, _ := sessions.Line(); sameLine(current, found) {
		return nil
	}
	if err := sessions.AdoptLine(ctx, found); err != nil {
		return fmt.Errorf("agent: could not keep the account's phone line with the session: %w", err)
	}
	return nil
}

// sameLine reports whether a and b (nil: none) are the same line.
func sameLine(a, b *sipaddr.Config) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// phone is the running registration of one agent's line, from Begin (or
// SetAvailable) to End.
type phone struct {
	l      *line.Line
	log    *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
}

// dial starts keeping cfg's line registered for email, reporting its
// states through onState.
func dial(cfg sipaddr.Config, email, issuer string, tokens Tokens, log *slog.Logger, onState func(line.State)) (*phone, error) {
	cfg, err := cfg.ForAgent(email)
	if err != nil {
		return nil, err
	}
	l, err := line.New(cfg, issuer, LineTokens(tokens), line.Options{OnState: onState, Logger: log})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &phone{l: l, log: log, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		_ = l.Run(ctx) // every outcome reaches onState
	}()
	return p, nil
}

// hangUp stops the registration and unregisters (Expires: 0), within
// unregisterTimeout.
func (p *phone) hangUp() {
	p.cancel()
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), unregisterTimeout)
	defer cancel()
	if err := p.l.Unregister(ctx); err != nil { // best effort: the registration lapses by itself at its expiry
		p.log.Warn("could not unregister the phone line; it lapses at its expiry", "err", err)
	} else {
		p.log.Debug("the phone line is unregistered")
	}
	_ = p.l.Close()
}

// linePresence is the presence a line's state makes: green only once the
// registrar said 200 OK. The words after "Line refused" and the sentence
// under the dot come from the one vocabulary of errors (internal/problem),
// as the command line's do.
func linePresence(s line.State) dialer.Presence {
	switch s.Status {
	case line.StatusRegistered:
		return dialer.Presence{State: dialer.Online}
	case line.StatusRefused:
		return dialer.Presence{State: dialer.Refused, Reason: problem.Brief(s.Err), Advice: problem.Describe(s.Err)}
	case line.StatusConnecting:
		return dialer.Presence{State: dialer.Connecting, NextRetry: s.NextTry, Advice: advice(s.Err)}
	}
	return dialer.Presence{State: dialer.Connecting}
}

// advice is the sentence for an amber dot whose last try failed with err:
// none while nothing has failed yet, or when the failure was the agent's
// own doing (a cancel).
func advice(err error) string {
	if err == nil || problem.Classify(err) == problem.Cancelled {
		return ""
	}
	return problem.Describe(err)
}
