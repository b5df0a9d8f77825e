package auth

import (
	"crypto/tls"
	"io"
	"log"
	"log/slog"
	"net/http"
	"time"
)

// Default values of Config's zero fields.
const (
	DefaultTimeout     = 5 * time.Minute
	DefaultLeeway      = 2 * time.Minute
	DefaultHTTPTimeout = 30 * time.Second
)

// Config configures a Client. Its zero value is ready to use.
type Config struct {
	// HTTPClient talks to identity providers. Nil means a client with a
	// DefaultHTTPTimeout per request, TLS 1.2 or later, and redirects only
	// to the same host. Every response body is read through MaxBodySize.
	HTTPClient *http.Client

	// Browser opens the authorization URL. Nil means SystemBrowser.
	Browser Browser

	// Timeout bounds the whole sign-in, from opening the browser to a
	// verified session. Zero means DefaultTimeout.
	Timeout time.Duration

	// Leeway is the clock skew allowed on exp, iat and nbf. Zero means
	// DefaultLeeway.
	Leeway time.Duration

	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	// Logger receives debug logs. Nil discards them. Dialtone never logs a
	// token, code, state, nonce, verifier or secret.
	Logger *slog.Logger
}

// Client signs agents in with OpenID Connect. It is safe for concurrent use.
type Client struct {
	hc      *http.Client
	browser Browser
	timeout time.Duration
	leeway  time.Duration
	now     func() time.Time
	log     *slog.Logger
}

// NewClient returns a Client for cfg.
func NewClient(cfg Config) *Client {
	c := &Client{hc: cfg.HTTPClient, browser: cfg.Browser, timeout: cfg.Timeout, leeway: cfg.Leeway, now: cfg.Now, log: cfg.Logger}
	if c.hc == nil {
		c.hc = DefaultHTTPClient()
	}
	if c.browser == nil {
		c.browser = SystemBrowser{}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.leeway <= 0 {
		c.leeway = DefaultLeeway
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// DefaultHTTPClient returns the HTTP client Dialtone uses for identity
// providers and the provider directory: a per-request timeout, TLS 1.2 or
// later, the environment's proxy settings, and redirects only within the
// same host.
func DefaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.ResponseHeaderTimeout = DefaultHTTPTimeout
	return &http.Client{Transport: t, Timeout: DefaultHTTPTimeout, CheckRedirect: sameHostRedirects}
}

var discardLog = log.New(io.Discard, "", 0)
