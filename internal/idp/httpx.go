package idp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, errors.New("not an absolute URL")
	}
	return u, nil
}

// Do sends req and returns the body of a 2xx response, read through
// MaxBodySize. Transport failures, 5xx, 429 and 408 answers are
// *NetworkError values (temporary: the caller retries or works offline);
// a body over MaxBodySize or a redirect to another host is a *ConfigError;
// other statuses are *StatusError values the caller turns into its own
// error. op says what Dialtone was doing, for the error ("fetch the
// discovery document").
func Do(hc *http.Client, req *http.Request, op string) ([]byte, error) {
	body, _, err := DoResponse(hc, req, op)
	return body, err
}

// DoResponse is Do that also returns the response, whose body has been read
// and closed, for callers that need its status or headers.
func DoResponse(hc *http.Client, req *http.Request, op string) ([]byte, *http.Response, error) {
	where := RedactURL(req.URL)
	resp, err := hc.Do(req)
	var re *redirectError
	switch {
	case errors.As(err, &re):
		return nil, nil, &ConfigError{Field: "issuer", Problem: fmt.Sprintf("could not %s: %s redirects to another host (%s); enter the provider's own address", op, where, re.host)}
	case err != nil:
		return nil, nil, &NetworkError{Op: op, URL: where, Err: WithoutURL(err)}
	}
	defer resp.Body.Close()
	body, err := ReadBounded(resp.Body)
	if errors.Is(err, ErrTooLarge) {
		return nil, nil, &ConfigError{Field: "issuer", Problem: fmt.Sprintf("could not %s: the answer from %s is larger than 1 MiB", op, where)}
	}
	if err != nil {
		return nil, nil, &NetworkError{Op: op, URL: where, Err: err}
	}
	switch {
	case TemporaryStatus(resp.StatusCode):
		return nil, nil, &NetworkError{Op: op, URL: where, Err: fmt.Errorf("server error %s", resp.Status)}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, nil, &StatusError{Op: op, URL: where, Status: resp.Status, Code: resp.StatusCode, Body: body}
	}
	return body, resp, nil
}

// ErrTooLarge is what ReadBounded returns for more than MaxBodySize bytes.
var ErrTooLarge = errors.New("idp: larger than 1 MiB")

// ReadBounded reads at most MaxBodySize bytes and fails with ErrTooLarge on
// more. Every response body and file Dialtone reads goes through it.
func ReadBounded(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBodySize {
		return nil, ErrTooLarge
	}
	return body, nil
}

// RedactURL drops the query, fragment and credentials, which may carry
// codes or tokens, so the address can go into an error or a log.
func RedactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

// WithoutURL drops *url.Error's wrapper, whose text repeats the full URL
// including the query (which may carry a code or an email).
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// SameHostRedirects is a CheckRedirect policy: follow at most 5 redirects,
// never to another host or from https to http.
func SameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) || (first.Scheme == "https" && req.URL.Scheme != "https") {
		return &redirectError{host: req.URL.Scheme + "://" + req.URL.Host}
	}
	return nil
}

// TemporaryStatus reports an HTTP status that says "not now" rather than
// "no": 5xx, 429 Too Many Requests (a rate limit, perhaps a proxy's) and
// 408 Request Timeout. Without an OAuth error code such an answer is the
// network's, not a refusal: Dialtone keeps the session and tries again
// later. Every client of a provider or the directory decides by it.
func TemporaryStatus(code int) bool {
	return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
}
