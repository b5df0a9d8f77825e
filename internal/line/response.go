package line

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/emiago/sipgo/sip"
)

// maxDelta bounds every seconds value read from a registrar (Expires,
// Min-Expires, Retry-After): one day.
const maxDelta = 24 * 60 * 60

// deltaSeconds parses a delta-seconds value ("3600", "120 (busy)",
// "30;duration=60"): leading digits, at most maxDelta.
func deltaSeconds(v string) (int, bool) {
	v = strings.TrimSpace(v)
	end := 0
	for end < len(v) && end < 10 && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 || (end < len(v) && strings.IndexByte(" \t(;", v[end]) < 0) {
		return 0, false
	}
	n, err := strconv.Atoi(v[:end])
	if err != nil || n > maxDelta {
		return 0, false
	}
	return n, true
}

// headerSeconds reads a delta-seconds header such as Min-Expires.
func headerSeconds(res *sip.Response, name string) (int, bool) {
	h := res.GetHeader(name)
	if h == nil {
		return 0, false
	}
	return deltaSeconds(h.Value())
}

// retryAfter reads Retry-After (RFC 3261 §20.33); 0 when absent or invalid.
func retryAfter(res *sip.Response) time.Duration {
	n, _ := headerSeconds(res, "Retry-After")
	return time.Duration(n) * time.Second
}

// grantedExpires is the registration time the registrar granted our
// contact: its Contact's expires parameter, else the Expires header, else
// what we asked for (RFC 3261 §10.2.4).
func grantedExpires(res *sip.Response, ours sip.Uri, requested int) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok || !sameContact(c.Address, ours) {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if n, ok := deltaSeconds(v); ok && n > 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	if n, ok := headerSeconds(res, "Expires"); ok && n > 0 {
		return time.Duration(n) * time.Second
	}
	return time.Duration(requested) * time.Second
}

// sameContact compares user, host and port of two contact URIs.
func sameContact(a, b sip.Uri) bool {
	return a.User == b.User && strings.EqualFold(a.Host, b.Host) && a.Port == b.Port
}

// cleanPhrase makes a registrar's reason phrase safe to show: printable
// characters only, at most 80 of them.
func cleanPhrase(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
