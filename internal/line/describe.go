package line

import (
	"context"
	"dialtone/internal/sipaddr"
	"errors"
)

// Describe turns an error from this package into one sentence an agent
// understands: what happened and what to do. Details for an admin stay in
// err.Error().
func Describe(err error) string {
	var (
		re *RefusedError
		ue *UnreachableError
		ce *sipaddr.ConfigError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return describeRefusal(re.Reason)
	case errors.As(err, &ue):
		return "Dialtone cannot reach your phone system right now and keeps trying. Check your network connection."
	case errors.As(err, &ce):
		return "The phone line for your account is not set up correctly (" + ce.Field + "). Contact your admin and give them the details."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "Connecting your phone line was stopped before it finished."
	}
	return "Your phone line is not connected: " + err.Error()
}

func describeRefusal(r Reason) string {
	switch r {
	case ReasonForbidden:
		return "The phone system does not allow your account to use this line. Contact your admin."
	case ReasonTokenRefused:
		return "The phone system did not accept your sign-in. Sign out and in again; if it keeps happening, contact your admin."
	case ReasonWrongAuthzServer, ReasonNoBearerChallenge, ReasonRedirect:
		return "The phone system is not set up for single sign-on, so Dialtone did not send your sign-in to it. Contact your admin and give them the details."
	case ReasonSignInRequired:
		return "Your session has ended. Sign in again to connect your phone line."
	}
	return "The phone system refused your line. Contact your admin and give them the details."
}
