package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"dialtone/dialer"
	"dialtone/internal/line"
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
// registrar said 200 OK.
func linePresence(s line.State) dialer.Presence {
	switch s.Status {
	case line.StatusRegistered:
		return dialer.Presence{State: dialer.Online}
	case line.StatusRefused:
		return dialer.Presence{State: dialer.Refused, Reason: reasonText(s)}
	case line.StatusConnecting:
		return dialer.Presence{State: dialer.Connecting, NextRetry: s.NextTry}
	}
	return dialer.Presence{State: dialer.Connecting}
}

// reasonTexts are the few words the presence dot says after "Line refused".
var reasonTexts = map[line.Reason]string{
	line.ReasonForbidden:         "forbidden",
	line.ReasonTokenRefused:      "sign-in token refused",
	line.ReasonWrongAuthzServer:  "registrar trusts another sign-in",
	line.ReasonNoBearerChallenge: "registrar does not take sign-in tokens",
	line.ReasonRedirect:          "redirected elsewhere",
	line.ReasonBadResponse:       "registrar answered wrongly",
	line.ReasonRejected:          "rejected",
	line.ReasonSignInRequired:    "sign in again",
}

// reasonText is why a refused line was refused, for the dot.
func reasonText(s line.State) string {
	if t, ok := reasonTexts[s.Reason()]; ok {
		return t
	}
	return "not set up correctly"
}
