package authtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"time"
)

// ErrLoginRejected is the error of a walk whose provider showed the login
// form again after the browser had submitted it: a wrong password or an
// unknown user.
var ErrLoginRejected = errors.New("authtest: the provider rejected the login")

// defaultWalkTimeout bounds a walk when FormBrowser.Timeout is zero.
const defaultWalkTimeout = 30 * time.Second

// maxPageBytes is the most of a page that the browser reads.
const maxPageBytes = 1 << 20

// maxSteps is the most pages a walk goes through before giving up.
const maxSteps = 10

// FormBrowser opens an authorization URL like a person would: it follows
// redirects with a cookie jar, fills the provider's login form with Username
// and Password, submits consent pages, and finally requests the loopback
// redirect URI (http://127.0.0.1:PORT/callback?code=…), that is, it delivers
// the callback to the waiting app. It works with both StartZitadel's and
// StartNode's pages, and only ever visits loopback addresses.
//
// Set the exported fields before the first Open. The zero value has no
// credentials and so is rejected at the login form; it is usable for Deny.
type FormBrowser struct {
	// Username and Password are typed into the login form. Username is the
	// user's email address at both providers.
	Username, Password string

	// Deny makes the browser decline instead of signing in: it follows the
	// cancel link on the first page that has one, and the provider sends
	// error=access_denied to the callback. oidc-provider has one on its login
	// and consent pages; Zitadel's example has none, so a denying walk there
	// fails.
	Deny bool

	// Client, if set, makes the requests; its CheckRedirect is replaced. By
	// default the browser uses its own client with a cookie jar that it keeps
	// across Opens, so a second login can reuse the provider's session.
	Client *http.Client

	// Timeout bounds one walk through the provider's pages. Zero means 30
	// seconds.
	Timeout time.Duration

	mu     sync.Mutex
	jar    http.CookieJar
	opened int
	last   *walk
}

// Walk is what one Open did, for assertions and diagnostics.
type Walk struct {
	// OpenedURL is the URL given to Open.
	OpenedURL string
	// Visited lists every URL requested, redirects included, in order.
	Visited []string
	// CallbackURL is the redirect to the app, with its code or error, or ""
	// if the walk never got there.
	CallbackURL string
	// LastURL and LastPage are the last provider page read, and its body.
	LastURL, LastPage string
	// Err is why the walk failed; nil while it runs and after success.
	Err error
}

// Open starts a walk through the provider's pages at authURL in the
// background and returns at once, like a real browser that has been handed a
// URL. It returns an error only if it cannot start: authURL is not an http or
// https URL on a loopback address. The walk keeps ctx's values but not its
// cancellation, and it stops after Timeout. Use Done, Wait, Err and Last to
// learn how it went; a new Open replaces the walk they report on.
func (b *FormBrowser) Open(ctx context.Context, authURL string) error {
	u, err := url.Parse(authURL)
	if err != nil {
		return fmt.Errorf("authtest: could not parse the URL to open: %w", err)
	}
	if err := checkLoopback(u); err != nil {
		return err
	}
	b.mu.Lock()
	w := newWalk(u, b.Username, b.Password, b.Deny)
	client := b.client(w)
	b.opened++
	b.last = w
	timeout := b.Timeout
	if timeout == 0 {
		timeout = defaultWalkTimeout
	}
	b.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	go func() {
		defer cancel()
		w.finish(w.run(ctx, client))
	}()
	return nil
}

// Opens reports how many times Open was called.
func (b *FormBrowser) Opens() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opened
}

// Done is closed when the latest walk has ended. Before the first Open it is
// already closed.
func (b *FormBrowser) Done() <-chan struct{} {
	w := b.current()
	if w == nil {
		return closed
	}
	return w.done
}

// Err is the error of the latest walk: nil while it runs and after success,
// and an error if Open was never called.
func (b *FormBrowser) Err() error {
	return b.Last().Err
}

