package problem

import (
	"errors"
	"fmt"
	"strings"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/line"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// Describe turns err into one sentence an agent understands: what happened
// and what to do. The details for an admin stay in err.Error(); show them
// when Classify(err).ForAdmin().
func Describe(err error) string {
	if err == nil {
		return ""
	}
	k := Classify(err)
	if d, ok := describers[k]; ok {
		return d(err)
	}
	return "Sign-in failed: " + err.Error()
}

var describers = map[Kind]func(error) string{
	Local:            describeLocal,
	Usage:            describeUsage,
	NoSSO:            describeNoSSO,
	SignInRequired:   fixed("Your session has ended. Sign in again."),
	Declined:         fixed("Sign-in was declined at your identity provider. If you did not decline it, ask your admin to give you access to Dialtone."),
	Refused:          describeRefused,
	WrongAccount:     describeEmail,
	EmailUnconfirmed: describeEmail,
	Untrusted:        describeUntrusted,
	Misconfigured:    describeConfig,
	Unreachable:      describeUnreachable,
	Cancelled:        fixed("Sign-in cancelled."),
	TimedOut:         fixed("The sign-in page was not completed in time. Start the sign-in again."),
	Keyring:          describeKeyring,
	NoLine:           fixed("No phone line is set up for your account, so calls cannot reach you in Dialtone. Ask your admin to set up your line."),
	LineRefused:      describeLineRefused,
}

func fixed(s string) func(error) string { return func(error) string { return s } }

func describeLocal(err error) string {
	var port *auth.PortInUseError
	if errors.As(err, &port) {
		return fmt.Sprintf("Another program is using %s, which sign-in needs. Close it and try again.", port.Addr)
	}
	return "Dialtone could not use its folder on this computer. Check that your user folder is writable and not full, then try again."
}

func describeUsage(err error) string {
	var (
		ie *idp.InvalidEmailError
		ce *idp.ChoiceError
		ue *UsageError
	)
	switch {
	case errors.As(err, &ue):
		return ue.Msg
	case errors.As(err, &ie):
		return fmt.Sprintf("%q is not an email address: %s. Type your work email, like name@company.com.", ie.Email, ie.Problem)
	case errors.As(err, &ce) && ce.ID == "":
		return "Your account offers several providers to sign in with: " + offered(ce) + ". Choose one."
	case ce != nil:
		return fmt.Sprintf("Your account does not offer the provider %q. Choose one of: %s.", ce.ID, offered(ce))
	}
	return "That sign-in option is not offered for your account. Choose another."
}

// offered lists the IDs of the providers a choice offers: what the
// command line's --provider takes (the window shows their names as buttons
// instead).
func offered(ce *idp.ChoiceError) string {
	ids := make([]string, len(ce.Offered))
	for i, p := range ce.Offered {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

func describeNoSSO(err error) string {
	var np *idp.NoProviderError
	errors.As(err, &np)
	return "No single sign-on is set up for " + np.Email + ". Check the address, or ask your admin to set up single sign-on for you."
}

func describeRefused(err error) string {
	var pe *auth.ProviderError
	errors.As(err, &pe)
	switch pe.Code {
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		return "Your identity provider needs you to sign in again. Start the sign-in again."
	case "invalid_grant":
		return "Your sign-in has expired or was revoked. Sign in again."
	}
	return "Your identity provider refused the sign-in (" + pe.Code + "). Contact your admin and give them the details."
}

func describeEmail(err error) string {
	var e *auth.EmailError
	errors.As(err, &e)
	switch e.Problem {
	case auth.EmailUnverified:
		return fmt.Sprintf("Your identity provider has not verified %s. Ask your admin to verify it.", e.Got)
	case auth.EmailMissing:
		return "Your identity provider did not tell Dialtone your email address. Ask your admin to release the email claim to Dialtone."
	}
	return fmt.Sprintf("You typed %s, but the browser signed in %s. Sign out of %s in the browser, or type that address.", e.Typed, e.Got, e.Got)
}

func describeUntrusted(err error) string {
	var ve *auth.VerificationError
	errors.As(err, &ve)
	return "The sign-in answer from your identity provider failed a security check (" + ve.Check + "), so Dialtone did not trust it. Try again; if it keeps happening, tell your admin."
}

func describeConfig(err error) string {
	var (
		ce *idp.ConfigError
		le *sipaddr.ConfigError
	)
	if errors.As(err, &le) {
		return "The phone line for your account is not set up correctly (" + le.Field + "). Contact your admin and give them the details."
	}
	errors.As(err, &ce)
	return "Single sign-on for your account is not set up correctly (" + ce.Field + "). Contact your admin and give them the details."
}

func describeLineRefused(err error) string {
	switch lineReason(err) {
	case line.ReasonForbidden:
		return "The phone system does not allow your account to use this line. Contact your admin."
	case line.ReasonTokenRefused:
		return "The phone system did not accept your sign-in. Sign out and in again; if it keeps happening, contact your admin."
	case line.ReasonWrongAuthzServer, line.ReasonNoBearerChallenge, line.ReasonRedirect:
		return "The phone system is not set up for single sign-on, so Dialtone did not send your sign-in to it. Contact your admin and give them the details."
	}
	return "The phone system refused your line. Contact your admin and give them the details."
}

func describeUnreachable(err error) string {
	var ne *idp.NetworkError
	switch {
	case errors.Is(err, line.ErrUnreachable):
		return "Dialtone cannot reach your phone system right now. Check your network connection; if it keeps happening, tell your admin."
	case errors.Is(err, session.ErrOffline):
	case providerCode(err) != "":
		return "Your identity provider is having problems. Try again in a few minutes."
	case errors.As(err, &ne):
		return "Dialtone could not reach " + ne.URL + ". Check your network connection and try again."
	}
	return "Dialtone cannot reach your identity provider right now. Your session is kept and Dialtone keeps retrying; check your network connection."
}

func describeKeyring(err error) string {
	e := &keyring.Error{Problem: keyring.Unreachable}
	errors.As(err, &e)
	what := "The system keyring is not available"
	switch e.Problem {
	case keyring.Locked:
		what = "The system keyring is locked"
	case keyring.TimedOut:
		what = "The system keyring did not answer (it may be waiting to be unlocked)"
	case keyring.NoSession:
		what = "There is no system keyring in this session (no desktop session bus)"
	}
	switch e.Op {
	case "delete":
		return what + ", so the saved sign-in could not be removed from it."
	case "read":
		return what + ", so Dialtone could not read your saved sign-in. Sign in again; unlock or start your keyring to stay signed in next time."
	}
	return what + ", so you are signed in for this session only and will sign in again next time. Unlock or start your keyring to stay signed in."
}

// Brief says in a few words why err stops the agent, for a status line that
// already has its title: the presence dot's "Line refused — forbidden". The
// sentence that says what to do is Describe's. Brief(nil) is "".
func Brief(err error) string {
	if err == nil {
		return ""
	}
	k := Classify(err)
	if k == LineRefused {
		return lineBriefs[lineReason(err)]
	}
	if b, ok := briefs[k]; ok {
		return b
	}
	return "unexpected error"
}

var briefs = map[Kind]string{
	Local:            "problem on this computer",
	Usage:            "check what was given",
	NoSSO:            "no single sign-on",
	SignInRequired:   "sign in again",
	Declined:         "declined",
	Refused:          "refused by your identity provider",
	WrongAccount:     "another account signed in",
	EmailUnconfirmed: "email not confirmed",
	Untrusted:        "failed a security check",
	Misconfigured:    "not set up correctly",
	Unreachable:      "cannot connect",
	Cancelled:        "cancelled",
	TimedOut:         "timed out",
	Keyring:          "keyring not available",
	NoLine:           "no phone line",
}

// lineBriefs are the few words for each reason a line is refused; a
// refusal without a known reason reads "refused".
var lineBriefs = map[line.Reason]string{
	"":                           "refused",
	line.ReasonForbidden:         "forbidden",
	line.ReasonTokenRefused:      "sign-in token refused",
	line.ReasonWrongAuthzServer:  "registrar trusts another sign-in",
	line.ReasonNoBearerChallenge: "registrar does not take sign-in tokens",
	line.ReasonRedirect:          "redirected elsewhere",
	line.ReasonBadResponse:       "registrar answered wrongly",
	line.ReasonRejected:          "rejected",
}

// lineReason is why a refused line was refused; "" when err does not say.
func lineReason(err error) line.Reason {
	var re *line.RefusedError
	if !errors.As(err, &re) {
		return ""
	}
	if _, ok := lineBriefs[re.Reason]; !ok {
		return ""
	}
	return re.Reason
}
