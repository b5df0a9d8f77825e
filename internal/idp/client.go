package idp

import (
	"crypto/tls"
	"net/http"
	"time"
)

// DefaultHTTPTimeout bounds one request to an identity provider or the
// provider directory, from sending it to reading the whole answer.
const DefaultHTTPTimeout = 30 * time.Second

// NewHTTPClient returns the HTTP client Dialtone uses for identity
// providers and the provider directory: timeout bounds each request as a
// whole (0 means DefaultHTTPTimeout), TLS 1.2 or later, the environment's
// proxy settings, and redirects only within the same host
// (SameHostRedirects). A server that sends its headers and then stalls
// fails with a timeout, never hangs.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultHTTPTimeout
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: t, Timeout: timeout, CheckRedirect: SameHostRedirects}
}
