package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dialtone/auth"
)

const signInURL = "https://acme.okta.example/oauth2/v1/authorize?client_id=dialtone&state=s1"

func TestWaitingSaysWhichPageOpened(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	w := h.waitingScreen()

	if got := w.title.Text; got != "Sign in with Okta" {
		t.Errorf("title = %q", got)
	}
	if !w.again.Disabled() || !w.copy.Disabled() {
		t.Error("Open again and Copy link work before there is a link")
	}
	login.in.OnBrowser(signInURL, nil)
	h.until("the browser opened", func() bool { return w.url == signInURL })
	if got := w.message.Text; !strings.Contains(got, "Okta sign-in page is open in your browser") {
		t.Errorf("message = %q", got)
	}
	if w.again.Disabled() || w.copy.Disabled() {
		t.Error("Open again and Copy link are still disabled")
	}
	if w.linkBox.Visible() {
		t.Error("the link is shown although the browser opened it")
	}
}

func TestWaitingCountsDown(t *testing.T) {
	h := newHarness(t)
	h.toWaiting()
	w := h.waitingScreen()

	if got := w.left.Text; !strings.HasSuffix(got, "5:00 left") {
		t.Errorf("time left = %q, want 5:00", got)
	}
	h.tick(61 * time.Second)
	h.until("the countdown shows 3:59", func() bool { return strings.HasSuffix(w.left.Text, "3:59 left") })
	h.tick(3*time.Minute + 30*time.Second)
	h.until("the countdown shows 0:29", func() bool { return strings.HasSuffix(w.left.Text, "0:29 left") })
	if w.left.Importance != widget.WarningImportance {
		t.Error("the last minute is not marked")
	}
}

func TestWaitingBrowserFailedShowsLink(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	w := h.waitingScreen()

	login.in.OnBrowser(signInURL, errors.New("xdg-open: not found"))
	h.until("the link is shown", func() bool { return w.linkBox.Visible() })
	if w.link.Text != signInURL {
		t.Errorf("link = %q, want %q", w.link.Text, signInURL)
	}
	if !strings.Contains(w.message.Text, "could not open your browser") {
		t.Errorf("message = %q", w.message.Text)
	}
}

func TestWaitingCopyLink(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	w := h.waitingScreen()
	login.in.OnBrowser(signInURL, errors.New("no browser"))
	h.until("Copy link works", func() bool { return !w.copy.Disabled() })

	test.Tap(w.copy)
	if got := h.app.Clipboard().Content(); got != signInURL {
		t.Errorf("clipboard = %q, want the link", got)
	}
	if w.copy.Text != "Link copied" {
		t.Errorf("Copy link says %q after copying", w.copy.Text)
	}
}

func TestWaitingOpenAgain(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	w := h.waitingScreen()
	login.in.OnBrowser(signInURL, errors.New("no browser"))
	h.until("Open again works", func() bool { return !w.again.Disabled() })

	test.Tap(w.again)
	open := next(h, h.browser.opens)
	if open.in != signInURL {
		t.Errorf("opened %q, want the sign-in link", open.in)
	}
	open.reply(struct{}{}, nil)
	h.until("the page is reported open", func() bool { return !w.linkBox.Visible() })
	if !strings.Contains(w.message.Text, "is open in your browser") {
		t.Errorf("message = %q", w.message.Text)
	}
}

func TestWaitingCancel(t *testing.T) {
	for _, how := range []string{"button", "escape", "escape on a button"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t)
			login := h.toWaiting()
			switch how {
			case "button":
				test.Tap(h.waitingScreen().cancel)
			case "escape":
				h.key(fyne.KeyEscape)
			default:
				h.win.Canvas().Focus(h.waitingScreen().copy)
				h.waitingScreen().copy.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
			}

			if !h.shows("email") {
				t.Fatal("Cancel did not go back to the email screen")
			}
			if !login.cancelled() {
				t.Error("the sign-in was not cancelled")
			}
			if got := h.emailScreen().notice.Text; got != "Sign-in cancelled." {
				t.Errorf("notice = %q", got)
			}
			if got := h.emailScreen().entry.Text; got != priya.Email {
				t.Errorf("email field = %q", got)
			}
		})
	}
}

func TestWaitingSuccessRaisesWindow(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	login.reply(sessionOf(priya.Email, priya.Name, okta), nil)

	h.waitFor("dialer")
	next(h, h.s.keeps)
	if h.app.win.focusRequests != 1 {
		t.Errorf("RequestFocus called %d times, want 1", h.app.win.focusRequests)
	}
	if got := h.frame().account; got.provider != "Okta" || got.Email != priya.Email || got.Name != priya.Name {
		t.Errorf("signed in as %+v", got)
	}
}

func TestWaitingFailureRaisesWindow(t *testing.T) {
	h := newHarness(t)
	login := h.toWaiting()
	login.reply(nil, &auth.ProviderError{Code: "access_denied"})

	h.waitFor("problem")
	if h.app.win.focusRequests != 1 {
		t.Errorf("RequestFocus called %d times, want 1", h.app.win.focusRequests)
	}
}
