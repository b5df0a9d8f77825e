package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/internal/idp"
)

// chooseScreen offers the agent's providers, one button each with its logo and name.
type chooseScreen struct {
	env       *env
	at        attempt
	email     *widget.Label
	cached    *widget.Label
	list      *fyne.Container
	providers []*keyButton // in the order offered
	another   *keyButton
	content   fyne.CanvasObject
}

func newChooseScreen(e *env) *chooseScreen {
	c := &chooseScreen{env: e, email: bodyText(""), cached: smallText(""), list: container.NewVBox()}
	c.another = e.button("Use another account", theme.AccountIcon(), func() { e.nav.useAnotherAccount(c.at.email) })
	c.another.Importance = widget.LowImportance
	c.content = page(heading("Choose how to sign in"), c.email, c.list, c.cached, widget.NewSeparator(), container.NewHBox(c.another))
	return c
}

func (c *chooseScreen) screenName() string      { return "choose" }
func (c *chooseScreen) root() fyne.CanvasObject { return c.content }
func (c *chooseScreen) leave()                  {}

// show offers the providers at's email can sign in with, and gives the first the focus.
func (c *chooseScreen) show(at attempt, offered []idp.Provider) {
	c.at = at
	c.email.SetText("Your account " + at.email + " can sign in with:")
	setShown(c.cached, cachedNote(at.answer))
	c.providers = c.providers[:0]
	c.list.RemoveAll()
	for _, p := range offered {
		b, row := c.providerButton(p)
		c.providers = append(c.providers, b)
		c.list.Add(row)
	}
	c.env.focus(c.providers[0])
}

// providerButton returns a button that signs in with p and what to show for it: the button with the provider's
// logo and name drawn over it, larger than a button's own icon.
func (c *chooseScreen) providerButton(p idp.Provider) (*keyButton, fyne.CanvasObject) {
	at := c.at
	b := c.env.button("", nil, func() { c.env.nav.login(at, p) })
	name := widget.NewLabel(providerName(p))
	face := container.NewBorder(nil, nil, fixedImage(providerLogo(p.Type), 32), widget.NewIcon(theme.NavigateNextIcon()), name)
	return b, container.NewStack(b, container.NewPadded(face))
}
