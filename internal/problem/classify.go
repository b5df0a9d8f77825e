package problem

import (
	"context"
	"errors"
	"io/fs"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/line"
	"dialtone/internal/regularfile"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// Classify says what kind of problem err is. It looks at the errors of the
// sign-in engine (auth), the provider rules (idp), the session store, the
// keyring, the phone line (line, sipaddr, dialer.ErrNoLine) and the command
// line (UsageError), through any wrapping. Where an error is several things
// at once, the one the agent can act on wins: a keyring that cannot be read
// is a Keyring problem even when it also means "sign in again".
// Classify(nil) is Unknown; callers check for nil first.
func Classify(err error) Kind {
	for _, c := range classifiers {
		if c.match(err) {
			return c.kind
		}
	}
	return Unknown
}

// classifier is one rule of Classify, tried in order.
type classifier struct {
	kind  Kind
	match func(error) bool
}

var classifiers = []classifier{
	{Usage, isA[*UsageError]},
	{Cancelled, func(err error) bool { return errors.Is(err, auth.ErrCancelled) || errors.Is(err, context.Canceled) }},
	{TimedOut, func(err error) bool { return errors.Is(err, auth.ErrTimeout) }},
	{Keyring, func(err error) bool { return errors.Is(err, keyring.ErrUnavailable) }},
	{SignInRequired, func(err error) bool {
		return errors.Is(err, session.ErrLoginRequired) || errors.Is(err, line.ErrSignInRequired)
	}},
	{NoLine, func(err error) bool { return errors.Is(err, dialer.ErrNoLine) }},
	{LineRefused, func(err error) bool { return errors.Is(err, line.ErrRefused) }},
	{Unreachable, func(err error) bool { return errors.Is(err, line.ErrUnreachable) }},
	{Unreachable, func(err error) bool { return errors.Is(err, session.ErrOffline) || isA[*idp.NetworkError](err) }},
	{Usage, func(err error) bool { return isA[*idp.InvalidEmailError](err) || isA[*idp.ChoiceError](err) }},
	{NoSSO, isA[*idp.NoProviderError]},
	{WrongAccount, func(err error) bool { return emailProblem(err) == auth.EmailMismatch }},
	{EmailUnconfirmed, isA[*auth.EmailError]},
	{Declined, func(err error) bool { return providerCode(err) == "access_denied" }},
	{Unreachable, func(err error) bool {
		c := providerCode(err)
		return c == "temporarily_unavailable" || c == "server_error"
	}},
	{Refused, isA[*auth.ProviderError]},
	{Untrusted, isA[*auth.VerificationError]},
	{Misconfigured, func(err error) bool { return isA[*idp.ConfigError](err) || isA[*sipaddr.ConfigError](err) }},
	{Local, func(err error) bool {
		return isA[*auth.PortInUseError](err) || isA[*fs.PathError](err) || isA[*session.CorruptError](err) || errors.Is(err, regularfile.ErrNotRegular)
	}},
	{Cancelled, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
}

func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func providerCode(err error) string {
	var pe *auth.ProviderError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func emailProblem(err error) auth.EmailProblem {
	var ee *auth.EmailError
	if errors.As(err, &ee) {
		return ee.Problem
	}
	return 0
}

// UsageError is a problem with what the agent typed or gave on the command
// line: a missing flag, an unreadable provider list file. Msg says what and
// how to do it right.
type UsageError struct {
	Msg string
	Err error // the cause, if any
}

// Error returns Msg.
func (e *UsageError) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *UsageError) Unwrap() error { return e.Err }
