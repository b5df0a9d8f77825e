package auth

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"dialtone/internal/idp"
)

// Relayed errors: a server that signs agents in at another identity
// provider on their behalf (a broker) makes this engine's checks itself, so
// when one refuses the answer, the refusal has to reach the desktop through
// the authorization error redirect (RFC 6749 §4.1.2.1). ErrorRedirectParams
// writes it there, with three extension parameters that RFC 6749 §8.2 lets
// a client ignore; the engine reads them back in the loopback callback, so
// that the agent sees the sentence of the check that refused, as with a
// provider Dialtone talks to directly. Any provider may send them; they can
// only turn a refusal into another refusal, never into a sign-in.
const (
	relayKindParam   = "dialtone_error"  // verification, email_mismatch, email_unverified, email_missing, config
	relayDetailParam = "dialtone_detail" // the check, the claim or the field
	relayEmailParam  = "dialtone_email"  // the address the provider signed in
)

var relayKinds = map[string]EmailProblem{"email_mismatch": EmailMismatch, "email_unverified": EmailUnverified, "email_missing": EmailMissing}

// ErrorRedirectParams returns the parameters of the authorization error
// redirect that tells a Dialtone client about err, an error of Redeem or
// Refresh: the provider's own error code for a *ProviderError,
// temporarily_unavailable for an unreachable provider, and access_denied
// with the relay parameters for a failed check (*VerificationError,
// *EmailError) or a misconfiguration (*idp.ConfigError); server_error for
// anything else. The caller adds state (and iss) and sends the browser to
// the client's registered redirect URI only. error_description is limited
// to RFC 6749's characters and never carries a token or code: errors of
// this package never do.
func ErrorRedirectParams(err error) url.Values {
	var (
		pe *ProviderError
		ve *VerificationError
		ee *EmailError
		ce *idp.ConfigError
		ne *idp.NetworkError
	)
	q := url.Values{}
	switch {
	case errors.As(err, &pe):
		q.Set("error", pe.Code)
		q.Set("error_description", pe.Description)
	case errors.As(err, &ne):
		q.Set("error", "temporarily_unavailable")
		q.Set("error_description", "the sign-in service could not reach the identity provider")
	case errors.As(err, &ve):
		relay(q, "verification", ve.Check, ve.Err.Error())
	case errors.As(err, &ee):
		kind := map[EmailProblem]string{EmailMismatch: "email_mismatch", EmailUnverified: "email_unverified", EmailMissing: "email_missing"}[ee.Problem]
		relay(q, kind, ee.Claim, strings.TrimPrefix(ee.Error(), "auth: "))
		q.Set(relayEmailParam, ee.Got)
	case errors.As(err, &ce):
		relay(q, "config", ce.Field, ce.Problem)
	default:
		q.Set("error", "server_error")
		q.Set("error_description", "the sign-in service failed")
	}
	q.Set("error_description", descriptionChars(q.Get("error_description")))
	for k, v := range q {
		if v[0] == "" {
			delete(q, k)
		}
	}
	return q
}

func relay(q url.Values, kind, detail, description string) {
	q.Set("error", "access_denied")
	q.Set("error_description", description)
	q.Set(relayKindParam, kind)
	q.Set(relayDetailParam, detail)
}

// descriptionChars keeps the characters RFC 6749 allows in
// error_description (%x20-21 / %x23-5B / %x5D-7E), at most 300 of them.
func descriptionChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e && r != '"' && r != '\\' {
			b.WriteRune(r)
		}
		if b.Len() >= 300 {
			break
		}
	}
	return b.String()
}

// relayToken is what a check, claim or field name may look like.
var relayToken = regexp.MustCompile(`^[a-z][a-z0-9_ .\[\]]{0,63}$`)

// relayedError reads the relay parameters of an error redirect into the
// error a direct sign-in would have returned, or returns nil when q has
// none (or ones this engine does not know). Values are checked: a detail
// must look like a check, claim or field name, an email like an email.
func relayedError(q url.Values) error {
	kind, detail := q.Get(relayKindParam), q.Get(relayDetailParam)
	if kind == "" || (detail != "" && !relayToken.MatchString(detail)) {
		return nil
	}
	desc := descriptionChars(q.Get("error_description"))
	if p, ok := relayKinds[kind]; ok {
		got, err := idp.NormalizeEmail(q.Get(relayEmailParam))
		if err != nil {
			got = ""
		}
		if p != EmailMissing && got == "" {
			return nil
		}
		return &EmailError{Problem: p, Got: got, Claim: detail}
	}
	switch {
	case detail == "":
		return nil
	case kind == "verification":
		return &VerificationError{Check: detail, Err: errors.New("the sign-in service refused the identity provider's answer: " + desc)}
	case kind == "config":
		return &idp.ConfigError{Field: detail, Problem: "the sign-in service says: " + desc}
	}
	return nil
}

// withTypedEmail fills in the typed address of a relayed *EmailError,
// which the redirect does not carry.
func withTypedEmail(err error, typed string) error {
	var ee *EmailError
	if errors.As(err, &ee) && ee.Typed == "" {
		ee.Typed = typed
	}
	return err
}
