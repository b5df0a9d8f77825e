package auth

import (
	"errors"
	"fmt"
)

// ErrCancelled reports that the caller cancelled a sign-in (Cancel in the
// window, Ctrl-C in a terminal) before it finished.
var ErrCancelled = errors.New("auth: sign-in cancelled")

// ErrTimeout reports that the browser did not come back to Dialtone before
// the sign-in wait expired.
var ErrTimeout = errors.New("auth: sign-in timed out waiting for the browser")

// ProviderError is an OAuth 2.0 error returned by the identity provider,
// either on the loopback redirect (RFC 6749 §4.1.2.1) or by the token
// endpoint (RFC 6749 §5.2). Code is the registered error code, for example
// "access_denied" or "invalid_grant".
type ProviderError struct {
	Code        string
	Description string
	URI         string
}

// Error describes the problem; it never contains a secret.
func (e *ProviderError) Error() string {
	if e.Description == "" {
		return "auth: the identity provider refused the sign-in: " + e.Code
	}
	return fmt.Sprintf("auth: the identity provider refused the sign-in: %s: %s", e.Code, e.Description)
}

// VerificationError reports an ID token, userinfo response or redirect that
// failed a security check. Check names the check ("signature", "nonce",
// "aud", …). Such a response is never trusted and nothing is stored.
type VerificationError struct {
	Check string
	Err   error
}

// Error describes the problem; it never contains a secret.
func (e *VerificationError) Error() string {
	return fmt.Sprintf("auth: the sign-in response failed the %s check: %v", e.Check, e.Err)
}

// Unwrap returns the underlying cause.
func (e *VerificationError) Unwrap() error { return e.Err }

// EmailProblem says what was wrong with the email the provider returned.
type EmailProblem int

// The ways an email can fail the match with the typed address.
const (
	EmailMismatch   EmailProblem = iota + 1 // the provider signed in another address
	EmailUnverified                         // the provider says the address is not verified
	EmailMissing                            // the provider returned no address at all
)

// EmailError reports that the identity provider signed in an account whose
// email is not the one the agent typed, or could not vouch for it.
type EmailError struct {
	Problem EmailProblem
	Typed   string // the address the agent typed
	Got     string // the address the provider returned, if any
	Claim   string // the claim it was read from
}

// Error describes the problem; it never contains a secret.
func (e *EmailError) Error() string {
	switch e.Problem {
	case EmailUnverified:
		return fmt.Sprintf("auth: the identity provider says %s is not verified", e.Got)
	case EmailMissing:
		return fmt.Sprintf("auth: the identity provider returned no %q claim to match %s", e.Claim, e.Typed)
	default:
		return fmt.Sprintf("auth: you typed %s but the identity provider signed in %s", e.Typed, e.Got)
	}
}

// PortInUseError reports that the fixed loopback redirect port a provider
// requires is taken by another program.
type PortInUseError struct {
	Addr string
	Err  error
}

// Error describes the problem; it never contains a secret.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("auth: the sign-in port %s is in use by another program; close it and try again: %v", e.Addr, e.Err)
}

// Unwrap returns the underlying cause.
func (e *PortInUseError) Unwrap() error { return e.Err }
