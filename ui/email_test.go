package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/idp"
)

func TestEmailValidatesAsTyped(t *testing.T) {
	h := newHarness(t)
	h.start()
	e := h.emailScreen()

	steps := []struct {
		typed     string
		enabled   bool
		hint      string // a part of the hint; "" for none
		hintLevel widget.Importance
	}{
		{"priya", false, "", 0},
		{"@", false, "", 0},
		{"acme", false, "", 0},
		{".example", true, "", 0},
		{".", false, "Check the address", widget.MediumImportance}, // auth blames the part before the @ here; see the report
		{"uk", true, "", 0},
	}
	for _, step := range steps {
		test.Type(e.entry, step.typed)
		if got := !e.next.Disabled(); got != step.enabled {
			t.Errorf("after %q: Continue enabled = %v, want %v", e.entry.Text, got, step.enabled)
		}
		switch {
		case step.hint == "" && e.hint.Visible():
			t.Errorf("after %q: hint %q shown, want none", e.entry.Text, e.hint.Text)
		case step.hint != "" && (!e.hint.Visible() || !strings.Contains(e.hint.Text, step.hint)):
			t.Errorf("after %q: hint %q (shown %v), want one with %q", e.entry.Text, e.hint.Text, e.hint.Visible(), step.hint)
		case step.hint != "" && e.hint.Importance != step.hintLevel:
			t.Errorf("after %q: hint importance %v, want %v", e.entry.Text, e.hint.Importance, step.hintLevel)
		}
	}
}

func TestEmailEnterWithInvalidEmailShowsError(t *testing.T) {
	h := newHarness(t)
	h.start()
	e := h.emailScreen()
	test.Type(e.entry, "priya")
	e.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	if !e.hint.Visible() || e.hint.Importance != widget.DangerImportance {
		t.Errorf("hint %q (shown %v, importance %v), want a shown error", e.hint.Text, e.hint.Visible(), e.hint.Importance)
	}
	if !strings.Contains(e.hint.Text, "no @") {
		t.Errorf("hint = %q, want it to say the @ is missing", e.hint.Text)
	}
	select {
	case c := <-h.dir.lookups:
		t.Fatalf("an invalid email was looked up: %q", c.in)
	default:
	}
}

func TestEmailEnterLooksUpNormalisedEmail(t *testing.T) {
	h := newHarness(t)
	h.start()
	lookup := h.submit("  Priya@ACME.example ")

	if lookup.in != "priya@acme.example" {
		t.Errorf("looked up %q, want the normalised address", lookup.in)
	}
	e := h.emailScreen()
	if !e.looking.Visible() || e.next.Visible() {
		t.Error("while looking up, the spinner with Cancel does not replace Continue")
	}
	if !e.entry.Disabled() {
		t.Error("the email field can be edited during the lookup")
	}
}

func TestEmailNoSingleSignOn(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(listOf(), nil)

	e := h.emailScreen()
	h.until("the lookup ends", func() bool { return !e.looking.Visible() })
	if !e.problemBox.Visible() || !strings.Contains(e.problem.Text, "No single sign-on is set up for priya@acme.example") {
		t.Errorf("problem %q (shown %v), want the no-SSO sentence", e.problem.Text, e.problemBox.Visible())
	}
	if e.retryRow.Visible() {
		t.Error("Retry is offered for an answer that will not change")
	}
	if !h.shows("email") {
		t.Error("left the email screen")
	}
}

func TestEmailDirectoryUnreachableOffersRetry(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(nil, &idp.NetworkError{Op: "look up the providers", URL: "https://directory.example", Err: errors.New("timeout")})

	e := h.emailScreen()
	h.until("the lookup ends", func() bool { return !e.looking.Visible() })
	if !e.problemBox.Visible() || !strings.Contains(e.problem.Text, "could not reach https://directory.example") {
		t.Errorf("problem = %q, want Describe's sentence", e.problem.Text)
	}
	if !e.retryRow.Visible() {
		t.Fatal("no Retry")
	}
	test.Tap(e.retry)
	if got := next(h, h.dir.lookups).in; got != priya.Email {
		t.Errorf("Retry looked up %q", got)
	}
}

func TestEmailLookupCancel(t *testing.T) {
	h := newHarness(t)
	h.start()
	lookup := h.submit(priya.Email)
	if h.win.Canvas().Focused() != h.emailScreen().cancel {
		t.Error("Cancel does not have the focus during the lookup")
	}

	h.key(fyne.KeyEscape)
	e := h.emailScreen()
	if !lookup.cancelled() {
		t.Error("Escape did not cancel the lookup")
	}
	if e.looking.Visible() || !e.next.Visible() || e.entry.Disabled() {
		t.Error("after Cancel, the form is not back")
	}
	lookup.reply(listOf(okta), nil) // too late: dropped
	h.runNext()
	if !h.shows("email") || h.a.env.jobs.cancel != nil {
		t.Error("the answer to a cancelled lookup was not dropped")
	}
}

func TestEmailCachedAnswerIsMarked(t *testing.T) {
	h := newHarness(t)
	h.start()
	ans := listOf(okta, google)
	ans.Cached = true
	ans.FetchedAt = time.Date(2025, 3, 10, 14, 2, 0, 0, time.Local)
	ans.Err = &idp.NetworkError{Op: "look up the providers", URL: "https://directory.example", Err: errors.New("refused")}
	h.submit(priya.Email).reply(ans, nil)

	h.waitFor("choose")
	if got := h.chooseScreen().cached.Text; !h.chooseScreen().cached.Visible() || !strings.Contains(got, "saved on 10 Mar 2025 at 14:02") {
		t.Errorf("cached note = %q (shown %v)", got, h.chooseScreen().cached.Visible())
	}
}

func TestEmailOtherLookupErrorShowsProblem(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(nil, &idp.ConfigError{Field: "directory URL", Problem: "must use https"})

	h.waitFor("problem")
	if got := h.problemScreen().title.Text; got != "Single sign-on is not set up correctly" {
		t.Errorf("title = %q", got)
	}
}

func TestEmailKeyboard(t *testing.T) {
	h := newHarness(t)
	h.start()
	c := h.win.Canvas()
	if c.Focused() != h.emailScreen().entry {
		t.Fatal("the email field does not start with the focus")
	}
	test.Type(h.emailScreen().entry, priya.Email)
	c.FocusNext()
	if c.Focused() != h.emailScreen().next {
		t.Fatalf("Tab from the email field went to %T, want Continue", c.Focused())
	}
	h.emailScreen().next.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := next(h, h.dir.lookups).in; got != priya.Email {
		t.Errorf("Enter on Continue looked up %q", got)
	}
}
