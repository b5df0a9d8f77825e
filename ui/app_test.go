package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/line"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

func TestSignOut(t *testing.T) {
	h := newHarness(t)
	keep := h.signedIn()

	h.frame().signOut.Action()
	logout := next(h, h.s.logouts)
	if logout.in {
		t.Error("Sign out signed out everywhere")
	}
	if !keep.cancelled() {
		t.Error("KeepAlive still runs while signing out")
	}
	if !h.shows("starting") || h.startingScreen().title.Text != "Signing out…" {
		t.Errorf("while signing out, the window shows %q", h.startingScreen().title.Text)
	}
	logout.reply(session.LogoutResult{Revoked: true}, nil)

	h.waitFor("email")
	if got := h.emailScreen().notice.Text; got != "You are signed out." {
		t.Errorf("notice = %q", got)
	}
	if got := h.emailScreen().entry.Text; got != priya.Email {
		t.Errorf("email field = %q", got)
	}
}

func TestSignOutRevokeFailedSaysSo(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	h.frame().signOut.Action()
	next(h, h.s.logouts).reply(session.LogoutResult{RevokeErr: errors.New("unreachable")}, nil)

	h.waitFor("email")
	if got := h.emailScreen().notice.Text; !strings.Contains(got, "could not be told") {
		t.Errorf("notice = %q", got)
	}
}

func TestSignOutEverywhereOpensProviderPage(t *testing.T) {
	const endURL = "https://acme.okta.example/logout?id_token_hint=x"
	h := newHarness(t)
	h.signedIn()

	h.frame().everywhere.Action()
	logout := next(h, h.s.logouts)
	if !logout.in {
		t.Error("Sign out everywhere did not ask for everywhere")
	}
	logout.reply(session.LogoutResult{Revoked: true, EndSessionURL: endURL}, nil)
	open := next(h, h.browser.opens)
	if open.in != endURL {
		t.Errorf("opened %q, want the end-session page", open.in)
	}
	open.reply(struct{}{}, errors.New("no browser"))

	h.waitFor("email")
	e := h.emailScreen()
	if !strings.Contains(e.notice.Text, "could not open your browser to sign you out of Okta") {
		t.Errorf("notice = %q", e.notice.Text)
	}
	if !e.signOutRow.Visible() {
		t.Fatal("no Copy sign-out link")
	}
	test.Tap(e.signOutLink)
	if got := h.app.Clipboard().Content(); got != endURL {
		t.Errorf("clipboard = %q", got)
	}
}

func TestSignOutFailureShowsProblem(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	h.frame().signOut.Action()
	next(h, h.s.logouts).reply(session.LogoutResult{}, &keyring.Error{Op: "delete", Problem: keyring.Locked, Err: errors.New("locked")})

	h.waitFor("problem")
	if got := h.problemScreen().message.Text; !strings.Contains(got, "could not be removed") {
		t.Errorf("sentence = %q", got)
	}
	test.Tap(h.problemScreen().primary) // Try again
	next(h, h.s.logouts)
}

func TestUseAnotherAccountFromMenu(t *testing.T) {
	h := newHarness(t)
	h.signedIn()

	h.frame().another.Action()
	next(h, h.s.logouts).reply(session.LogoutResult{}, nil)
	h.waitFor("email")
	if got := h.emailScreen().notice.Text; !strings.Contains(got, "asks which account") {
		t.Errorf("notice = %q", got)
	}
	h.submit(priya.Email).reply(listOf(okta), nil)
	if got := next(h, h.s.logins).in.Prompt; got != "select_account" {
		t.Errorf("prompt = %q, want select_account", got)
	}
}

func TestMenuButtonOpensMenu(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	test.Tap(h.frame().menuButton)
	if h.win.Canvas().Overlays().Top() == nil {
		t.Error("the account menu did not open")
	}
}

