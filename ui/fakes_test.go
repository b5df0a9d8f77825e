package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/directory"
	"dialtone/internal/idp"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// patience is how long a test waits for the app to get somewhere before it fails.
const patience = 5 * time.Second

// call is one blocking call a fake received: the test takes it from the fake's channel, looks at its
// arguments, and answers it with reply. Until then the caller waits, as it would on a real server.
type call[In, Out any] struct {
	ctx context.Context
	in  In
	out chan result[Out]
}

type result[Out any] struct {
	v   Out
	err error
}

// reply answers the call.
func (c *call[In, Out]) reply(v Out, err error) { c.out <- result[Out]{v, err} }

// cancelled reports whether the caller cancelled the call's context.
func (c *call[In, Out]) cancelled() bool { return c.ctx.Err() != nil }

// ask hands a call to the test through ch and waits for the answer or for ctx to end; onCancel turns the end
// of ctx into the error the real implementation returns.
func ask[In, Out any](ctx context.Context, ch chan *call[In, Out], in In, onCancel func(error) error) (Out, error) {
	c := &call[In, Out]{ctx: ctx, in: in, out: make(chan result[Out], 1)}
	var zero Out
	select {
	case ch <- c:
	case <-ctx.Done():
		return zero, onCancel(ctx.Err())
	}
	select {
	case r := <-c.out:
		return r.v, r.err
	case <-ctx.Done():
		return zero, onCancel(ctx.Err())
	}
}

func asIs(err error) error { return err }

func asCancelled(err error) error { return fmt.Errorf("%w: %w", auth.ErrCancelled, err) }

// fakeSessions is the session store: the Starter, the Signer, and the agent.Sessions the real agent.Agent keeps
// alive and signs out of. Every blocking call waits for the test.
type fakeSessions struct {
	stored  *session.Record
	last    string
	resumes chan *call[struct{}, *session.Session]
	logins  chan *call[session.LoginRequest, *session.Session]
	logouts chan *call[bool, session.LogoutResult]
	keeps   chan *keepCall
}

// keepCall is a running KeepAlive: the test reports statuses through it until the app cancels ctx.
type keepCall struct {
	ctx    context.Context
	report func(session.Status)
}

// cancelled reports whether the app stopped the KeepAlive.
func (k *keepCall) cancelled() bool { return k.ctx.Err() != nil }

func newFakeSessions() *fakeSessions {
	return &fakeSessions{
		resumes: make(chan *call[struct{}, *session.Session]),
		logins:  make(chan *call[session.LoginRequest, *session.Session]),
		logouts: make(chan *call[bool, session.LogoutResult]),
		keeps:   make(chan *keepCall),
	}
}

func (f *fakeSessions) Resume(ctx context.Context) (*session.Session, error) {
	return ask(ctx, f.resumes, struct{}{}, asIs)
}

func (f *fakeSessions) Stored() *session.Record { return f.stored }

func (f *fakeSessions) LastEmail() string { return f.last }

// Line: the fake session has no phone line.
func (f *fakeSessions) Line() (*sipaddr.Config, string) { return nil, "" }

func (f *fakeSessions) AdoptLine(context.Context, *sipaddr.Config) error { return nil }

func (f *fakeSessions) AccessToken(context.Context, time.Duration) (string, error) { return "", nil }

func (f *fakeSessions) RenewAccessToken(context.Context) (string, error) { return "", nil }

func (f *fakeSessions) Login(ctx context.Context, req session.LoginRequest) (*session.Session, error) {
	return ask(ctx, f.logins, req, asCancelled)
}

func (f *fakeSessions) Logout(ctx context.Context, everywhere bool) (session.LogoutResult, error) {
	return ask(ctx, f.logouts, everywhere, asIs)
}

func (f *fakeSessions) KeepAlive(ctx context.Context, report func(session.Status)) {
	select {
	case f.keeps <- &keepCall{ctx: ctx, report: report}:
		<-ctx.Done()
	case <-ctx.Done():
	}
}

// fakeDirectory answers lookups as the test says.
type fakeDirectory struct {
	lookups chan *call[string, *directory.Answer]
}

