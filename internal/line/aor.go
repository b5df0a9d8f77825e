package line

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// aorURI is a parsed, validated address of record: "sip:user@host".
type aorURI struct {
	secure bool
	user   string
	host   string // lower case
}

const aorExample = `write the agent's SIP address like "sip:agent@example.com"`

// parseAOR parses an address of record strictly: a user part and a host, no
// port, parameters or headers.
func parseAOR(raw, field string) (aorURI, error) {
	secure, rest, err := splitScheme(raw, field, aorExample)
	if err != nil {
		return aorURI{}, err
	}
	user, host, ok := strings.Cut(rest, "@")
	switch {
	case !ok || user == "":
		return aorURI{}, configErr(field, raw, "has no user part: %s", aorExample)
	case !validUser(user):
		return aorURI{}, configErr(field, raw, "has characters a SIP user part cannot hold: %s", aorExample)
	case strings.ContainsAny(host, ":;?@[]"):
		return aorURI{}, configErr(field, raw, "must be only user@domain, without a port, parameters or headers: %s", aorExample)
	case !validHost(host):
		return aorURI{}, configErr(field, raw, "has an invalid domain %q: %s", host, aorExample)
	}
	return aorURI{secure: secure, user: user, host: strings.ToLower(host)}, nil
}

// validUser accepts RFC 3261 unreserved characters, "&=+$," and %HH escapes.
func validUser(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte("-_.!~*'()&=+$,", c) >= 0:
		case c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// uri is the address as a sipgo URI, for the To and From headers.
func (a aorURI) uri() sip.Uri {
	scheme := "sip"
	if a.secure {
		scheme = "sips"
	}
	return sip.Uri{Scheme: scheme, User: a.user, Host: a.host}
}

// String is the canonical form.
func (a aorURI) String() string {
	u := a.uri()
	return u.String()
}
