package ui

import (
	"slices"
	"testing"

	"dialtone/internal/session"
)

func TestOnScreenNamesEveryScreenAndPresence(t *testing.T) {
	h := newHarness(t)
	var got []string
	h.a.env.deps.OnScreen = func(name string) { got = append(got, name) }
	h.start()
	h.submit(priya.Email).reply(listOf(okta), nil)
	next(h, h.s.logins).reply(sessionOf(priya.Email, priya.Name, okta), nil)
	h.waitFor("dialer")
	next(h, h.s.keeps).report(session.Status{Err: session.ErrOffline})
	h.until("reconnecting is reported", func() bool { return slices.Contains(got, "dialer/reconnecting") })

	want := []string{"email", "waiting", "dialer", "dialer/online", "dialer/reconnecting"}
	if !slices.Equal(got, want) {
		t.Errorf("OnScreen got %q, want %q", got, want)
	}
}
