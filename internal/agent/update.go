package agent

import (
	"dialtone/dialer"
	"dialtone/internal/line"
	"dialtone/internal/session"
)

// Update is how a signed-in agent stands: what the UI shows on the presence dot, the tray and the keyring
// banner. Each Update is whole: it replaces the one before.
type Update struct {
	// Presence is whether calls can reach the agent: Online, or Reconnecting with the next try while the
	// identity provider cannot be reached. When the session ended it is SignedOut.
	Presence dialer.Presence

	// KeyringErr, when not nil, says why the session is kept for this run only: the system keyring could not
	// save it (a *keyring.Error). The agent can work; they sign in again after a restart.
	KeyringErr error

	// Ended, when not nil, says why the session ended: the provider no longer accepts it (it wraps
	// session.ErrLoginRequired) and the agent must sign in again. No Update follows it.
	Ended error

	// Line reports that the account has a phone line, so Presence is the line's (and the agent may set
	// themselves Offline).
	Line bool
}

// standing is what the agent's Updates are made from: what each source last said — the session's keep-alive
// and the phone line — which presence combines (amber Connecting while the line registers, green Online only
// once the registrar said 200 OK, red Refused with the reason).
type standing struct {
	session    dialer.Presence // Online, or Reconnecting with the next try
	keyringErr error
	email      string      // the agent's, for the line's default address of record
	line       *line.State // the phone line's last state; nil when the account has none (or it is stopped)
	away       bool        // the agent set themselves Offline
	hasLine    bool        // the account has a phone line
}

// standingOf is how an agent signed in with s stands at first; s is nil when the provider could not be reached.
func standingOf(s *session.Session) standing {
	if s == nil {
		return standing{session: dialer.Presence{State: dialer.Reconnecting}}
	}
	return standing{session: dialer.Presence{State: dialer.Online}, keyringErr: s.KeyringErr, email: s.Email}
}

// follow takes in a KeepAlive report and returns the Update it makes.
func (st *standing) follow(s session.Status) Update {
	switch {
	case s.Err == nil:
		st.session = dialer.Presence{State: dialer.Online}
		if s.Session != nil {
			st.keyringErr = s.Session.KeyringErr
			st.email = s.Session.Email
		}
	case s.Ended():
		st.session = dialer.Presence{State: dialer.SignedOut}
		u := st.update()
		u.Ended = s.Err
		return u
	default:
		st.session = dialer.Presence{State: dialer.Reconnecting, NextRetry: s.NextRetry, Advice: advice(s.Err)}
	}
	return st.update()
}

// update is the Update for how the agent stands now.
func (st standing) update() Update {
	return Update{Presence: st.presence(), KeyringErr: st.keyringErr, Line: st.hasLine}
}

// presence is the agent's one presence: signed out when the session ended; Offline when the agent chose it;
// the line's when the account has one (green only once the registrar said 200 OK); else the session's.
func (st standing) presence() dialer.Presence {
	switch {
	case st.session.State == dialer.SignedOut:
		return st.session
	case st.away:
		return dialer.Presence{State: dialer.Away}
	case st.line != nil:
		return linePresence(*st.line)
	}
	return st.session
}