func TestAbout(t *testing.T) {
	h := newHarness(t)
	h.signedIn()

	h.frame().about.Action()
	ab := h.frame().aboutBox
	if ab.dialog == nil || h.win.Canvas().Overlays().Top() == nil {
		t.Fatal("About is not shown")
	}
	want := map[string]string{
		"version":  "Version 1.4.0",
		"account":  "Priya Natarajan <priya@acme.example>",
		"provider": "Okta",
		"issuer":   okta.Issuer,
	}
	got := map[string]string{"version": ab.version.Text, "account": ab.account.Text, "provider": ab.provider.Text, "issuer": ab.issuer.Text}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("About %s = %q, want %q", k, got[k], want[k])
		}
	}
}

func TestWindowSizeIsRemembered(t *testing.T) {
	app := &fakeApp{App: test.NewTempApp(t)}
	h := newHarnessWith(t, app)
	if got := h.win.Canvas().Size(); got != fyne.NewSize(defaultWidth, defaultHeight) {
		t.Errorf("first size = %v, want the default", got)
	}
	h.win.Resize(fyne.NewSize(480, 700))
	h.a.closeWindow()

	again := New(app, h.a.env.deps)
	if got := again.Window().Canvas().Size(); got != fyne.NewSize(480, 700) {
		t.Errorf("size after a restart = %v, want 480×700", got)
	}
}

// TestAppScreenshots renders every screen at 420×640 in the light and the dark theme into docs/screenshots, for
// people to look at. It runs only with DIALTONE_UPDATE_SCREENSHOTS=1.
func TestAppScreenshots(t *testing.T) {
	if os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") != "1" {
		t.Skip("set DIALTONE_UPDATE_SCREENSHOTS=1 to render docs/screenshots")
	}
	dir := filepath.Join("..", "docs", "screenshots")
	for _, v := range []struct {
		suffix  string
		variant fyne.ThemeVariant
	}{{"", theme.VariantLight}, {"-dark", theme.VariantDark}} {
		for _, s := range screenshots {
			t.Run(s.name+v.suffix, func(t *testing.T) {
				h := newHarness(t)
				h.app.Settings().SetTheme(screenshotTheme{Theme: theme.DefaultTheme(), variant: v.variant})
				h.win.Resize(fyne.NewSize(defaultWidth, defaultHeight))
				s.drive(h)
				settle(h.win)
				writeScreenshot(t, filepath.Join(dir, s.name+v.suffix+".png"), h.win.Canvas().Capture())
			})
		}
	}
}

