package ui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
)

// loginErrors are the errors a browser sign-in can end with, as the problem screen presents them.
var loginErrors = []struct {
	name      string
	err       error
	title     string
	sentence  string // a part of the sentence
	primary   string
	secondary string // "" when hidden
	details   bool
}{
	{"access denied", &auth.ProviderError{Code: "access_denied", Description: "User denied access"},
		"Sign-in declined", "declined at your identity provider", "Try again", "Use another account", false},
	{"provider refused", &auth.ProviderError{Code: "unauthorized_client"},
		"Your identity provider refused the sign-in", "(unauthorized_client)", "Try again", "Copy details for your admin", true},
	{"email mismatch", &auth.EmailError{Problem: auth.EmailMismatch, Typed: "priya@acme.example", Got: "priya.n@gmail.example"},
		"A different account signed in", "You typed priya@acme.example, but the browser signed in priya.n@gmail.example", "Use another account", "Back to sign-in", false},
	{"email unverified", &auth.EmailError{Problem: auth.EmailUnverified, Typed: "priya@acme.example", Got: "priya@acme.example"},
		"Your email could not be confirmed", "has not verified", "Back to sign-in", "Copy details for your admin", true},
	{"misconfigured", &idp.ConfigError{Field: "client_id", Problem: "the provider does not know this client"},
		"Single sign-on is not set up correctly", "Contact your admin", "Copy details for your admin", "Back to sign-in", true},
	{"security check", &auth.VerificationError{Check: "nonce", Err: errors.New("mismatch")},
		"The sign-in failed a security check", "(nonce)", "Try again", "Copy details for your admin", true},
	{"timeout", auth.ErrTimeout,
		"Sign-in timed out", "not completed in time", "Try again", "Back to sign-in", false},
	{"network", &idp.NetworkError{Op: "exchange the code", URL: "https://acme.okta.example/token", Err: errors.New("connection reset")},
		"Dialtone cannot connect", "could not reach https://acme.okta.example/token", "Retry", "Back to sign-in", true},
	{"port in use", &auth.PortInUseError{Addr: "127.0.0.1:8250", Err: errors.New("address already in use")},
		"Sign-in could not start", "127.0.0.1:8250", "Try again", "Back to sign-in", true},
	{"unknown", errors.New("something odd"),
		"Sign-in failed", "something odd", "Try again", "Back to sign-in", true},
}

func TestProblemScreens(t *testing.T) {
	for _, tc := range loginErrors {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.toWaiting().reply(nil, tc.err)
			h.waitFor("problem")
			p := h.problemScreen()

			if p.title.Text != tc.title {
				t.Errorf("title = %q, want %q", p.title.Text, tc.title)
			}
			if p.message.Text != problem.Describe(tc.err) || !strings.Contains(p.message.Text, tc.sentence) {
				t.Errorf("sentence = %q, want Describe's, with %q", p.message.Text, tc.sentence)
			}
			if p.primary.Text != tc.primary || !p.primary.Visible() {
				t.Errorf("primary button = %q, want %q", p.primary.Text, tc.primary)
			}
			if got := buttonLabel(p.secondary); got != tc.secondary {
				t.Errorf("secondary button = %q, want %q", got, tc.secondary)
			}
			if p.details.box.Visible() != tc.details {
				t.Errorf("details shown = %v, want %v", p.details.box.Visible(), tc.details)
			}
			if p.detailsText.Text != tc.err.Error() {
				t.Errorf("details = %q, want err.Error()", p.detailsText.Text)
			}
			if h.win.Canvas().Focused() != p.primary {
				t.Error("the primary action does not have the focus")
			}
		})
	}
}

func buttonLabel(b *keyButton) string {
	if !b.Visible() {
		return ""
	}
	return b.Text
}

func TestProblemTryAgainSignsInAgain(t *testing.T) {
	for _, err := range []error{&auth.ProviderError{Code: "access_denied"}, auth.ErrTimeout, &idp.NetworkError{Op: "x", URL: "https://x.example", Err: errors.New("down")}} {
		t.Run(err.Error(), func(t *testing.T) {
			h := newHarness(t)
			h.toWaiting().reply(nil, err)
			h.waitFor("problem")

			test.Tap(h.problemScreen().primary)
			login := next(h, h.s.logins)
			if login.in.Provider.ID != okta.ID || login.in.Email != priya.Email {
				t.Errorf("tried again with %s as %s", login.in.Provider.ID, login.in.Email)
			}
			if !h.shows("waiting") {
				t.Error("the waiting screen is not shown")
			}
		})
	}
}

func TestProblemEmailMismatchUsesAnotherAccount(t *testing.T) {
	h := newHarness(t)
	h.toWaiting().reply(nil, &auth.EmailError{Problem: auth.EmailMismatch, Typed: priya.Email, Got: "priya.n@gmail.example"})
	h.waitFor("problem")

	test.Tap(h.problemScreen().primary)
	if !h.shows("email") {
		t.Fatal("Use another account did not go to the email screen")
	}
	if got := h.emailScreen().entry.Text; got != priya.Email {
		t.Errorf("email field = %q, want the typed address", got)
	}
	h.submit(priya.Email).reply(listOf(okta), nil)
	if got := next(h, h.s.logins).in.Prompt; got != "select_account" {
		t.Errorf("prompt = %q, want select_account", got)
	}
}

func TestProblemCopyDetails(t *testing.T) {
	h := newHarness(t)
	err := &idp.ConfigError{Field: "client_id", Problem: "unknown client"}
	h.toWaiting().reply(nil, err)
	h.waitFor("problem")

	test.Tap(h.problemScreen().primary)
	if got := h.app.Clipboard().Content(); got != err.Error() {
		t.Errorf("clipboard = %q, want the error", got)
	}
	h.problemScreen().details.open()
	if !h.problemScreen().details.isOpen() {
		t.Error("Details does not open")
	}
}

func TestProblemCancelledIsNoProblem(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.a.showProblem(auth.ErrCancelled, attempt{email: priya.Email}, nil)
	if !h.shows("email") {
		t.Error("a cancelled sign-in shows a problem screen")
	}
}
