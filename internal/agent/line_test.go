package agent

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/problem"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

// lineWorld is an agent whose session has a line at a real registrar on
// loopback (sipregistrar), which checks the bearer tokens the fake session
// hands out.
type lineWorld struct {
	agent   *Agent
	f       *fakeSessions
	reg     *sipregistrar.Registrar
	updates chan Update
}

const lineAgent = "agent@acme.test"

func newLineWorld(t *testing.T) *lineWorld {
	t.Helper()
	iss := linetest.NewIssuer(t)
	reg, port := linetest.StartRegistrar(t, sipregistrar.Config{Issuer: iss.URL, Audience: "https://pbx.acme.test"}, 0)
	f := newFakeSessions()
	f.line = &sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), Resource: "https://pbx.acme.test"}
	f.issuer = iss.URL
	f.token = iss.Mint(t, linetest.Token{Audience: "https://pbx.acme.test", Email: lineAgent})
	w := &lineWorld{agent: New(f, nil, &fakeBrowser{}, nil), f: f, reg: reg, updates: make(chan Update, 64)}
	t.Cleanup(w.agent.End)
	return w
}

// waitFor waits for an Update with presence state want.
func (w *lineWorld) waitFor(t *testing.T, want dialer.State) Update {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-w.updates:
			if u.Presence.State == want {
				return u
			}
		case <-deadline:
			t.Fatalf("no update with presence %s within 10 s", want)
		}
	}
}

// signedIn is a live session of email.
func signedIn(email string) *session.Session {
	return &session.Session{Session: &auth.Session{Email: email}}
}

func (w *lineWorld) registered() int { return len(w.reg.Bindings("sip:" + lineAgent)) }

// TestLineGreenOnlyAfterTheRegistrarSaidYes: the agent is Connecting while
// the line registers and Online once it is in the registrar's location
// table; Offline unregisters without signing out; Available registers
// again; End unregisters.
func TestLineGreenOnlyAfterTheRegistrarSaidYes(t *testing.T) {
	w := newLineWorld(t)
	first := w.agent.Begin(signedIn(lineAgent), func(u Update) { w.updates <- u })
	if first.Presence.State != dialer.Connecting {
		t.Errorf("first presence = %s, want Connecting until the registrar answers", first.Presence)
	}
	w.waitFor(t, dialer.Online)
	if w.registered() != 1 {
		t.Fatalf("bindings at the registrar = %d, want 1", w.registered())
	}
	if u := w.agent.SetAvailable(false); u.Presence.State != dialer.Away {
		t.Errorf("presence after Offline = %s, want Offline", u.Presence)
	}
	if w.registered() != 0 {
		t.Errorf("bindings after Offline = %d, want none", w.registered())
	}
	w.agent.SetAvailable(true)
	w.waitFor(t, dialer.Online)
	w.agent.End()
	if w.registered() != 0 {
		t.Errorf("bindings after End = %d, want none (unregistered)", w.registered())
	}
}

// TestLineRefusedWhenTheTokenIsWrong: a token the registrar cannot accept
// (another audience) turns the dot red with the reason, after one renewal.
func TestLineRefusedWhenTheTokenIsWrong(t *testing.T) {
	w := newLineWorld(t)
	w.f.token = "not-a-token"
	w.agent.Begin(signedIn(lineAgent), func(u Update) { w.updates <- u })
	u := w.waitFor(t, dialer.Refused)
	if u.Presence.Reason != "sign-in token refused" {
		t.Errorf("reason = %q, want the token refused", u.Presence.Reason)
	}
	if want := "The phone system did not accept your sign-in. Sign out and in again; if it keeps happening, contact your admin."; u.Presence.Advice != want {
		t.Errorf("advice = %q, want %q: the sentence the command line says too", u.Presence.Advice, want)
	}
}

