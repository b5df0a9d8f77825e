package auth

import (
	"dialtone/internal/idp"
	"io"
	"log"

	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"dialtone/assets"
)

// callbackPath is the path of the loopback redirect URI.
const callbackPath = "/callback"

var callbackPage = template.Must(template.New("callback").Parse(assets.CallbackPage))

// callback is what the identity provider sent to the redirect URI, after the
// state check. reply receives the outcome of the whole sign-in so the
// browser page can tell the truth.
type callback struct {
	code  string
	err   error
	reply chan error
}

// loopback is the one-shot HTTP server behind the redirect URI
// (RFC 8252 §7.3): it listens on a loopback address only, accepts exactly
// one request with the right state on the callback path, and ignores
// everything else.
type loopback struct {
	ln          net.Listener
	srv         *http.Server
	log         *slog.Logger // set by the caller before serve
	redirectURI string
	host        string // the Host header the browser must send
	check       callbackCheck

	once      sync.Once
	callbacks chan callback
}

// callbackCheck is what a callback must carry to end the wait.
type callbackCheck struct {
	state     string
	issuer    string
	issNeeded bool // the provider promises "iss" on the redirect (RFC 9207)
}

// listenLoopback starts listening on the provider's redirect host: on
// redirect_port, else on the first free one of redirect_ports, else on a
// free port the system picks. It does not serve until serve is called.
func listenLoopback(p idp.Provider, check callbackCheck) (*loopback, error) {
	ln, err := listenRedirect(p)
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	host := net.JoinHostPort(p.RedirectHost, strconv.Itoa(port))
	if p.RedirectHost == "localhost" {
		host = "localhost:" + strconv.Itoa(port)
	}
	l := &loopback{
		ln:          ln,
		redirectURI: "http://" + host + callbackPath,
		host:        host,
		check:       check,
		callbacks:   make(chan callback, 1),
	}
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	return l, nil
}

func listenRedirect(p idp.Provider) (net.Listener, error) {
	ip := "127.0.0.1"
	if p.RedirectHost == "::1" {
		ip = "::1"
	}
	ports := p.RedirectPorts
	if p.RedirectPort != 0 || len(ports) == 0 {
		ports = []int{p.RedirectPort}
	}
	var tried []string
	for _, port := range ports {
		addr := net.JoinHostPort(ip, strconv.Itoa(port))
		ln, err := net.Listen("tcp", addr)
		switch {
		case err == nil:
			return ln, nil
		case port != 0 && errors.Is(err, syscall.EADDRINUSE):
			tried = append(tried, addr)
			continue
		}
		return nil, fmt.Errorf("auth: could not listen for the browser on %s: %w", addr, err)
	}
	return nil, &PortInUseError{Addr: strings.Join(tried, ", "), Err: syscall.EADDRINUSE}
}

// serve runs the server until close.
func (l *loopback) serve() { _ = l.srv.Serve(l.ln) }

// close stops listening at once and gives the page being written a moment
// to reach the browser.
func (l *loopback) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	_ = l.ln.Close() // serve may not have started; Shutdown alone would leave the port taken
}

// wait blocks until a valid callback arrives or ctx is done.
func (l *loopback) wait(ctx context.Context) (callback, error) {
	select {
	case cb := <-l.callbacks:
		return cb, nil
	case <-ctx.Done():
		return callback{}, ctx.Err()
	}
}

// ServeHTTP handles one request to the loopback listener. Requests with a
// foreign Host header (DNS rebinding), another path, or a wrong state are
// answered and ignored; only the first good callback is delivered.
func (l *loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.log != nil {
		l.log.DebugContext(r.Context(), "loopback request", "method", r.Method, "host", r.Host, "url", "http://"+l.host+r.URL.RequestURI())
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	switch {
	case r.Host != l.host:
		http.Error(w, "wrong host", http.StatusBadRequest)
		return
	case r.URL.Path != callbackPath:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodGet:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	code, err, ok := parseCallback(r.URL.Query(), l.check)
	if !ok {
		renderPage(w, http.StatusBadRequest, "This sign-in link is out of date", "Go back to Dialtone and start the sign-in again.", false)
		return
	}
	l.deliver(w, r, code, err)
}

// deliver hands the first valid callback to wait, then writes the outcome
// of the sign-in into the browser page.
func (l *loopback) deliver(w http.ResponseWriter, r *http.Request, code string, cbErr error) {
	first := false
	reply := make(chan error, 1)
	l.once.Do(func() {
		first = true
		l.callbacks <- callback{code: code, err: cbErr, reply: reply}
	})
	if !first {
		renderPage(w, http.StatusBadRequest, "This sign-in was already used", "Return to Dialtone.", false)
		return
	}
	select {
	case err := <-reply:
		if err != nil {
			renderPage(w, http.StatusOK, "Sign-in failed", "Dialtone could not sign you in. Return to Dialtone to see what went wrong.", false)
			return
		}
		renderPage(w, http.StatusOK, "You are signed in", "Return to Dialtone. You can close this tab.", true)
	case <-r.Context().Done():
	case <-time.After(2 * time.Minute):
		renderPage(w, http.StatusOK, "Return to Dialtone", "Dialtone is finishing the sign-in.", true)
	}
}

// parseCallback checks the redirect's query. ok is false when the state is
// missing or wrong: such a request did not come from this sign-in and must
// not end the wait. With the right state, it returns the code or the
// provider's error.
func parseCallback(q url.Values, check callbackCheck) (code string, err error, ok bool) {
	state := q.Get("state")
	if len(q["state"]) != 1 || subtle.ConstantTimeCompare([]byte(state), []byte(check.state)) != 1 {
		return "", nil, false
	}
	if err := checkIss(q, check); err != nil {
		return "", err, true
	}
	if e := q.Get("error"); e != "" {
		if relayed := relayedError(q); relayed != nil {
			return "", relayed, true
		}
		return "", &ProviderError{Code: e, Description: q.Get("error_description"), URI: q.Get("error_uri")}, true
	}
	code = q.Get("code")
	if code == "" || len(q["code"]) != 1 {
		return "", &ProviderError{Code: "invalid_request", Description: "the identity provider sent no authorization code"}, true
	}
	return code, nil, true
}

// checkIss applies RFC 9207: when the provider sends "iss" it must be the
// issuer this sign-in started with, and when it promised to send it, it
// must be there. This defeats mix-up attacks between providers.
func checkIss(q url.Values, check callbackCheck) error {
	iss, present := q.Get("iss"), q.Has("iss")
	switch {
	case present && iss != check.issuer:
		return &VerificationError{Check: "iss", Err: fmt.Errorf("the redirect came from issuer %q, not %q", iss, check.issuer)}
	case !present && check.issNeeded:
		return &VerificationError{Check: "iss", Err: errors.New("the redirect has no iss parameter although the provider promises one (RFC 9207)")}
	}
	return nil
}

func renderPage(w http.ResponseWriter, status int, title, message string, ok bool) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = callbackPage.Execute(w, struct {
		Title, Message string
		OK             bool
	}{title, message, ok})
}