func (f *fakeDirectory) LookupOrCached(ctx context.Context, email string) (*directory.Answer, error) {
	return ask(ctx, f.lookups, email, asIs)
}

// fakeBrowser opens addresses as the test says.
type fakeBrowser struct {
	opens chan *call[string, struct{}]
}

func (f *fakeBrowser) Open(ctx context.Context, url string) error {
	_, err := ask(ctx, f.opens, url, asIs)
	return err
}

// fakeApp is a test app whose window counts RequestFocus and remembers whether it is hidden.
type fakeApp struct {
	fyne.App
	win *spyWindow
}

func (a *fakeApp) NewWindow(title string) fyne.Window {
	a.win = &spyWindow{Window: a.App.NewWindow(title)}
	return a.win
}

type spyWindow struct {
	fyne.Window
	focusRequests int
	hidden        bool
	closed        bool
}

func (w *spyWindow) Close() {
	w.closed = true
	w.Window.Close()
}

func (w *spyWindow) RequestFocus() {
	w.focusRequests++
	w.Window.RequestFocus()
}

func (w *spyWindow) Hide() {
	w.hidden = true
	w.Window.Hide()
}

func (w *spyWindow) Show() {
	w.hidden = false
	w.Window.Show()
}

// fakeTrayApp is a fakeApp with a system tray, as desktop.App describes it.
type fakeTrayApp struct {
	*fakeApp
	trayMenu   *fyne.Menu
	trayIcon   fyne.Resource
	trayWindow fyne.Window
}

func (a *fakeTrayApp) SetSystemTrayMenu(m *fyne.Menu)       { a.trayMenu = m }
func (a *fakeTrayApp) SetSystemTrayIcon(icon fyne.Resource) { a.trayIcon = icon }
func (a *fakeTrayApp) SetSystemTrayWindow(w fyne.Window)    { a.trayWindow = w }

// harness is an App over fakes, with the Fyne-thread work it hands back queued for the test to run, a clock
// and a countdown ticker the test moves by hand.
type harness struct {
	t       *testing.T
	app     *fakeApp
	a       *App
	win     fyne.Window
	s       *fakeSessions
	dir     *fakeDirectory
	browser *fakeBrowser
	queue   chan func()
	ticks   chan time.Time
	now     time.Time
}

// newHarness returns a started-up harness; change h.s before h.start to choose what is stored.
func newHarness(t *testing.T) *harness {
	return newHarnessWith(t, &fakeApp{App: test.NewTempApp(t)})
}

func newHarnessWith(t *testing.T, app fyne.App) *harness {
	h := &harness{
		t: t, s: newFakeSessions(),
		dir:     &fakeDirectory{lookups: make(chan *call[string, *directory.Answer])},
		browser: &fakeBrowser{opens: make(chan *call[string, struct{}])},
		queue:   make(chan func(), 1000),
		ticks:   make(chan time.Time),
		now:     time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
	}
	deps := Deps{
		Starter: h.s, Signer: h.s, Keeper: agent.New(h.s, nil, h.browser, nil), Directory: h.dir, Browser: h.browser,
		Version: "1.4.0", LoginTimeout: 5 * time.Minute, Region: "GB",
		Now: func() time.Time { return h.now },
	}
	every := func(time.Duration) (<-chan time.Time, func()) { return h.ticks, func() {} }
	h.a = newApp(app, deps, func(f func()) { h.queue <- f }, every)
	h.win = h.a.Window()
	switch a := app.(type) {
	case *fakeApp:
		h.app = a
	case *fakeTrayApp:
		h.app = a.fakeApp
	}
	t.Cleanup(h.a.quit)
	return h
}

// start starts the app.
func (h *harness) start() {
	h.a.Start(h.t.Context())
}

// until runs the work the app hands to the Fyne thread until cond holds.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(patience)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-deadline:
			h.t.Fatalf("gave up waiting until %s", what)
		}
	}
}

// runNext runs the next piece of work the app hands to the Fyne thread.
func (h *harness) runNext() {
	h.t.Helper()
	select {
	case f := <-h.queue:
		f()
	case <-time.After(patience):
		h.t.Fatal("the app handed nothing back")
	}
}