// TestLinePresenceSpeaksTheVocabulary: the dot's words and the sentence under it are internal/problem's, for
// every state of the line.
func TestLinePresenceSpeaksTheVocabulary(t *testing.T) {
	forbidden := &line.RefusedError{Reason: line.ReasonForbidden, Status: 403, Phrase: "Forbidden"}
	down := &line.UnreachableError{Op: "register", Err: errors.New("connection refused")}
	badLine := &sipaddr.ConfigError{Field: "line.registrar", Value: "sip:pbx.test", Problem: "must use TLS"}
	tests := []struct {
		name  string
		state line.State
		want  dialer.Presence
	}{
		{"registering", line.State{Status: line.StatusRegistering}, dialer.Presence{State: dialer.Connecting}},
		{"registered", line.State{Status: line.StatusRegistered}, dialer.Presence{State: dialer.Online}},
		{"refused", line.State{Status: line.StatusRefused, Err: forbidden},
			dialer.Presence{State: dialer.Refused, Reason: "forbidden", Advice: problem.Describe(forbidden)}},
		{"cannot be used", line.State{Status: line.StatusRefused, Err: badLine},
			dialer.Presence{State: dialer.Refused, Reason: "not set up correctly", Advice: problem.Describe(badLine)}},
		{"registrar down", line.State{Status: line.StatusConnecting, NextTry: t0, Err: down},
			dialer.Presence{State: dialer.Connecting, NextRetry: t0, Advice: problem.Describe(down)}},
		{"cancelled", line.State{Status: line.StatusConnecting, NextTry: t0, Err: context.Canceled},
			dialer.Presence{State: dialer.Connecting, NextRetry: t0}},
	}
	for _, tt := range tests {
		if got := linePresence(tt.state); got != tt.want {
			t.Errorf("%s: presence %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// fakeLines is the directory's answer about the line: line, or err.
type fakeLines struct {
	line  *sipaddr.Config
	err   error
	asked chan string
}

func (f *fakeLines) FindLine(_ context.Context, email string) (*sipaddr.Config, error) {
	f.asked <- email
	return f.line, f.err
}

// TestLineFollowsTheDirectory: a session stored without its line (signed in
// before the admin set it up, or its line could not be vouched for) gets
// the line the directory names, registers it and keeps it; a line the
// directory no longer names is unregistered; a directory that cannot
// answer changes nothing.
func TestLineFollowsTheDirectory(t *testing.T) {
	t.Run("added", func(t *testing.T) {
		w := newLineWorld(t)
		dirLine := w.f.line
		w.f.line = nil
		lines := &fakeLines{line: dirLine, asked: make(chan string, 1)}
		w.agent = New(w.f, lines, &fakeBrowser{}, nil)
		t.Cleanup(w.agent.End)
		if first := w.agent.Begin(signedIn(lineAgent), func(u Update) { w.updates <- u }); first.Line {
			t.Errorf("first update says the account has a line before the directory answered")
		}
		if got := <-lines.asked; got != lineAgent {
			t.Errorf("the directory was asked about %q, want %q", got, lineAgent)
		}
		if u := w.waitFor(t, dialer.Online); !u.Line {
			t.Errorf("online update without Line: %+v", u)
		}
		if cfg, _ := w.f.Line(); cfg == nil || *cfg != *dirLine {
			t.Errorf("the session keeps the line %+v, want %+v", cfg, dirLine)
		}
		if w.registered() != 1 {
			t.Errorf("bindings = %d, want 1", w.registered())
		}
	})
	t.Run("removed", func(t *testing.T) {
		w := newLineWorld(t)
		lines := &fakeLines{asked: make(chan string, 1)}
		w.agent = New(w.f, lines, &fakeBrowser{}, nil)
		t.Cleanup(w.agent.End)
		w.agent.Begin(signedIn(lineAgent), func(u Update) { w.updates <- u })
		<-lines.asked
		deadline := time.Now().Add(10 * time.Second)
		for {
			if cfg, _ := w.f.Line(); cfg == nil && w.registered() == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the line the directory no longer names is still kept or registered (%d bindings)", w.registered())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("directory unreachable", func(t *testing.T) {
		w := newLineWorld(t)
		lines := &fakeLines{err: errors.New("directory down"), asked: make(chan string, 1)}
		w.agent = New(w.f, lines, &fakeBrowser{}, nil)
		t.Cleanup(w.agent.End)
		w.agent.Begin(signedIn(lineAgent), func(u Update) { w.updates <- u })
		<-lines.asked
		w.waitFor(t, dialer.Online)
		if cfg, _ := w.f.Line(); cfg == nil || w.registered() != 1 {
			t.Errorf("with the directory down the stored line was dropped (%+v, %d bindings)", cfg, w.registered())
		}
	})
}

// TestWarmRegistersBeforeBegin: Warm registers the line of a session before
// any window asks, reporting nothing; the Begin that follows with the same
// session adopts that run (no second registration) and says how the agent
// stands, green when the registrar has already answered.
func TestWarmRegistersBeforeBegin(t *testing.T) {
	w := newLineWorld(t)
	s := signedIn(lineAgent)
	w.agent.Warm(s)
	deadline := time.Now().Add(10 * time.Second)
	for w.registered() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("Warm did not register the line")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the 200 OK reaches the line's state
	first := w.agent.Begin(s, func(u Update) { w.updates <- u })
	if first.Presence.State != dialer.Online || !first.Line {
		t.Errorf("Begin after Warm = %+v, want Online with the line", first)
	}
	if w.registered() != 1 {
		t.Errorf("bindings after Begin = %d, want the one Warm made", w.registered())
	}
	w.f.next(t) // Begin started the keep-alive
	w.agent.End()
	if w.registered() != 0 {
		t.Errorf("bindings after End = %d, want none", w.registered())
	}
}

// TestWarmForAnotherSessionIsEnded: a Begin with another session ends the
// warm run (its registration removed) and starts its own.
func TestWarmForAnotherSessionIsEnded(t *testing.T) {
	w := newLineWorld(t)
	w.agent.Warm(signedIn(lineAgent))
	w.agent.Begin(signedIn(lineAgent), func(u Update) { w.updates <- u })
	w.waitFor(t, dialer.Online)
	if w.registered() != 1 {
		t.Errorf("bindings = %d, want 1 (the warm run's removed, Begin's own)", w.registered())
	}
}

// TestEndStopsAWarmRun: a window that never asked (closed during the
// launch) still unregisters the line Warm registered.
func TestEndStopsAWarmRun(t *testing.T) {
	w := newLineWorld(t)
	w.agent.Warm(signedIn(lineAgent))
	deadline := time.Now().Add(10 * time.Second)
	for w.registered() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("Warm did not register the line")
		}
		time.Sleep(10 * time.Millisecond)
	}
	w.agent.End()
	if w.registered() != 0 {
		t.Errorf("bindings after End = %d, want none", w.registered())
	}
}

// TestSignOutRemovesTheContactAtKamailio: at a real registrar, the agent's
// contact is in the location table while signed in, and signing out removes
// it before Logout returns.
func TestSignOutRemovesTheContactAtKamailio(t *testing.T) {
	const audience = "https://pbx.acme.test"
	iss := linetest.NewIssuer(t)
	k := linetest.StartKamailio(t, iss.URL, audience)
	f := newFakeSessions()
	f.line = &sipaddr.Config{Registrar: fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", k.Port), Resource: audience}
	f.issuer = iss.URL
	f.token = iss.Mint(t, linetest.Token{Audience: audience, Email: lineAgent})
	a := New(f, nil, &fakeBrowser{}, nil)
	t.Cleanup(a.End)
	updates := make(chan Update, 16)
	a.Begin(signedIn(lineAgent), func(u Update) { updates <- u })
	deadline := time.After(10 * time.Second)
	for online := false; !online; {
		select {
		case u := <-updates:
			online = u.Presence.State == dialer.Online
		case <-deadline:
			t.Fatal("the line did not register at Kamailio")
		}
	}
	if b := k.Lookup(t, lineAgent); len(b) != 1 {
		t.Fatalf("Kamailio's location table = %+v, want the agent's contact", b)
	}
	if _, err := a.SignOut(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	if b := k.Lookup(t, lineAgent); len(b) != 0 {
		t.Errorf("after signing out Kamailio still has %+v", b)
	}
}

// TestFollowLine is the one rule the app and "dialtone line" follow: the directory's answer wins and is kept
// with the session; with the directory unreachable (or none), the stored line stands.
func TestFollowLine(t *testing.T) {
	stored := &sipaddr.Config{Registrar: "sip:127.0.0.1:5070;transport=tcp", Resource: "https://pbx.acme.test"}
	moved := &sipaddr.Config{Registrar: "sip:127.0.0.1:5080;transport=tcp", Resource: "https://pbx.acme.test"}
	down := errors.New("directory down")
	tests := []struct {
		name     string
		stored   *sipaddr.Config
		lines    LineFinder // nil: no directory
		want     *sipaddr.Config
		wantErr  error
		wantKept *sipaddr.Config // the session's line afterwards
	}{
		{"no directory, a stored line", stored, nil, stored, nil, stored},
		{"no directory, no line", nil, nil, nil, nil, nil},
		{"the same line", stored, &fakeLines{line: stored}, stored, nil, stored},
		{"added", nil, &fakeLines{line: moved}, moved, nil, moved},
		{"moved", stored, &fakeLines{line: moved}, moved, nil, moved},
		{"removed", stored, &fakeLines{}, nil, nil, nil},
		{"directory unreachable, a stored line", stored, &fakeLines{err: down}, stored, down, stored},
		{"directory unreachable, no line", nil, &fakeLines{err: down}, nil, down, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fl, ok := tt.lines.(*fakeLines); ok {
				fl.asked = make(chan string, 1)
			}
			f := newFakeSessions()
			f.line, f.issuer = tt.stored, "https://idp.acme.test"
			got, issuer, err := FollowLine(t.Context(), f, tt.lines, lineAgent)
			if !sameLine(got, tt.want) || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("FollowLine = %+v, %v; want %+v, %v", got, err, tt.want, tt.wantErr)
			}
			if got != nil && issuer != f.issuer {
				t.Errorf("issuer = %q, want the session's %q", issuer, f.issuer)
			}
			if kept, _ := f.Line(); !sameLine(kept, tt.wantKept) {
				t.Errorf("the session keeps %+v, want %+v", kept, tt.wantKept)
			}
		})
	}
}