// Wait waits until the latest walk has ended or ctx is done, and returns the
// walk's error or ctx's.
func (b *FormBrowser) Wait(ctx context.Context) error {
	select {
	case <-b.Done():
		return b.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Last returns what the latest walk has done so far.
func (b *FormBrowser) Last() Walk {
	w := b.current()
	if w == nil {
		return Walk{Err: errors.New("authtest: FormBrowser was never opened")}
	}
	return w.snapshot()
}

func (b *FormBrowser) current() *walk {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// client returns the client for w: b.Client or b's own, with w watching
// every redirect. b.mu must be held.
func (b *FormBrowser) client(w *walk) *http.Client {
	var c http.Client
	if b.Client != nil {
		c = *b.Client
	} else {
		if b.jar == nil {
			b.jar, _ = cookiejar.New(nil) // never fails without options
		}
		c.Jar = b.jar
	}
	c.CheckRedirect = w.checkRedirect
	return &c
}

var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// walk is one Open's way through the provider's pages.
type walk struct {
	opened             *url.URL
	redirectURI        *url.URL // from the opened URL; nil if it has none
	username, password string
	deny               bool
	logins, consents   int
	done               chan struct{}

	mu       sync.Mutex
	visited  []string
	callback string
	lastURL  string
	lastPage string
	err      error
}

func newWalk(opened *url.URL, username, password string, deny bool) *walk {
	w := &walk{opened: opened, username: username, password: password, deny: deny, done: make(chan struct{})}
	if r, err := url.Parse(opened.Query().Get("redirect_uri")); err == nil && r.Host != "" {
		w.redirectURI = r
	}
	return w
}

// run goes from page to page until the callback has been delivered.
func (w *walk) run(ctx context.Context, client *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.opened.String(), nil)
	if err != nil {
		return err
	}
	for range maxSteps {
		resp, err := w.do(client, req)
		if err != nil {
			return err
		}
		if w.delivered() {
			discard(resp)
			return nil
		}
		p, err := w.read(resp)
		if err != nil {
			return err
		}
		if req, err = w.next(ctx, p, resp); err != nil {
			return err
		}
	}
	return fmt.Errorf("authtest: no callback after %d pages; last at %s", maxSteps, w.snapshot().LastURL)
}

// do sends req, following redirects, and notes every URL it visits.
func (w *walk) do(client *http.Client, req *http.Request) (*http.Response, error) {
	if err := w.visit(req.URL); err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil && w.delivered() {
		return nil, fmt.Errorf("authtest: could not deliver the callback to the app: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("authtest: could not load a provider page: %w", err)
	}
	return resp, nil
}

// checkRedirect is the client's CheckRedirect.
func (w *walk) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return w.visit(req.URL)
}

// visit notes that u is requested, refuses non-loopback addresses, and
// recognises the callback: the first URL on the redirect URI.
func (w *walk) visit(u *url.URL) error {
	if err := checkLoopback(u); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.visited = append(w.visited, u.String())
	if w.callback == "" && w.isCallback(u) {
		w.callback = u.String()
	}
	return nil
}

// isCallback reports whether u is on the redirect URI. Without one in the
// opened URL, any other host than the provider's counts.
func (w *walk) isCallback(u *url.URL) bool {
	if w.redirectURI == nil {
		return u.Host != w.opened.Host
	}
	r := w.redirectURI
	return u.Scheme == r.Scheme && u.Host == r.Host && u.Path == r.Path
}

func (w *walk) delivered() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.callback != ""
}

// read reads and parses a provider page.
func (w *walk) read(resp *http.Response) (*page, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	if err != nil {
		return nil, fmt.Errorf("authtest: could not read %s: %w", resp.Request.URL, err)
	}
	w.mu.Lock()
	w.lastURL, w.lastPage = resp.Request.URL.String(), string(body)
	w.mu.Unlock()
	p, err := parsePage(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("authtest: could not parse %s: %w", resp.Request.URL, err)
	}
	return p, nil
}

// next decides what a person would do on page p: cancel, sign in, or
// consent.
func (w *walk) next(ctx context.Context, p *page, resp *http.Response) (*http.Request, error) {
	here := resp.Request.URL
	if w.deny {
		return w.cancel(ctx, p, here)
	}
	if f, ok := p.loginForm(); ok {
		if w.logins++; w.logins > 1 {
			return nil, fmt.Errorf("%w at %s: %s", ErrLoginRejected, here, p.summary())
		}
		return f.request(ctx, here, f.values(w.username, w.password))
	}
	if len(p.forms) > 0 {
		if w.consents++; w.consents > 3 {
			return nil, fmt.Errorf("authtest: the same kind of page keeps coming back at %s: %s", here, p.summary())
		}
		return p.forms[0].request(ctx, here, p.forms[0].values(w.username, w.password))
	}
	return nil, fmt.Errorf("authtest: stuck at %s (%s): %s", here, resp.Status, p.summary())
}

// cancel follows the page's cancel link.
func (w *walk) cancel(ctx context.Context, p *page, here *url.URL) (*http.Request, error) {
	href, ok := p.cancelLink()
	if !ok {
		return nil, fmt.Errorf("authtest: no way to decline at %s: %s", here, p.summary())
	}
	u, err := here.Parse(href)
	if err != nil {
		return nil, err
	}
	return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
}

func (w *walk) finish(err error) {
	w.mu.Lock()
	w.err = err
	w.mu.Unlock()
	close(w.done)
}

func (w *walk) snapshot() Walk {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Walk{
		OpenedURL:   w.opened.String(),
		Visited:     append([]string(nil), w.visited...),
		CallbackURL: w.callback,
		LastURL:     w.lastURL,
		LastPage:    w.lastPage,
		Err:         w.err,
	}
}

// checkLoopback refuses URLs that would leave the machine: the browser is
// for providers and apps on loopback.
func checkLoopback(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("authtest: FormBrowser opens only http and https URLs, not %q", u.Redacted())
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("authtest: FormBrowser visits only loopback addresses, not %s", host)
	}
	return nil
}

// discard drains and closes the app's answer to the callback. The callback
// has been delivered once the answer's headers are in, so a failure to read
// the rest does not matter.
func discard(resp *http.Response) {
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxPageBytes))
}
