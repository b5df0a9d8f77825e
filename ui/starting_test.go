package ui

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

func TestStartSilentSuccessShowsDialerOnline(t *testing.T) {
	h := newHarness(t)
	h.s.stored = priya
	h.start()
	resume := next(h, h.s.resumes)

	if !h.shows("starting") {
		t.Fatal("while resuming, the starting screen is not shown")
	}
	if got := h.startingScreen().name.Text; got != priya.Name {
		t.Errorf("starting screen name = %q, want %q", got, priya.Name)
	}
	if got := h.startingScreen().email.Text; got != priya.Email {
		t.Errorf("starting screen email = %q, want %q", got, priya.Email)
	}
	if !h.startingScreen().spin.Visible() {
		t.Error("the starting screen shows no spinner")
	}

	resume.reply(sessionOf(priya.Email, priya.Name, okta), nil)
	h.waitFor("dialer")
	next(h, h.s.keeps)
	if got := h.presence().State; got != dialer.Online {
		t.Errorf("presence = %v, want Online", got)
	}
	// The DialerScreen's own dot shows it too.
	if got := h.presence().State; got != dialer.Online {
		t.Errorf("presence dot = %v, want Online", got)
	}
	if h.frame().banner.box.Visible() {
		t.Error("the keyring banner shows for a session saved in the keyring")
	}
}

func TestStartLoginRequiredFillsEmail(t *testing.T) {
	h := newHarness(t)
	h.s.stored = priya
	h.start()
	next(h, h.s.resumes).reply(nil, fmt.Errorf("%w: the provider refused the refresh token", session.ErrLoginRequired))

	h.waitFor("email")
	if got := h.emailScreen().entry.Text; got != priya.Email {
		t.Errorf("email field = %q, want %q", got, priya.Email)
	}
	if got := h.emailScreen().notice.Text; got != "Your session has ended. Sign in again." {
		t.Errorf("notice = %q", got)
	}
	if !h.emailScreen().next.Visible() || h.emailScreen().next.Disabled() {
		t.Error("Continue is not available for the filled-in email")
	}
}

func TestStartOfflineShowsDialerReconnectingThenOnline(t *testing.T) {
	h := newHarness(t)
	h.s.stored = priya
	h.start()
	offline := fmt.Errorf("auth: could not refresh: %w", errors.Join(session.ErrOffline, &idp.NetworkError{Op: "refresh the session", URL: okta.Issuer, Err: errors.New("connection refused")}))
	next(h, h.s.resumes).reply(nil, offline)

	h.waitFor("dialer")
	if got := h.presence().State; got != dialer.Reconnecting {
		t.Fatalf("presence = %v, want Reconnecting", got)
	}
	if got := h.frame().account.Name; got != priya.Name {
		t.Errorf("dialer shows %q, want the stored agent %q", got, priya.Name)
	}
	keep := next(h, h.s.keeps)

	retry := time.Now().Add(-time.Second) // due already: the dot starts no countdown timer
	keep.report(session.Status{NextRetry: retry, Err: offline})
	h.until("presence has the next retry", func() bool { return h.presence().NextRetry.Equal(retry) })

	keep.report(session.Status{Session: sessionOf(priya.Email, priya.Name, okta)})
	h.until("presence is Online", func() bool { return h.presence().State == dialer.Online })
	if !h.shows("dialer") {
		t.Error("the dialer is no longer shown")
	}
}

func TestStartWithoutStoredSessionAsksForEmail(t *testing.T) {
	h := newHarness(t)
	h.s.last = "sam@acme.example"
	h.start()

	if !h.shows("email") {
		t.Fatal("the email screen is not shown")
	}
	if got := h.emailScreen().entry.Text; got != "sam@acme.example" {
		t.Errorf("email field = %q, want the last email", got)
	}
	if h.emailScreen().noticeBox.Visible() {
		t.Error("a notice shows on a first start")
	}
	if h.win.Canvas().Focused() != h.emailScreen().entry {
		t.Error("the email field does not have the focus")
	}
}

