package line_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
	"dialtone/internal/sipregistrar"
)

const (
	testEmail    = "agent@acme.test"
	testAOR      = "sip:agent@acme.test"
	testAudience = "sip:registrar.acme.test"
	settle       = 5 * time.Second // the longest any step of these tests may take
)

// rig is an issuer, a token source and a line with a fake clock.
type rig struct {
	iss    *linetest.Issuer
	tokens *linetest.Tokens
	clock  *linetest.Clock
	states linetest.States
	line   *line.Line
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{iss: linetest.NewIssuer(t), clock: linetest.NewClock(time.Now()), states: linetest.NewStates()}
	r.tokens = &linetest.Tokens{Mint: func(n int) string {
		return r.iss.Mint(t, linetest.Token{Audience: testAudience, Email: testEmail, ID: fmt.Sprint(n)})
	}}
	return r
}

// registrar starts a sipregistrar trusting the rig's issuer on port (0: any).
func (r *rig) registrar(t *testing.T, port int) (*sipregistrar.Registrar, int) {
	t.Helper()
	return linetest.StartRegistrar(t, sipregistrar.Config{Issuer: r.iss.URL, Audience: testAudience}, port)
}

// start makes the rig's line for registrar.
func (r *rig) start(t *testing.T, registrar string, opts line.Options) *line.Line {
	t.Helper()
	opts.Clock, opts.OnState = r.clock, r.states.Record
	opts.Timeout = cmpOr(opts.Timeout, 2*time.Second)
	l, err := line.New(sipaddr.Config{Registrar: registrar, AOR: testAOR}, r.iss.URL, r.tokens, opts)
	if err != nil {
		t.Fatalf("line.New: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	r.line = l
	return l
}

func cmpOr(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// run starts Run; the returned function cancels it and returns its error.
func (r *rig) run(t *testing.T) (stop func() error, done <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- r.line.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-ch:
			return err
		case <-time.After(settle):
			t.Fatal("Run did not return after its context was cancelled")
			return nil
		}
	}, ch
}

func contacts(reg *sipregistrar.Registrar) []string {
	var s []string
	for _, b := range reg.Bindings(testAOR) {
		s = append(s, b.Contact)
	}
	return s
}

func TestRunReRegistersAt80PercentWithAFreshToken(t *testing.T) {
	r := newRig(t)
	reg, port := r.registrar(t, 0)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d", port), line.Options{Expires: 100 * time.Second})
	stop, _ := r.run(t)

	st := r.states.WaitFor(t, line.StatusRegistered, settle)
	if want := r.clock.Now().Add(100 * time.Second); !st.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", st.ExpiresAt, want)
	}
	if got, want := r.clock.NextTimer(t, settle), 80*time.Second; got != want {
		t.Fatalf("re-registration timer = %v, want %v", got, want)
	}
	first := contacts(reg)
	r.clock.Advance(80 * time.Second)
	r.states.WaitFor(t, line.StatusRegistered, settle)
	r.clock.NextTimer(t, settle)

	if access, refresh := r.tokens.Calls(); access != 2 || refresh != 0 {
		t.Errorf("token source calls = %d access, %d refresh; want 2 access (one per registration), 0 refresh", access, refresh)
	}
	if got := contacts(reg); len(got) != 1 || got[0] != first[0] {
		t.Errorf("contacts after re-registration = %v, want the same single contact %v", got, first)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if got := r.line.State().Status; got != line.StatusRegistered {
		t.Errorf("after Run stopped the state is %v; want registered until Unregister", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	defer cancel()
	if err := r.line.Unregister(ctx); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	if got := contacts(reg); len(got) != 0 {
		t.Errorf("contacts after Unregister = %v, want none", got)
	}
	if got := r.line.State().Status; got != line.StatusUnregistered {
		t.Errorf("state after Unregister = %v, want unregistered", got)
	}
}

func TestReRegistrationKeepsTheDotGreen(t *testing.T) {
	r := newRig(t)
	_, port := r.registrar(t, 0)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d", port), line.Options{Expires: 100 * time.Second})
	stop, _ := r.run(t)
	defer stop()

	r.states.WaitFor(t, line.StatusRegistered, settle)
	r.clock.Advance(r.clock.NextTimer(t, settle))
	r.clock.NextTimer(t, settle)
	var got []line.Status
	for _, st := range r.states.Drain() {
		got = append(got, st.Status)
	}
	if len(got) != 1 || got[0] != line.StatusRegistered {
		t.Errorf("states during re-registration = %v, want only [registered]", got)
	}
}

func TestRunComesBackWhenTheRegistrarDoes(t *testing.T) {
	r := newRig(t)
	port := linetest.FreePort(t)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), line.Options{MinBackoff: time.Second})
	stop, _ := r.run(t)
	defer stop()

	st := r.states.WaitFor(t, line.StatusConnecting, settle)
	wait := r.clock.NextTimer(t, settle)
	if !errors.Is(st.Err, line.ErrUnreachable) || !st.NextTry.Equal(r.clock.Now().Add(wait)) {
		t.Errorf("state = %+v; want ErrUnreachable and NextTry = now + %v", st, wait)
	}
	if wait < 500*time.Millisecond || wait >= time.Second {
		t.Errorf("first backoff = %v, want in [0.5s, 1s)", wait)
	}

	reg, _ := r.registrar(t, port)
	r.clock.Advance(wait)
	r.states.WaitFor(t, line.StatusRegistered, settle)
	if got := contacts(reg); len(got) != 1 || !strings.Contains(got[0], "transport=tcp") {
		t.Errorf("contacts = %v, want one TCP contact", got)
	}
}

func TestRunStopsWhenRefused(t *testing.T) {
	r := newRig(t)
	r.tokens.Mint = func(int) string {
		return r.iss.Mint(t, linetest.Token{Audience: testAudience, Email: "someone.else@acme.test"})
	}
	_, port := r.registrar(t, 0)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d", port), line.Options{})
	_, done := r.run(t)

	select {
	case err := <-done:
		var re *line.RefusedError
		if !errors.As(err, &re) || re.Reason != line.ReasonForbidden || !errors.Is(err, line.ErrRefused) {
			t.Errorf("Run = %v; want a refusal with reason %q", err, line.ReasonForbidden)
		}
	case <-time.After(settle):
		t.Fatal("Run did not stop after a 403")
	}
	if st := r.line.State(); st.Status != line.StatusRefused || st.Reason() != line.ReasonForbidden {
		t.Errorf("state = %v %q, want refused %q", st.Status, st.Reason(), line.ReasonForbidden)
	}
}

func TestTokenSourceFailures(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus line.Status
		wantIs     error
	}{
		{"identity provider unreachable", errors.New("dial tcp 127.0.0.1:1: connection refused"), line.StatusConnecting, line.ErrUnreachable},
		{"sign-in required", fmt.Errorf("auth: session ended: %w", line.ErrSignInRequired), line.StatusRefused, line.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.tokens.SetErr(tt.err)
			_, port := r.registrar(t, 0)
			r.start(t, fmt.Sprintf("sip:127.0.0.1:%d", port), line.Options{})
			stop, _ := r.run(t)
			defer stop()

			st := r.states.WaitFor(t, tt.wantStatus, settle)
			if !errors.Is(st.Err, tt.wantIs) || !errors.Is(st.Err, tt.err) {
				t.Errorf("state error = %v; want it to match %v and wrap the token source's error", st.Err, tt.wantIs)
			}
			if strings.Contains(st.Err.Error(), "eyJ") {
				t.Errorf("error %q contains a token", st.Err)
			}
		})
	}
}

