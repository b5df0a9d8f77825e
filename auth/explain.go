package auth

import (
	"errors"
	"fmt"
)

// Describe turns an error from this package into one sentence an agent
// understands: what happened and what to do. Details for an admin stay in
// err.Error().
func Describe(err error) string {
	var (
		pe   *ProviderError
		ve   *VerificationError
		ee   *EmailError
		ce   *ConfigError
		ne   *NetworkError
		port *PortInUseError
		ke   *KeyringError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ke):
		return describeKeyring(ke)
	case errors.Is(err, ErrOffline):
		return "Dialtone cannot reach your identity provider right now. Your session is kept and Dialtone keeps retrying; check your network connection."
	case errors.Is(err, ErrTimeout):
		return "The sign-in page was not completed in time. Start the sign-in again."
	case errors.Is(err, ErrCancelled):
		return "Sign-in cancelled."
	case errors.Is(err, ErrLoginRequired):
		return "Your session has ended. Sign in again."
	case errors.As(err, &ee):
		return describeEmail(ee)
	case errors.As(err, &pe):
		return describeProvider(pe)
	case errors.As(err, &ve):
		return "The sign-in answer from your identity provider failed a security check (" + ve.Check + "), so Dialtone did not trust it. Try again; if it keeps happening, tell your admin."
	case errors.As(err, &ce):
		return "Single sign-on for your account is not set up correctly (" + ce.Field + "). Contact your admin and give them the details."
	case errors.As(err, &port):
		return fmt.Sprintf("Another program is using %s, which sign-in needs. Close it and try again.", port.Addr)
	case errors.As(err, &ne):
		return "Dialtone could not reach " + ne.URL + ". Check your network connection and try again."
	}
	return "Sign-in failed: " + err.Error()
}

func describeEmail(e *EmailError) string {
	switch e.Problem {
	case EmailInvalid:
		return fmt.Sprintf("%q is not an email address. Type your work email, like name@company.com.", e.Typed)
	case EmailUnverified:
		return fmt.Sprintf("Your identity provider has not verified %s. Ask your admin to verify it.", e.Got)
	case EmailMissing:
		return "Your identity provider did not tell Dialtone your email address. Ask your admin to release the email claim to Dialtone."
	}
	return fmt.Sprintf("You typed %s, but the browser signed in %s. Sign out of %s in the browser, or type that address.", e.Typed, e.Got, e.Got)
}

func describeProvider(e *ProviderError) string {
	switch e.Code {
	case "access_denied":
		return "Sign-in was declined at your identity provider. If you did not decline it, ask your admin to give you access to Dialtone."
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return "Your identity provider needs you to sign in again. Start the sign-in again."
	case "invalid_grant":
		return "Your sign-in has expired or was revoked. Sign in again."
	case "temporarily_unavailable", "server_error":
		return "Your identity provider is having problems. Try again in a few minutes."
	}
	return "Your identity provider refused the sign-in (" + e.Code + "). Contact your admin and give them the details."
}

func describeKeyring(e *KeyringError) string {
	what := "The system keyring is not available"
	switch e.Problem {
	case KeyringLocked:
		what = "The system keyring is locked"
	case KeyringTimedOut:
		what = "The system keyring did not answer (it may be waiting to be unlocked)"
	}
	if e.Op == "delete" {
		return what + ", so the saved sign-in could not be removed from it."
	}
	return what + ", so you are signed in for this session only and will sign in again next time. Unlock or start your keyring to stay signed in."
}
