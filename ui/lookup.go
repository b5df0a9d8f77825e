package ui

import (
	"context"
	"errors"

	"dialtone/internal/directory"
	"dialtone/internal/idp"
	"dialtone/internal/problem"
)

// lookup asks the directory which providers addr may use, with a spinner in place of Continue; Cancel (or
// Escape) stops it and gives the form back.
func (s *emailScreen) lookup(addr string) {
	at := attempt{email: addr, prompt: s.at.prompt}
	s.setProblem("", false)
	s.setLooking(true)
	work := func(ctx context.Context) (*directory.Answer, error) {
		return s.env.deps.Directory.LookupOrCached(ctx, addr)
	}
	cancelled := func() {
		s.setLooking(false)
		s.env.focus(s.entry)
	}
	run(s.env.jobs, cancelled, work, func(ans *directory.Answer, err error) { s.lookedUp(at, ans, err) })
}

// setLooking switches between the form and the lookup's spinner with Cancel.
func (s *emailScreen) setLooking(on bool) {
	setVisible(s.looking, on)
	setVisible(s.next, !on)
	if !on {
		s.entry.Enable()
		s.spin.Stop()
		return
	}
	s.entry.Disable()
	s.spin.Start()
	s.env.focus(s.cancel)
}

// lookedUp goes on with the providers found: straight to the browser when one provider is offered (or
// enforced), to the choice when several are. A directory out of reach is said here, with Retry.
func (s *emailScreen) lookedUp(at attempt, ans *directory.Answer, err error) {
	s.setLooking(false)
	var ne *idp.NetworkError
	switch {
	case errors.As(err, &ne):
		s.setProblem(problem.Describe(err), true)
		return
	case err != nil:
		s.env.nav.showProblem(err, at, func() { s.retryAfterProblem(at) })
		return
	}
	at.answer = ans
	ans.List.Email = at.email
	p, err := ans.List.Choose("")
	var choice *idp.ChoiceError
	switch {
	case errors.As(err, &choice):
		s.env.nav.showChoose(at, choice.Offered)
	case err != nil:
		s.setProblem(problem.Describe(err), false)
	default:
		s.env.nav.login(at, p)
	}
}

// retryAfterProblem comes back from a problem screen to look at's email up again.
func (s *emailScreen) retryAfterProblem(at attempt) {
	s.env.nav.showEmail(at, "")
	s.lookup(at.email)
}

// cachedNote marks a provider list the directory did not give just now.
func cachedNote(ans *directory.Answer) string {
	if ans == nil || !ans.Cached {
		return ""
	}
	return "The directory could not be reached, so these are the sign-in options saved on " + ans.FetchedAt.Local().Format("2 Jan 2006 at 15:04") + "."
}
