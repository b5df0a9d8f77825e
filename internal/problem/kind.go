package problem

// Kind is what went wrong, as far as an agent, an admin or a script needs to
// know. The zero value is Unknown.
type Kind int

// The kinds of problem. Each has one exit code (ExitCode), one title
// (Title) and one sentence per error (Describe). The README's exit-code
// table lists every code.
const (
	Unknown          Kind = iota // an unexpected failure; exit 1
	Local                        // something on this computer: a port in use, a config folder that cannot be written; exit 1
	Usage                        // what was typed or given cannot be used: an email, a flag, a provider list file; exit 2
	NoSSO                        // no single sign-on is set up for the email; exit 3
	SignInRequired               // no usable stored session: sign in again; exit 3
	Declined                     // the agent or a policy declined at the identity provider; exit 3
	Refused                      // the identity provider refused the sign-in; exit 3
	WrongAccount                 // the provider signed in another email than the one typed; exit 3
	EmailUnconfirmed             // the provider did not vouch for the email (unverified or missing); exit 3
	Untrusted                    // an answer failed a security check; exit 3
	Misconfigured                // the provider, its directory entry or the directory is set up wrongly; exit 3
	Unreachable                  // the directory or the identity provider could not be reached, or stalled; exit 4
	Cancelled                    // the agent cancelled (Cancel, Ctrl-C, SIGTERM); exit 5
	TimedOut                     // the browser did not come back in time; exit 5
	Keyring                      // the system keyring is not available, locked, or did not answer; exit 6
	NoLine                       // no phone line is set up for the account; exit 2
	LineRefused                  // the phone system refused the agent's line; exit 3
)

// Kinds lists every Kind, in the order of the constants.
func Kinds() []Kind {
	return []Kind{Unknown, Local, Usage, NoSSO, SignInRequired, Declined, Refused, WrongAccount, EmailUnconfirmed, Untrusted, Misconfigured, Unreachable, Cancelled, TimedOut, Keyring, NoLine, LineRefused}
}

// The command line's exit codes (README, "The command line").
const (
	ExitOK          = 0
	ExitFailure     = 1 // Unknown, Local
	ExitUsage       = 2
	ExitRefused     = 3 // the sign-in was refused or failed a check, or must be done again
	ExitUnreachable = 4
	ExitCancelled   = 5
	ExitKeyring     = 6
)

// ExitCode is the command line's exit status for a problem of kind k.
func (k Kind) ExitCode() int {
	switch k {
	case Usage, NoLine:
		return ExitUsage
	case NoSSO, SignInRequired, Declined, Refused, WrongAccount, EmailUnconfirmed, Untrusted, Misconfigured, LineRefused:
		return ExitRefused
	case Unreachable:
		return ExitUnreachable
	case Cancelled, TimedOut:
		return ExitCancelled
	case Keyring:
		return ExitKeyring
	}
	return ExitFailure
}

// ForAdmin reports whether an admin needs the technical details of a
// problem of kind k (the window's "Details", the command line's second
// line): false for what the agent can settle alone.
func (k Kind) ForAdmin() bool {
	switch k {
	case Usage, NoSSO, SignInRequired, Declined, WrongAccount, Cancelled, TimedOut, NoLine:
		return false
	}
	return true
}

// Title is the heading of the window's problem screen for kind k.
func (k Kind) Title() string {
	if t, ok := titles[k]; ok {
		return t
	}
	return "Sign-in failed"
}

var titles = map[Kind]string{
	Local:            "Sign-in could not start",
	Usage:            "Check what you typed",
	NoSSO:            "No single sign-on for this email",
	SignInRequired:   "Sign in again",
	Declined:         "Sign-in declined",
	Refused:          "Your identity provider refused the sign-in",
	WrongAccount:     "A different account signed in",
	EmailUnconfirmed: "Your email could not be confirmed",
	Untrusted:        "The sign-in failed a security check",
	Misconfigured:    "Single sign-on is not set up correctly",
	Unreachable:      "Dialtone cannot connect",
	Cancelled:        "Sign-in cancelled",
	TimedOut:         "Sign-in timed out",
	Keyring:          "The system keyring is not available",
	NoLine:           "No phone line",
	LineRefused:      "Line refused",
}

// String is the kind's name, for logs and tests.
func (k Kind) String() string {
	names := [...]string{"unknown", "local", "usage", "no-sso", "sign-in-required", "declined", "refused", "wrong-account", "email-unconfirmed", "untrusted", "misconfigured", "unreachable", "cancelled", "timed-out", "keyring", "no-line", "line-refused"}
	if k < 0 || int(k) >= len(names) {
		return "unknown"
	}
	return names[k]
}
