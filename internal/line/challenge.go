package line

import (
	"errors"
	"net/url"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// challenge is one WWW-Authenticate value (RFC 3261 §20.44, RFC 7235 §2.1):
// a scheme and its parameters.
type challenge struct {
	scheme string            // lower case
	params map[string]string // lower-case names, unquoted values
}

// maxChallengeLen bounds a WWW-Authenticate value we are willing to parse.
const maxChallengeLen = 4096

var errBadChallenge = errors.New("malformed challenge")

// parseChallenge parses `scheme name=value, name="quoted value", …`.
func parseChallenge(v string) (challenge, error) {
	if len(v) > maxChallengeLen {
		return challenge{}, errBadChallenge
	}
	p := &paramParser{s: strings.TrimSpace(v)}
	scheme := p.token()
	if scheme == "" {
		return challenge{}, errBadChallenge
	}
	c := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
	for first := true; !p.done(); first = false {
		if !first && !p.comma() {
			return challenge{}, errBadChallenge
		}
		name, value, ok := p.param()
		if _, dup := c.params[name]; !ok || dup {
			return challenge{}, errBadChallenge
		}
		c.params[name] = value
	}
	return c, nil
}

// bearerChallenge finds the response's Bearer challenge (RFC 8898 §2.3; a
// 401 may offer several schemes, each in its own header field). found is
// false when no header offers Bearer; err is set when one does but cannot be
// parsed.
func bearerChallenge(res *sip.Response) (c challenge, found bool, err error) {
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		v := strings.TrimSpace(h.Value())
		scheme, _, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "bearer") {
			continue
		}
		c, err := parseChallenge(v)
		return c, true, err
	}
	return challenge{}, false, nil
}

// sameIssuer reports whether two issuer identifiers name the same server:
// equal after lower-casing scheme and host and trimming a trailing slash.
func sameIssuer(a, b string) bool {
	na, okA := normalIssuer(a)
	nb, okB := normalIssuer(b)
	return okA && okB && na == nb
}

func normalIssuer(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		(u.Scheme != "https" && u.Scheme != "http") {
		return "", false
	}
	return u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/"), true
}
