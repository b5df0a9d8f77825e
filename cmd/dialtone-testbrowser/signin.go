package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// credentials are what the person types at the provider.
type credentials struct {
	user, password string
}

// Pacing of the walk through the provider's pages.
const (
	pollInterval = 100 * time.Millisecond
	stepTimeout  = 15 * time.Second // one action: fill a form, press a button
	stuckAfter   = 20 * time.Second // a page that needs nothing we know how to do
)

// page is what the walk needs to know of the page on screen, read in one
// evaluation.
type page struct {
	URL       string `json:"url"`
	Ready     string `json:"ready"`     // document.readyState
	Acted     bool   `json:"acted"`     // this document was already filled in or pressed
	UserField string `json:"userField"` // the name of the login name input; "" when none
	Password  bool   `json:"password"`  // the page has a password input
	Submit    bool   `json:"submit"`    // the page has a form with a submit button
	Heading   string `json:"heading"`
	Text      string `json:"text"`
}

// readPage reads the page. The login name is zitadel's "username" or
// oidc-provider's "login".
const readPage = `(() => {
  const q = (s) => document.querySelector(s);
  const user = q('input[name="username"]') ? 'username' : (q('input[name="login"]') ? 'login' : '');
  const h1 = q('h1');
  return {
    url: location.href,
    ready: document.readyState,
    acted: !!window.__testbrowserActed,
    userField: user,
    password: !!q('input[type="password"]'),
    submit: !!q('form button[type="submit"], form input[type="submit"]'),
    heading: h1 ? h1.textContent.trim() : '',
    text: document.body ? document.body.innerText.replace(/\s+/g, ' ').slice(0, 300) : '',
  };
})()`

// markActed marks the document, so that the walk waits for the next one
// instead of acting twice on a page that is still navigating away.
var markActed = chromedp.Evaluate[chromedp.Void](`window.__testbrowserActed = true`)

const submitButton = `form button[type="submit"], form input[type="submit"]`

// walk is one sign-in through the provider's pages.
type walk struct {
	log              io.Writer
	creds            credentials
	callback         *url.URL // the redirect URI from the sign-in address
	logins, consents int
}

// signIn opens start and goes from page to page until Dialtone's loopback
// page has loaded; it returns that page's heading.
func signIn(ctx context.Context, start *url.URL, creds credentials, log io.Writer) (string, error) {
	w := &walk{log: log, creds: creds, callback: redirectURI(start)}
	if err := chromedp.Do(ctx, chromedp.Navigate(start.String())); err != nil {
		return "", fmt.Errorf("could not open %s: %w", redact(start), err)
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last page
	lastChange := time.Now()
	for {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[page](readPage))
		if err == nil {
			if done, err := w.step(ctx, p); done || err != nil {
				return p.Heading, err
			}
			if p != last {
				last, lastChange = p, time.Now()
			}
		}
		if time.Since(lastChange) > stuckAfter {
			return "", fmt.Errorf("stuck at %s: %q", redactString(last.URL), last.Text)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("gave up at %s (%q): %w", redactString(last.URL), last.Text, ctx.Err())
		case <-tick.C:
		}
	}
}

// step does what a person would do on p: nothing while it loads, sign in
// at a login form, consent at a consent form. done is true on Dialtone's
// page.
func (w *walk) step(ctx context.Context, p page) (done bool, err error) {
	switch {
	case p.Ready != "complete" || p.Acted:
		return false, nil
	case w.isCallback(p.URL):
		return p.Heading != "", nil
	case p.UserField != "" && p.Password:
		if w.logins++; w.logins > 1 {
			return false, fmt.Errorf("the provider rejected the login at %s: %q", redactString(p.URL), p.Text)
		}
		fmt.Fprintf(w.log, "testbrowser: signing in at %s\n", redactString(p.URL))
		return false, w.act(ctx, w.fill(p.UserField))
	case p.Submit && !p.Password:
		if w.consents++; w.consents > 3 {
			return false, fmt.Errorf("the same kind of page keeps coming back at %s: %q", redactString(p.URL), p.Text)
		}
		fmt.Fprintf(w.log, "testbrowser: consenting at %s\n", redactString(p.URL))
		return false, w.act(ctx, chromedp.Click(chromedp.CSS(submitButton)))
	}
	return false, nil
}

// fill types the credentials into the login form and submits it.
func (w *walk) fill(userField string) chromedp.Action[chromedp.Void] {
	user := chromedp.CSS(`input[name="` + userField + `"]`)
	password := chromedp.CSS(`input[type="password"]`)
	return chromedp.Steps(
		chromedp.Clear(user), chromedp.SendKeys(user, w.creds.user),
		chromedp.Clear(password), chromedp.SendKeys(password, w.creds.password),
		chromedp.Click(chromedp.CSS(submitButton)),
	)
}

// act marks the document and runs a, within stepTimeout.
func (w *walk) act(ctx context.Context, a chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, markActed, a); err != nil {
		return fmt.Errorf("could not fill in or press: %w", err)
	}
	return nil
}

// isCallback reports whether u is on the redirect URI: the same scheme,
// host, port and path.
func (w *walk) isCallback(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if w.callback == nil {
		return isLoopback(u.Hostname()) && strings.HasSuffix(u.Path, "/callback")
	}
	return u.Scheme == w.callback.Scheme && u.Host == w.callback.Host && u.Path == w.callback.Path
}

// redirectURI is the redirect_uri parameter of the sign-in address, or nil.
func redirectURI(start *url.URL) *url.URL {
	r, err := url.Parse(start.Query().Get("redirect_uri"))
	if err != nil || r.Host == "" {
		return nil
	}
	return r
}

func redactString(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(not a URL)"
	}
	return redact(u)
}
