package authtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeStartTimeout bounds how long StartNode waits for node's ready line.
const nodeStartTimeout = 20 * time.Second

// StartNode starts the npm package oidc-provider 9.13.3 under node, from
// testdata/nodeop, behind a Go front on loopback, and stops both when the
// test ends. It fails the test if node or the package's node_modules are
// missing: run `npm ci --prefix auth/authtest/testdata/nodeop` once.
//
// Its quirks: PKCE (S256 only) is required at /auth; loopback redirect URIs
// match on any port but only the exact host; refresh tokens are issued only
// for scope offline_access together with prompt=consent; refresh tokens of
// public clients rotate on every use (those of confidential clients do not);
// claims other than "sub" are only in userinfo unless Options.IDTokenClaims
// is set; login and consent are its devInteractions pages, with a "[ Cancel ]"
// link that returns error=access_denied; the sign-in session is kept in a
// cookie, so a second login in the same browser skips the login form.
func StartNode(t testing.TB, opts Options) *Provider {
	t.Helper()
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		t.Fatalf("authtest: %v", err)
	}
	dir := nodeProjectDir(t)
	f, err := listenFront()
	if err != nil {
		t.Fatalf("authtest: could not listen for the provider: %v", err)
	}
	t.Cleanup(f.close) // runs after node has stopped
	p := newProvider(t, opts, f)
	n := startNodeProcess(t, dir, nodeConfig(p.Issuer, opts))
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	f.serve(newNodeProxy(n.backend, transport))

	p.tokenPath = "/token"
	p.revokeAll = n.revokeAll
	return p
}

// nodeProjectDir finds testdata/nodeop beside this file and checks that its
// packages are installed.
func nodeProjectDir(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("authtest: StartNode needs node (Node.js 20 or later) on PATH: %v", err)
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		t.Fatalf("authtest: could not locate the authtest package's source directory (built with -trimpath?)")
	}
	dir := filepath.Join(filepath.Dir(file), "testdata", "nodeop")
	pkg := filepath.Join(dir, "node_modules", "oidc-provider", "package.json")
	if _, err := os.Stat(pkg); err != nil {
		t.Fatalf("authtest: oidc-provider is not installed in %s; run `npm ci --prefix auth/authtest/testdata/nodeop` from the repository root (%v)", dir, err)
	}
	return dir
}

// nodeClient is a client's metadata as oidc-provider reads it.
type nodeClient struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ApplicationType         string   `json:"application_type"`
}

// nodeUser is a user as server.mjs reads it.
type nodeUser struct {
	Sub           string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Name          string `json:"name"`
	Password      string `json:"password"`
}

// nodeConfigJSON is what server.mjs reads from AUTHTEST_CONFIG.
type nodeConfigJSON struct {
	Issuer        string       `json:"issuer"`
	AdminToken    string       `json:"adminToken"`
	IDTokenClaims bool         `json:"idTokenClaims"`
	AuthMethods   []string     `json:"clientAuthMethods,omitempty"`
	LineResource  string       `json:"lineResource,omitempty"`
	Clients       []nodeClient `json:"clients"`
	Users         []nodeUser   `json:"users"`
}

func nodeConfig(issuer string, opts Options) nodeConfigJSON {
	cfg := nodeConfigJSON{
		Issuer:        issuer,
		AdminToken:    rand.Text(),
		IDTokenClaims: opts.IDTokenClaims,
		AuthMethods:   opts.AdvertisedAuthMethods,
		LineResource:  opts.LineResource,
		Clients: []nodeClient{{
			ClientID:                opts.ClientID,
			ClientSecret:            opts.ClientSecret,
			TokenEndpointAuthMethod: opts.ClientAuthMethod,
			RedirectURIs:            opts.RedirectURIs,
			GrantTypes:              []string{"authorization_code", "refresh_token"},
			ResponseTypes:           []string{"code"},
			ApplicationType:         "native",
		}},
	}
	for _, u := range opts.Users {
		cfg.Users = append(cfg.Users, nodeUser{u.Subject, u.Email, u.EmailVerified, u.Name, u.Password})
	}
	return cfg
}

