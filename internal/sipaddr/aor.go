package sipaddr

import (
	"strings"
)

// AOR is a parsed, validated address of record: "sip:user@host".
type AOR struct {
	Secure bool
	User   string
	Host   string // lower case
}

const aorExample = `write the agent's SIP address like "sip:agent@example.com"`

// ParseAOR parses an address of record strictly: a user part and a host, no
// port, parameters or headers.
func ParseAOR(raw, field string) (AOR, error) {
	secure, rest, err := splitScheme(raw, field, aorExample)
	if err != nil {
		return AOR{}, err
	}
	user, host, ok := strings.Cut(rest, "@")
	switch {
	case !ok || user == "":
		return AOR{}, configErr(field, raw, "has no user part: %s", aorExample)
	case !validUser(user):
		return AOR{}, configErr(field, raw, "has characters a SIP user part cannot hold: %s", aorExample)
	case strings.ContainsAny(host, ":;?@[]"):
		return AOR{}, configErr(field, raw, "must be only user@domain, without a port, parameters or headers: %s", aorExample)
	case !validHost(host):
		return AOR{}, configErr(field, raw, "has an invalid domain %q: %s", host, aorExample)
	}
	return AOR{Secure: secure, User: user, Host: strings.ToLower(host)}, nil
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

// String is the canonical form: "sip:user@host" (or "sips:").
func (a AOR) String() string {
	scheme := "sip:"
	if a.Secure {
		scheme = "sips:"
	}
	return scheme + a.User + "@" + a.Host
}
