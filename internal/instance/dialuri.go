package instance

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// maxDialURI bounds the length of a link ParseDialURI reads.
const maxDialURI = 512

// maxDialChars is the most dialable characters (digits, "*", "#", "+") a
// number or extension may have; it matches dialer.MaxLen.
const maxDialChars = 32

// ErrNotDialURI is returned by ParseDialURI for an argument that is not a
// tel: or callto: link at all (a flag, a file): the caller ignores it.
var ErrNotDialURI = errors.New("instance: not a tel: or callto: link")

// ErrInvalidDialURI matches (with errors.Is) every error ParseDialURI
// returns for a tel: or callto: link that holds no number Dialtone can
// dial, such as "callto:alice" (a Skype name) or "tel:+1-555-CALL-NOW".
var ErrInvalidDialURI = errors.New("instance: the link holds no phone number")

// Dial is what a tel: or callto: link asks Dialtone to dial.
type Dial struct {
	// Number is the number as written in the link, percent-decoded and
	// without parameters: "+1-201-555-0123", "(201) 555-0123", "*72".
	// It holds only digits, "*", "#", a leading "+", and the visual
	// separators "-", ".", "(", ")" and space, so it can be pasted into
	// the dialer as it is.
	Number string
	// Extension is the ext parameter ("7" in "tel:+1-201-555-0123;ext=7"),
	// "" when there is none. The dialer has no field for it yet; show it.
	Extension string
}

// ParseDialURI reads a tel: link (RFC 3966) or a callto: link, as Windows
// and xdg-open pass them to the handler, into the number to dial:
//
//	tel:+1-201-555-0123;ext=7      → {"+1-201-555-0123", "7"}
//	tel:+1%20201%20555%200123      → {"+1 201 555 0123", ""}
//	tel:863-1234;phone-context=+1-914-555 → {"863-1234", ""}
//	callto://+12015550123          → {"+12015550123", ""}
//	callto:alice                   → ErrInvalidDialURI
//
// The scheme is case-insensitive and a "//" after it is allowed (RFC 3966
// has none, but senders add it). Local numbers are accepted with or
// without a phone-context, which is dropped: the agent sees the number and
// chooses to dial. The isub and other parameters are ignored. It returns
// ErrNotDialURI when s is not a tel: or callto: link, and an error matching
// ErrInvalidDialURI when it is one without a dialable number.
func ParseDialURI(s string) (Dial, error) {
	s = strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(s, ":")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "tel" && scheme != "callto") {
		return Dial{}, ErrNotDialURI
	}
	if len(s) > maxDialURI {
		return Dial{}, invalid("it is longer than %d characters", maxDialURI)
	}
	rest = strings.TrimPrefix(rest, "//")
	if scheme == "callto" {
		rest, _, _ = strings.Cut(rest, "?") // Skype's "?call"
		rest = strings.TrimSuffix(rest, "/")
	}
	number, params, _ := strings.Cut(rest, ";")
	number, err := unescape(number)
	if err != nil {
		return Dial{}, err
	}
	if err := checkNumber(number, true); err != nil {
		return Dial{}, err
	}
	ext, err := extension(params)
	if err != nil {
		return Dial{}, err
	}
	return Dial{Number: number, Extension: ext}, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidDialURI, fmt.Sprintf(format, args...))
}

func unescape(s string) (string, error) {
	u, err := url.PathUnescape(s)
	if err != nil {
		return "", invalid("bad percent-encoding")
	}
	return strings.TrimSpace(u), nil
}

// extension finds the ext parameter among ";"-separated parameters.
func extension(params string) (string, error) {
	for p := range strings.SplitSeq(params, ";") {
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(name), "ext") {
			continue
		}
		ext, err := unescape(value)
		if err == nil {
			err = checkNumber(ext, false)
		}
		if err != nil {
			return "", fmt.Errorf("%w (in the extension)", err)
		}
		return ext, nil
	}
	return "", nil
}

// checkNumber accepts digits, "*", "#", visual separators, and a leading
// "+" when plus is true; it needs at least one digit and at most
// maxDialChars dialable characters.
func checkNumber(s string, plus bool) error {
	digits, dialable := 0, 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
			dialable++
		case r == '*' || r == '#' || (r == '+' && plus && i == 0):
			dialable++
		case strings.ContainsRune("-.() ", r):
		default:
			return invalid("%q cannot be part of a phone number", r)
		}
	}
	if digits == 0 {
		return invalid("it has no digits")
	}
	if dialable > maxDialChars {
		return invalid("it has more than %d digits", maxDialChars)
	}
	return nil
}
