package ui

// link is what a tel: or callto: link handed to the window asks for: a number for the dialer, with the
// extension to dial once the call is answered, or the sentence saying why the link holds nothing to dial.
type link struct {
	number, extension string
	refused           string
}

// Raise brings the window to the front: shown again if it was hidden, and given the focus. Dialtone calls it
// when the agent launches it again while it runs.
func (a *App) Raise() { raise(a.env.win) }

// Dial raises the window and puts number (as a tel: link writes it, "+1-201-555-0123") in the dialer, with
// extension, if not "", shown under it: the dialer has no field for an extension. When the dialer is not on
// screen (the agent is not signed in yet), the number waits and fills the dialer when it shows; a later link
// replaces it. Dial reports whether the number is in the dialer now.
func (a *App) Dial(number, extension string) bool {
	return a.openLink(link{number: number, extension: extension})
}

// RefuseLink raises the window and shows reason, a sentence for the agent, where the number would have gone:
// for a link that holds no number ("callto:alice"). Like Dial, it waits for the dialer, and reports whether
// the dialer shows it now.
func (a *App) RefuseLink(reason string) bool {
	return a.openLink(link{refused: reason})
}

func (a *App) openLink(l link) bool {
	a.Raise()
	a.link = &l
	return a.fillLink()
}

// fillLink hands the waiting link, if any, to the dialer when the dialer is on screen.
func (a *App) fillLink() bool {
	if a.link == nil || !a.frame.built || a.current != screen(a.frame.get()) {
		return false
	}
	a.frame.get().dialer.openLink(*a.link)
	a.link = nil
	return true
}

// openLink replaces the number with the link's, or says why the link holds none.
func (s *DialerScreen) openLink(l link) {
	if l.refused != "" {
		s.setMessage(l.refused, true)
		return
	}
	err := s.input.Set(l.number)
	s.edited(err)
	if err != nil || l.extension == "" {
		return
	}
	note := "Extension " + l.extension
	if hint := s.message.Text; hint != "" {
		note = hint + " · extension " + l.extension
	}
	s.setMessage(note, false)
}
