package auth

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

// doBounded sends req and returns the body of a 2xx response, read through
// MaxBodySize. Transport failures and 5xx answers are *NetworkError values;
// other statuses are *statusError values the caller turns into its own error.
func doBounded(hc *http.Client, req *http.Request, op string) ([]byte, error) {
	body, _, err := doBoundedResponse(hc, req, op)
	return body, err
}

// doBoundedResponse is doBounded that also returns the response, whose body
// has been read and closed, for callers that need its status or headers.
func doBoundedResponse(hc *http.Client, req *http.Request, op string) ([]byte, *http.Response, error) {
	where := redactURL(req.URL)
	resp, err := hc.Do(req)
	var re *redirectError
	switch {
	case errors.As(err, &re):
		return nil, nil, &ConfigError{Field: "issuer", Problem: fmt.Sprintf("could not %s: %s redirects to another host (%s); enter the provider's own address", op, where, re.host)}
	case err != nil:
		return nil, nil, &NetworkError{Op: op, URL: where, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	body, err := readBounded(resp.Body)
	if errors.Is(err, errTooLarge) {
		return nil, nil, &ConfigError{Field: "issuer", Problem: fmt.Sprintf("could not %s: the answer from %s is larger than 1 MiB", op, where)}
	}
	if err != nil {
		return nil, nil, &NetworkError{Op: op, URL: where, Err: err}
	}
	switch {
	case resp.StatusCode >= 500:
		return nil, nil, &NetworkError{Op: op, URL: where, Err: fmt.Errorf("server error %s", resp.Status)}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, nil, &statusError{Op: op, URL: where, Status: resp.Status, Code: resp.StatusCode, Body: body}
	}
	return body, resp, nil
}

// readBounded reads at most MaxBodySize bytes and fails on more.
func readBounded(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBodySize+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBodySize {
		return nil, errTooLarge
	}
	return body, nil
}

// redactURL drops the query and fragment, which may carry codes or tokens.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

// unwrapURLError drops *url.Error's wrapper, whose text repeats the full
// URL including the query.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// sameHostRedirects is a CheckRedirect policy: follow at most 5 redirects,
// never to another host or from https to http.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) || (first.Scheme == "https" && req.URL.Scheme != "https") {
		return &redirectError{host: req.URL.Scheme + "://" + req.URL.Host}
	}
	return nil
}

// redirectError is a redirect sameHostRedirects refused.
type redirectError struct{ host string }

func (e *redirectError) Error() string { return "redirected to another host (" + e.host + ")" }

// statusError is a 4xx (or other non-2xx, non-5xx) answer.
type statusError struct {
	Op, URL, Status string
	Code            int
	Body            []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("could not %s: %s answered %s", e.Op, e.URL, e.Status)
}
