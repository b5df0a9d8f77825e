package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dialtone/internal/idp"
	"dialtone/internal/session"
)

func TestSeveralProvidersOfferChoice(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(listOf(okta, google), nil)

	h.waitFor("choose")
	c := h.chooseScreen()
	if len(c.providers) != 2 {
		t.Fatalf("%d provider buttons, want 2", len(c.providers))
	}
	if h.win.Canvas().Focused() != c.providers[0] {
		t.Error("the first provider does not have the focus")
	}
	if c.cached.Visible() {
		t.Error("a fresh answer is marked as cached")
	}
	test.Tap(c.providers[1])
	login := next(h, h.s.logins)
	if login.in.Provider.ID != google.ID || login.in.Email != priya.Email || login.in.Prompt != "" {
		t.Errorf("signed in with %+v", login.in)
	}
}

func TestSingleProviderSkipsChoice(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(listOf(okta), nil)

	login := next(h, h.s.logins)
	if login.in.Provider.ID != okta.ID {
		t.Errorf("signed in with %s, want %s", login.in.Provider.ID, okta.ID)
	}
	if !h.shows("waiting") {
		t.Error("the waiting screen is not shown")
	}
}

func TestEnforcedProviderSkipsChoice(t *testing.T) {
	h := newHarness(t)
	h.start()
	enforced := google
	enforced.Enforced = true
	h.submit(priya.Email).reply(listOf(okta, enforced), nil)

	login := next(h, h.s.logins)
	if login.in.Provider.ID != google.ID {
		t.Errorf("signed in with %s, want the enforced %s", login.in.Provider.ID, google.ID)
	}
}

func TestUseAnotherAccountFromChoiceStartsOver(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(listOf(okta, google), nil)
	h.waitFor("choose")

	test.Tap(h.chooseScreen().another)
	if !h.shows("email") {
		t.Fatal("Use another account did not go to the email screen")
	}
	if got := h.emailScreen().entry.Text; got != priya.Email {
		t.Errorf("email field = %q, want %q to edit", got, priya.Email)
	}
	h.submit("sam@acme.example").reply(listOf(okta, google), nil)
	h.waitFor("choose")
	test.Tap(h.chooseScreen().providers[0])
	login := next(h, h.s.logins)
	if login.in.Prompt != "select_account" || login.in.Email != "sam@acme.example" {
		t.Errorf("signed in with prompt %q as %q, want select_account as sam@acme.example", login.in.Prompt, login.in.Email)
	}

	login.reply(sessionOf("sam@acme.example", "Sam", okta), nil)
	h.waitFor("dialer")
	next(h, h.s.keeps)
	h.frame().signOut.Action()
	next(h, h.s.logouts).reply(session.LogoutResult{}, nil)
	h.waitFor("email")
	h.submit("sam@acme.example").reply(listOf(okta), nil)
	if got := next(h, h.s.logins).in.Prompt; got != "" {
		t.Errorf("after signing in, the next sign-in still asks %q", got)
	}
}

func TestProviderLogos(t *testing.T) {
	for _, typ := range idp.Types() {
		if len(providerLogo(typ).Content()) == 0 {
			t.Errorf("no logo for %s", typ)
		}
	}
	if got, want := providerLogo("unheard-of").Content(), providerLogo(idp.TypeOIDC).Content(); string(got) != string(want) {
		t.Error("an unknown type does not get the generic logo")
	}
}

func TestChooseKeyboard(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.submit(priya.Email).reply(listOf(okta, google), nil)
	h.waitFor("choose")
	c := h.win.Canvas()

	for _, want := range []fyne.Focusable{h.chooseScreen().providers[1], h.chooseScreen().another} {
		c.FocusNext()
		if c.Focused() != want {
			t.Fatalf("Tab went to %v, want %v", c.Focused(), want)
		}
	}
	c.FocusPrevious()
	h.chooseScreen().providers[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnter})
	if got := next(h, h.s.logins).in.Provider.ID; got != google.ID {
		t.Errorf("Enter signed in with %s, want %s", got, google.ID)
	}
}
