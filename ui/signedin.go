package ui

import (
	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

// account is who is signed in and with which provider, for the dialer, the menu and About.
type account struct {
	Agent
	provider string // the provider's name
	issuer   string
}

func accountOfRecord(rec *session.Record) account {
	return account{Agent: Agent{Name: rec.Name, Email: rec.Email}, provider: providerName(rec.Provider), issuer: rec.Issuer}
}

func accountOfSession(s *session.Session, p idp.Provider) account {
	return account{Agent: Agent{Name: s.Name, Email: s.Email}, provider: providerName(p), issuer: s.Issuer}
}

// presenceNames are the names Deps.OnScreen gets for the dialer's presence.
var presenceNames = map[dialer.State]string{
	dialer.SignedOut:    "dialer/signed-out",
	dialer.Online:       "dialer/online",
	dialer.Reconnecting: "dialer/reconnecting",
	dialer.Connecting:   "dialer/connecting",
	dialer.Refused:      "dialer/line-refused",
	dialer.Away:         "dialer/offline",
}

// signedIn shows the dialer for acct and keeps the agent reachable, following how they stand on the presence
// dot, the keyring banner and the tray; a tel: link that waited for the sign-in (Dial) fills the dialer. s is
// nil when the silent sign-in could not reach the provider.
func (a *App) signedIn(acct account, s *session.Session) {
	a.reports++
	id := a.reports
	first := a.env.deps.Keeper.Begin(s, func(u agent.Update) {
		a.env.jobs.do(func() {
			if a.reports == id {
				a.follow(u)
			}
		})
	})
	f := a.frame.get()
	a.show(f)
	f.show(acct)
	a.tray.setSignedIn(true)
	a.follow(first)
	a.fillLink()
}

// follow shows how the signed-in agent stands. When the session ended, it goes back to the email screen with
// the email filled in and says why.
func (a *App) follow(u agent.Update) {
	f := a.frame.get()
	if u.Ended != nil {
		a.reports++
		a.env.deps.Keeper.End()
		a.showSignedOut(f.account.Email, problem.Describe(u.Ended), "")
		return
	}
	f.update(u)
	a.tray.setPresence(u.Presence.State)
	a.onScreen(presenceNames[u.Presence.State])
}

// setAvailable puts the agent Offline or Available again, off the Fyne thread (unregistering waits for the
// registrar), and then shows how they stand.
func (a *App) setAvailable(on bool) {
	id := a.reports
	go func() {
		u := a.env.deps.Keeper.SetAvailable(on)
		a.env.jobs.do(func() {
			if a.reports == id {
				a.follow(u)
			}
		})
	}()
}

// signOut signs the agent out on the starting screen (everywhere: at the provider's browser session too);
// another then lets them choose the account at the next sign-in. Reports still on their way are dropped.
func (a *App) signOut(everywhere, another bool) {
	a.reports++
	acct := a.frame.get().account
	a.env.win.Show()
	s := a.starting.get()
	a.show(s)
	s.signOut(acct, everywhere, another)
}