func TestLargeTokenMovesFromUDPToTCP(t *testing.T) {
	r := newRig(t)
	r.tokens.Mint = func(n int) string {
		return r.iss.Mint(t, linetest.Token{Audience: testAudience, Email: testEmail, ID: strings.Repeat("x", 1500)})
	}
	reg, port := r.registrar(t, 0)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d", port), line.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	defer cancel()

	if _, err := r.line.Register(ctx); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if got := contacts(reg); len(got) != 1 || !strings.Contains(got[0], "transport=tcp") {
		t.Errorf("contacts = %v; want one TCP contact (RFC 3261 §18.1.1)", got)
	}
}

func TestRunSurvivesTheRegistrarGoingAway(t *testing.T) {
	r := newRig(t)
	reg, port := r.registrar(t, 0)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), line.Options{Expires: 100 * time.Second})
	stop, _ := r.run(t)
	defer stop()
	r.states.WaitFor(t, line.StatusRegistered, settle)
	refresh := r.clock.NextTimer(t, settle)

	_ = reg.Close() // the phone system goes away
	r.clock.Advance(refresh)
	st := r.states.WaitFor(t, line.StatusConnecting, settle)
	if !errors.Is(st.Err, line.ErrUnreachable) {
		t.Errorf("state error = %v, want ErrUnreachable", st.Err)
	}

	back, _ := r.registrar(t, port) // and comes back on the same port
	r.clock.Advance(r.clock.NextTimer(t, settle))
	r.states.WaitFor(t, line.StatusRegistered, settle)
	if got := contacts(back); len(got) != 1 {
		t.Errorf("contacts at the registrar that came back = %v, want one", got)
	}
}