func TestStartCancelGoesToEmail(t *testing.T) {
	for _, how := range []string{"button", "escape"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t)
			h.s.stored = priya
			h.start()
			resume := next(h, h.s.resumes)

			if how == "button" {
				test.Tap(h.startingScreen().cancel)
			} else {
				h.key(fyne.KeyEscape)
			}
			if !h.shows("email") {
				t.Fatal("Cancel did not go to the email screen")
			}
			if !resume.cancelled() {
				t.Error("the silent sign-in was not cancelled")
			}
			if got := h.emailScreen().entry.Text; got != priya.Email {
				t.Errorf("email field = %q, want %q", got, priya.Email)
			}
		})
	}
}

// TestStartKeyringProblemAsksToSignIn: when the keyring cannot give the stored sign-in back, the email screen
// says why in the vocabulary's words, which tell a locked keyring from one that did not answer or is not there.
func TestStartKeyringProblemAsksToSignIn(t *testing.T) {
	tests := []struct {
		name    string
		problem keyring.Problem
		want    string
	}{
		{"locked", keyring.Locked, "The system keyring is locked"},
		{"not answering", keyring.TimedOut, "did not answer"},
		{"no session bus", keyring.NoSession, "no desktop session bus"},
		{"unreachable", keyring.Unreachable, "The system keyring is not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.s.stored = priya
			h.start()
			err := &keyring.Error{Op: "read", Problem: tt.problem, Err: errors.New("dbus says no")}
			next(h, h.s.resumes).reply(nil, fmt.Errorf("%w: %w", session.ErrLoginRequired, err))

			h.waitFor("email")
			got := h.emailScreen().notice.Text
			if got != problem.Describe(err) || !strings.Contains(got, tt.want) {
				t.Errorf("notice = %q, want problem.Describe's sentence, which says %q", got, tt.want)
			}
		})
	}
	t.Run("unwrapped", func(t *testing.T) {
		h := newHarness(t)
		h.s.stored = priya
		h.start()
		next(h, h.s.resumes).reply(nil, &keyring.Error{Op: "read", Problem: keyring.Locked, Err: errors.New("locked")})
		h.waitFor("email")
		if got := h.emailScreen().notice.Text; !strings.Contains(got, "The system keyring is locked") {
			t.Errorf("notice = %q, want the locked keyring named", got)
		}
	})
}

func TestStartOtherErrorShowsProblemWithRetry(t *testing.T) {
	h := newHarness(t)
	h.s.stored = priya
	h.start()
	next(h, h.s.resumes).reply(nil, &idp.ConfigError{Field: "issuer", Problem: "the discovery document names another issuer"})

	h.waitFor("problem")
	test.Tap(h.problemScreen().secondary) // Back to sign-in
	if !h.shows("email") {
		t.Fatal("Back to sign-in did not go to the email screen")
	}
	if got := h.emailScreen().entry.Text; got != priya.Email {
		t.Errorf("email field = %q, want %q", got, priya.Email)
	}
}

func TestKeepAliveSignedOutGoesToEmail(t *testing.T) {
	h := newHarness(t)
	keep := h.signedIn()

	keep.report(session.Status{Err: fmt.Errorf("%w: refresh token revoked", session.ErrLoginRequired)})
	h.waitFor("email")
	if got := h.emailScreen().entry.Text; got != priya.Email {
		t.Errorf("email field = %q, want %q", got, priya.Email)
	}
	if got := h.emailScreen().notice.Text; got != "Your session has ended. Sign in again." {
		t.Errorf("notice = %q", got)
	}
	if !keep.cancelled() {
		t.Error("KeepAlive was not stopped")
	}
}

func TestKeyringUnavailableShowsBannerOnDialer(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	s := sessionOf(priya.Email, priya.Name, okta)
	s.KeyringErr = &keyring.Error{Op: "save", Problem: keyring.Unreachable, Err: errors.New("no Secret Service")}
	login.reply(s, nil)

	h.waitFor("dialer")
	b := h.frame().banner
	if !b.box.Visible() {
		t.Fatal("the keyring banner is not shown")
	}
	if got := b.text.Text; !strings.Contains(got, "signed in for this session only") {
		t.Errorf("banner = %q", got)
	}
	test.Tap(b.dismiss)
	if b.box.Visible() {
		t.Error("Dismiss did not hide the banner")
	}
	h.a.follow(agent.Update{Presence: dialer.Presence{State: dialer.Online}, KeyringErr: s.KeyringErr})
	if b.box.Visible() {
		t.Error("a dismissed banner came back at the next refresh")
	}
}
