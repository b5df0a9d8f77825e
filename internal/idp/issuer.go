package idp

import (
	"dialtone/internal/loopback"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

const wellKnownSuffix = "/.well-known/openid-configuration"

// NormalizeIssuer turns an issuer as admins type it — a Discovery URL, a
// Resource/Issuer URL or a bare host name — into the issuer identifier that
// discovery is fetched from: https (http only for loopback hosts), lower-case
// host, no trailing slash, no "/.well-known/openid-configuration", no query,
// fragment or credentials.
func NormalizeIssuer(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", raw)
	}
	if err := checkIssuerURL(u); err != nil {
		return "", fmt.Errorf("%q %w", raw, err)
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), wellKnownSuffix)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

func checkIssuerURL(u *url.URL) error {
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return fmt.Errorf("must start with https://")
	case u.Hostname() == "":
		return errors.New("has no host name")
	case u.Scheme == "http" && !IsLoopbackHost(u.Hostname()):
		return errors.New("must use https (http is allowed only for 127.0.0.1, ::1 and localhost)")
	case u.User != nil:
		return errors.New("must not contain a user name or password")
	case u.RawQuery != "" || u.ForceQuery:
		return errors.New("must not have a query (?…)")
	case u.Fragment != "":
		return errors.New("must not have a fragment (#…)")
	case u.Opaque != "":
		return errors.New("is not a valid URL")
	}
	return nil
}

// IsLoopbackHost reports whether host (without port, brackets allowed) is
// 127.0.0.1, ::1 or localhost: see loopback.IsHost.
func IsLoopbackHost(host string) bool { return loopback.IsHost(host) }