// next returns the next call a fake receives on ch, running the app's Fyne-thread work meanwhile.
func next[T any](h *harness, ch chan T) T {
	h.t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case c := <-ch:
			return c
		case f := <-h.queue:
			f()
		case <-deadline:
			var zero T
			h.t.Fatalf("gave up waiting for a %T", zero)
			return zero
		}
	}
}

// tick moves the clock by d and makes the countdown tick.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.now = h.now.Add(d)
	select {
	case h.ticks <- h.now:
	case <-time.After(patience):
		h.t.Fatal("the countdown is not ticking")
	}
}

// shows reports whether the window shows the screen named name (as Deps.OnScreen names it).
func (h *harness) shows(name string) bool {
	s := h.a.current
	return s != nil && s.screenName() == name && h.win.Content() == s.root()
}

// waitFor runs the app's work until it shows the screen named name.
func (h *harness) waitFor(name string) {
	h.t.Helper()
	h.until("the "+name+" screen shows", func() bool { return h.shows(name) })
}

// Handles to the screens, to drive their widgets. Each builds its screen if it was not shown yet.
func (h *harness) startingScreen() *startingScreen { return h.a.starting.get() }
func (h *harness) emailScreen() *emailScreen       { return h.a.email.get() }
func (h *harness) chooseScreen() *chooseScreen     { return h.a.choose.get() }
func (h *harness) waitingScreen() *waitingScreen   { return h.a.waiting.get() }
func (h *harness) problemScreen() *problemScreen   { return h.a.problem.get() }
func (h *harness) frame() *frame                   { return h.a.frame.get() }

// presence is what the dialer's presence dot shows.
func (h *harness) presence() dialer.Presence { return h.frame().dialer.presence.Presence() }

// key types a key on the window with nothing focused.
func (h *harness) key(name fyne.KeyName) {
	h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: name})
}

// Fixtures: an agent at ACME, whose account offers Okta and Google.
var (
	okta   = idp.Provider{ID: "acme-okta", Type: idp.TypeOkta, Name: "Okta", Issuer: "https://acme.okta.example"}
	google = idp.Provider{ID: "acme-google", Type: idp.TypeGoogle, Name: "Google", Issuer: "https://accounts.google.example"}
	priya  = &session.Record{
		Email: "priya@acme.example", Name: "Priya Natarajan", ProviderID: okta.ID, Issuer: okta.Issuer, Provider: okta,
	}
)

func sessionOf(email, name string, p idp.Provider) *session.Session {
	return &session.Session{Session: &auth.Session{Email: email, Name: name, Subject: "00u1", Issuer: p.Issuer, ProviderID: p.ID, ExpiresAt: time.Now().Add(time.Hour)}}
}

func listOf(providers ...idp.Provider) *directory.Answer {
	return &directory.Answer{List: &idp.ProviderList{Account: "acme", Providers: providers}}
}

// signedIn starts the app with priya's session stored and signs her in silently; it returns her KeepAlive.
func (h *harness) signedIn() *keepCall {
	h.t.Helper()
	h.s.stored = priya
	h.start()
	next(h, h.s.resumes).reply(sessionOf(priya.Email, priya.Name, okta), nil)
	h.waitFor("dialer")
	return next(h, h.s.keeps)
}

// submit types email on the email screen and presses Enter; it returns the lookup.
func (h *harness) submit(email string) *call[string, *directory.Answer] {
	h.t.Helper()
	h.emailScreen().entry.SetText("")
	test.Type(h.emailScreen().entry, email)
	h.emailScreen().entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	return next(h, h.dir.lookups)
}

// toWaiting starts the app with nothing stored and signs in as priya with Okta up to the browser wait; it
// returns the sign-in call.
func (h *harness) toWaiting() *call[session.LoginRequest, *session.Session] {
	h.t.Helper()
	h.start()
	h.submit(priya.Email).reply(listOf(okta), nil)
	login := next(h, h.s.logins)
	h.waitFor("waiting")
	return login
}