// nodeProcess is a running server.mjs.
type nodeProcess struct {
	backend    *url.URL // where node listens, behind the front
	adminToken string

	cmd     *exec.Cmd
	stdin   io.Closer
	out     *readyWriter
	exited  chan struct{} // closed when node has exited
	waitErr error         // cmd.Wait's error, once exited is closed
}

// startNodeProcess runs server.mjs in dir and waits for its ready line. Node
// exits when its standard input closes: at cleanup, or when the test process
// dies without cleaning up.
func startNodeProcess(t testing.TB, dir string, cfg nodeConfigJSON) *nodeProcess {
	t.Helper()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatalf("authtest: could not encode the node configuration: %v", err)
	}
	n := &nodeProcess{
		adminToken: cfg.AdminToken,
		cmd:        exec.Command("node", "server.mjs"),
		out:        &readyWriter{ready: make(chan string, 1)},
		exited:     make(chan struct{}),
	}
	n.cmd.Dir = dir
	n.cmd.Env = append(os.Environ(), "AUTHTEST_CONFIG="+string(js))
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if n.stdin, err = n.cmd.StdinPipe(); err != nil {
		t.Fatalf("authtest: could not make node's standard input: %v", err)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("authtest: could not start node: %v", err)
	}
	go n.wait()
	t.Cleanup(n.stop)

	if n.backend, err = n.waitReady(t.Context()); err != nil {
		t.Fatalf("authtest: oidc-provider did not start: %v\nnode's output:\n%s", err, n.out)
	}
	return n
}

func (n *nodeProcess) wait() {
	n.waitErr = n.cmd.Wait()
	close(n.exited)
}

// waitReady waits for node's ready line, its exit or the start deadline.
func (n *nodeProcess) waitReady(ctx context.Context) (*url.URL, error) {
	ctx, cancel := context.WithTimeout(ctx, nodeStartTimeout)
	defer cancel()
	select {
	case line := <-n.out.ready:
		return url.Parse(line)
	case <-n.exited:
		return nil, fmt.Errorf("node exited: %v", n.waitErr)
	case <-ctx.Done():
		return nil, fmt.Errorf("no ready line: %w", ctx.Err())
	}
}

// stop closes node's standard input, which makes it exit, and kills it if it
// has not exited a few seconds later.
func (n *nodeProcess) stop() {
	n.stdin.Close()
	select {
	case <-n.exited:
		return
	case <-time.After(5 * time.Second):
	}
	n.cmd.Process.Kill()
	<-n.exited
}

// revokeAll asks server.mjs to forget every grant, token and session.
func (n *nodeProcess) revokeAll(ctx context.Context) error {
	u := n.backend.JoinPath("/__authtest/revoke-all")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+n.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoke-all: %s", resp.Status)
	}
	return nil
}

// newNodeProxy forwards to node, keeping the Host header so that
// oidc-provider builds its URLs on the issuer's address.
func newNodeProxy(backend *url.URL, transport http.RoundTripper) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backend)
			r.Out.Host = r.In.Host
		},
		Transport:      transport,
		ModifyResponse: dropWebFont,
	}
}

// webFontImport is the line in oidc-provider's devInteractions pages that
// would make a real browser (headless Chromium in an end-to-end test) reach
// out to the internet for a font.
const webFontImport = "@import url(https://fonts.googleapis.com/css?family=Roboto:400,100);"

// dropWebFont removes webFontImport from HTML pages, so that the pages load
// nothing from outside the machine.
func dropWebFont(resp *http.Response) error {
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Content-Encoding") != "" {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	resp.Body.Close()
	if err != nil {
		return err
	}
	body = bytes.ReplaceAll(body, []byte(webFontImport), nil)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// readyWriter collects node's output and reports the URL on its first
// "READY " line.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan string
	found bool
}

func (w *readyWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if !w.found {
		w.scan()
	}
	return len(b), nil
}

// scan looks for a complete ready line; w.mu must be held.
func (w *readyWriter) scan() {
	for line := range strings.Lines(w.buf.String()) {
		rest, ok := strings.CutPrefix(line, "READY ")
		if ok && strings.HasSuffix(rest, "\n") {
			w.found = true
			w.ready <- strings.TrimSpace(rest)
			return
		}
	}
}

// String returns everything node has printed.
func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