// screenshots are the screens to render, each driven there through the fakes.
var screenshots = []struct {
	name  string
	drive func(h *harness)
}{
	{"starting", func(h *harness) {
		h.s.stored = priya
		h.start()
		next(h, h.s.resumes)
	}},
	{"email", func(h *harness) {
		h.start()
		test.Type(h.emailScreen().entry, "priya@acme.example")
	}},
	{"email-invalid", func(h *harness) {
		h.start()
		test.Type(h.emailScreen().entry, "priya@acme")
		h.emailScreen().submit()
	}},
	{"email-looking-up", func(h *harness) {
		h.start()
		h.submit(priya.Email)
	}},
	{"email-no-sso", func(h *harness) {
		h.start()
		h.submit("sam@example.org").reply(listOf(), nil)
		h.until("the lookup ends", func() bool { return h.emailScreen().problemBox.Visible() })
	}},
	{"email-directory-unreachable", func(h *harness) {
		h.start()
		h.submit(priya.Email).reply(nil, &idp.NetworkError{Op: "look up the providers", URL: "https://directory.acme.example", Err: errors.New("timeout")})
		h.until("the lookup ends", func() bool { return h.emailScreen().problemBox.Visible() })
	}},
	{"session-ended", func(h *harness) {
		h.s.stored = priya
		h.start()
		next(h, h.s.resumes).reply(nil, session.ErrLoginRequired)
		h.waitFor("email")
	}},
	{"choose", func(h *harness) {
		h.start()
		h.submit(priya.Email).reply(listOf(okta, google, idp.Provider{ID: "acme-sso", Type: idp.TypeOIDC, Name: "ACME single sign-on"}), nil)
		h.waitFor("choose")
	}},
	{"choose-cached", func(h *harness) {
		h.start()
		ans := listOf(okta, google)
		ans.Cached, ans.FetchedAt = true, time.Date(2025, 3, 10, 14, 2, 0, 0, time.Local)
		h.submit(priya.Email).reply(ans, nil)
		h.waitFor("choose")
	}},
	{"waiting", func(h *harness) {
		login := h.toWaiting()
		login.in.OnBrowser(signInURL, nil)
		h.tick(48 * time.Second)
		h.until("the browser opened", func() bool {
			return h.waitingScreen().url != "" && strings.HasSuffix(h.waitingScreen().left.Text, "4:12 left")
		})
	}},
	{"waiting-no-browser", func(h *harness) {
		login := h.toWaiting()
		login.in.OnBrowser(signInURL, errors.New("xdg-open: not found"))
		h.until("the link shows", func() bool { return h.waitingScreen().linkBox.Visible() })
	}},
	{"problem-access-denied", problemShot(&auth.ProviderError{Code: "access_denied"})},
	{"problem-mismatch", problemShot(&auth.EmailError{Problem: auth.EmailMismatch, Typed: priya.Email, Got: "priya.n@gmail.example"})},
	{"problem-misconfigured", func(h *harness) {
		problemShot(&idp.ConfigError{Field: "client_id", Problem: "the identity provider does not know the client \"dialtone-desktop\""})(h)
		h.problemScreen().details.open()
	}},
	{"problem-timeout", problemShot(auth.ErrTimeout)},
	{"problem-network", problemShot(&idp.NetworkError{Op: "exchange the code", URL: "https://acme.okta.example/oauth2/v1/token", Err: errors.New("connection reset by peer")})},
	{"signed-in", func(h *harness) { h.signedIn() }},
	{"signed-in-reconnecting", func(h *harness) {
		h.signedIn().report(session.Status{Err: session.ErrOffline})
		h.until("reconnecting", func() bool { return h.presence().State == dialer.Reconnecting })
	}},
	{"signed-in-line-refused", func(h *harness) {
		h.signedIn()
		h.a.follow(refusedUpdate())
	}},
	{"signed-in-line-connecting", func(h *harness) {
		h.signedIn()
		dot := h.frame().dialer.presence
		dot.now, dot.after = func() time.Time { return dialT0 }, func(time.Duration, func()) func() bool { return func() bool { return true } }
		down := &line.UnreachableError{Op: "register at sips:pbx.acme.example", Err: errors.New("connection refused")}
		h.a.follow(agent.Update{Line: true, Presence: dialer.Presence{State: dialer.Connecting, NextRetry: dialT0.Add(20 * time.Second), Advice: problem.Describe(down)}})
	}},
	{"signed-in-keyring", func(h *harness) {
		login := h.toWaiting()
		s := sessionOf(priya.Email, priya.Name, okta)
		s.KeyringErr = &keyring.Error{Op: "save", Problem: keyring.Locked, Err: errors.New("locked")}
		login.reply(s, nil)
		h.waitFor("dialer")
	}},
	{"signed-in-menu", func(h *harness) {
		h.signedIn()
		test.Tap(h.frame().menuButton)
	}},
	{"about", func(h *harness) {
		h.signedIn()
		h.frame().about.Action()
	}},
	{"signed-out", func(h *harness) {
		h.signedIn()
		h.frame().everywhere.Action()
		next(h, h.s.logouts).reply(session.LogoutResult{Revoked: true, EndSessionURL: "https://acme.okta.example/logout"}, nil)
		next(h, h.browser.opens).reply(struct{}{}, errors.New("no browser"))
		h.waitFor("email")
	}},
}

// settle lays the window out until wrapped text has the height its width gives it, as Fyne's real canvas does
// frame by frame; the test canvas lays out once per change.
func settle(w fyne.Window) {
	size := w.Canvas().Size()
	for i := range 3 {
		w.Resize(size.AddWidthHeight(0, float32(i+1)))
		w.Resize(size)
	}
}

func problemShot(err error) func(h *harness) {
	return func(h *harness) {
		h.toWaiting().reply(nil, err)
		h.waitFor("problem")
	}
}
