package idp

import (
	"fmt"
	"net/mail"
	"strings"
)

// InvalidEmailError reports that what the agent typed is not a usable email
// address. Nothing was sent anywhere.
type InvalidEmailError struct {
	Email   string
	Problem string
}

// Error describes the problem; it never contains a secret.
func (e *InvalidEmailError) Error() string {
	return fmt.Sprintf("idp: %q is not a valid email address: %s", e.Email, e.Problem)
}

// SplitEmail checks that email is a plausible address (one local part, an
// @, a domain name with at least two labels, no display name or comments;
// at most 254 bytes) and returns it trimmed and lower-cased, with its
// domain. The directory service applies the same rule. Errors are
// *InvalidEmailError values.
func SplitEmail(email string) (addr, domain string, err error) {
	addr = strings.ToLower(strings.TrimSpace(email))
	fail := func(problem string) (string, string, error) {
		return "", "", &InvalidEmailError{Email: email, Problem: problem}
	}
	at := strings.LastIndexByte(addr, '@')
	switch {
	case addr == "":
		return fail("it is empty")
	case len(addr) > 254:
		return fail("it is longer than 254 characters")
	case at < 0:
		return fail("it has no @")
	case at == 0 || at > 64:
		return fail("the part before the @ must be 1 to 64 characters")
	}
	parsed, perr := mail.ParseAddress(addr)
	if perr != nil || parsed.Name != "" || parsed.Address != addr {
		return fail("the part before the @ has characters an address cannot have")
	}
	domain = addr[at+1:]
	if problem := domainProblem(domain); problem != "" {
		return fail(problem)
	}
	return addr, domain, nil
}

// domainProblem checks a host name as RFC 1123 §2.1 allows it, with at least
// two labels. Internationalised domains must be given in their xn-- form.
func domainProblem(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 || len(domain) > 253 {
		return "the part after the @ must be a domain name such as example.com"
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("%q is not a valid domain name", domain)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("%q is not a valid domain name (write an international name in its xn-- form)", domain)
			}
		}
	}
	return ""
}

// NormalizeEmail is SplitEmail without the domain: the typed address
// trimmed and lower-cased, or an *InvalidEmailError.
func NormalizeEmail(typed string) (string, error) {
	addr, _, err := SplitEmail(typed)
	return addr, err
}
