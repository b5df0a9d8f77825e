package auth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"dialtone/internal/idp"
)

// Default values of Config's zero fields.
const (
	DefaultTimeout = 5 * time.Minute
	DefaultLeeway  = 2 * time.Minute
)

// Config configures a Client. Its zero value is ready to use.
type Config struct {
	// HTTPClient talks to identity providers. Nil means
	// idp.NewHTTPClient(0): a timeout per request, TLS 1.2 or later, and
	// redirects only to the same host. Every response body is read through
	// idp.MaxBodySize.
	HTTPClient *http.Client

	// Browser opens the authorization URL. Nil means no browser: Login
	// tells LoginRequest.OnBrowser that it could not be opened, so the
	// agent is shown the address to copy.
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

// Browser opens the authorization URL for the agent. Open must not wait
// for the agent to finish signing in; it returns an error only when the
// browser could not be started, and the caller then shows the URL to copy.
type Browser interface {
	Open(ctx context.Context, url string) error
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
		c.hc = idp.NewHTTPClient(0)
	}
	if c.browser == nil {
		c.browser = noBrowser{}
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

// Now returns the time on the Client's clock.
func (c *Client) Now() time.Time { return c.now() }

// Logger returns the Client's logger, for the parts built around it.
func (c *Client) Logger() *slog.Logger { return c.log }

// noBrowser is the Browser of a Client configured without one.
type noBrowser struct{}

func (noBrowser) Open(context.Context, string) error {
	return errors.New("auth: no browser is configured")
}
