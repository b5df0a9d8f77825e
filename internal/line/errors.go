package line

import (
	"errors"
	"fmt"
	"time"
)

// ErrRefused matches, with errors.Is, every *RefusedError: the registrar or
// its challenge said no, and trying again will not help until an admin or
// the agent acts. The command line exits 3.
var ErrRefused = errors.New("line: the line was refused")

// ErrUnreachable matches, with errors.Is, every *UnreachableError: the
// registrar (or the identity provider, for a token) could not be reached or
// asked to try later. It is temporary: Run keeps retrying. The command line
// exits 4.
var ErrUnreachable = errors.New("line: the registrar could not be reached")

// Cancellation and deadlines are reported as the context's error, wrapped:
// errors.Is(err, context.Canceled) or context.DeadlineExceeded. The command
// line exits 5.

// Reason says why a line was refused. It is one vocabulary for the command
// line's JSON, the UI's sentence and the admin's details.
type Reason string

// The reasons a registrar, or Dialtone on the agent's behalf, refuses a line.
const (
	// ReasonForbidden: the registrar answered 403 to a valid token: this
	// account may not register this address.
	ReasonForbidden Reason = "forbidden"
	// ReasonTokenRefused: the registrar rejected the access token, and a
	// freshly refreshed one too (401 with error="invalid_token").
	ReasonTokenRefused Reason = "token_refused"
	// ReasonWrongAuthzServer: the challenge names an authorization server
	// that is not the issuer the agent signed in with; no token was sent.
	ReasonWrongAuthzServer Reason = "wrong_authz_server"
	// ReasonNoBearerChallenge: the registrar asked for credentials but
	// offered no usable Bearer challenge (for example only Digest).
	ReasonNoBearerChallenge Reason = "no_bearer_challenge"
	// ReasonRedirect: the registrar redirected to another domain, or
	// from sips: to sip:, or too many times.
	ReasonRedirect Reason = "redirect_refused"
	// ReasonBadResponse: the registrar's answer cannot be acted on (for
	// example 423 without a usable Min-Expires).
	ReasonBadResponse Reason = "bad_response"
	// ReasonRejected: any other final failure (404, 488, 6xx, …).
	ReasonRejected Reason = "rejected"
	// ReasonSignInRequired: the token source has no token until the agent
	// signs in again.
	ReasonSignInRequired Reason = "sign_in_required"
)

// RefusedError reports a refused line. Error() is the message for the
// admin; Describe gives the agent's sentence. It never contains a token.
type RefusedError struct {
	Reason      Reason
	Registrar   string // the registrar URI the refusal came from
	Status      int    // SIP status code of the final response; 0 if none
	Phrase      string // its reason phrase, cleaned and shortened
	AuthzServer string // ReasonWrongAuthzServer: the server the challenge named
	Issuer      string // the issuer the agent signed in with
	Err         error  // the cause, for ReasonSignInRequired
}

// Error describes the refusal for an admin; it never contains a secret.
func (e *RefusedError) Error() string {
	return "line: " + e.Registrar + " refused the line: " + e.detail()
}

func (e *RefusedError) detail() string {
	switch e.Reason {
	case ReasonWrongAuthzServer:
		return fmt.Sprintf("its challenge names the authorization server %q, but the agent signed in with %q; the token was not sent. Make the registrar's authz_server the issuer, or give this account the registrar that trusts it", e.AuthzServer, e.Issuer)
	case ReasonNoBearerChallenge:
		return fmt.Sprintf("%s offers no Bearer challenge (RFC 8898); configure it to challenge with WWW-Authenticate: Bearer realm=\"…\", authz_server=%q", e.status(), e.Issuer)
	case ReasonTokenRefused:
		return fmt.Sprintf("%s: it rejected the access token from %q, and a refreshed one too; check the audience and scope the registrar expects", e.status(), e.Issuer)
	case ReasonForbidden:
		return e.status() + ": the token is valid but this account may not register this address"
	case ReasonRedirect:
		return e.status() + ": it redirected to another domain or away from TLS, which Dialtone does not follow"
	case ReasonBadResponse:
		return e.status() + ": the answer cannot be acted on"
	case ReasonSignInRequired:
		return fmt.Sprintf("no access token until the agent signs in again: %v", e.Err)
	}
	return e.status()
}

func (e *RefusedError) status() string {
	if e.Status == 0 {
		return "no status"
	}
	return fmt.Sprintf("%d %s", e.Status, e.Phrase)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Unwrap returns the cause, if any.
func (e *RefusedError) Unwrap() error { return e.Err }

// UnreachableError reports that a registration could not be completed for
// now: the network failed, the registrar did not answer, or it answered
// "try later" (408, 5xx). Run retries it.
type UnreachableError struct {
	Op         string        // what failed, e.g. "register at sips:pbx.acme.test"
	Status     int           // the registrar's status code; 0 for a network failure
	Phrase     string        // its reason phrase, cleaned and shortened
	RetryAfter time.Duration // the registrar's Retry-After; 0 if none
	Err        error         // the network error, if any
}

// Error describes the failure; it never contains a secret.
func (e *UnreachableError) Error() string {
	switch {
	case e.Status != 0 && e.RetryAfter > 0:
		return fmt.Sprintf("line: could not %s: %d %s (retry after %s)", e.Op, e.Status, e.Phrase, e.RetryAfter)
	case e.Status != 0:
		return fmt.Sprintf("line: could not %s: %d %s", e.Op, e.Status, e.Phrase)
	}
	return fmt.Sprintf("line: could not %s: %v", e.Op, e.Err)
}

// Is makes errors.Is(err, ErrUnreachable) true.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// Unwrap returns the network error, if any.
func (e *UnreachableError) Unwrap() error { return e.Err }
