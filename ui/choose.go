package ui

import (
	"dialtone/internal/idp"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// chooseScreen offers the agent's providers, one button each with its logo and name.
type chooseScreen struct {
	email     *widget.Label
	cached    *widget.Label
	list      *fyne.Container
	providers []*keyButton // in the order offered
	another   *keyButton
	content   fyne.CanvasObject
}

func (a *App) makeChoose() fyne.CanvasObject {
	c := &a.choose
	c.email = bodyText("")
	c.cached = smallText("")
	c.list = container.NewVBox()
	c.another = a.newButton("Use another account", theme.AccountIcon(), a.useAnotherAccount)
	c.another.Importance = widget.LowImportance
	return page(heading("Choose how to sign in"), c.email, c.list, c.cached, widget.NewSeparator(), container.NewHBox(c.another))
}

// showChoose offers providers to sign in with.
func (a *App) showChoose(providers []idp.Provider) {
	c := &a.choose
	c.email.SetText("Your account " + a.flow.email + " can sign in with:")
	setShown(c.cached, cachedNote(a.flow.answer))
	c.providers = c.providers[:0]
	c.list.RemoveAll()
	for _, p := range providers {
		b, row := a.makeProviderButton(p)
		c.providers = append(c.providers, b)
		c.list.Add(row)
	}
	a.show(c.content)
	a.win.Canvas().Focus(c.providers[0])
}

// makeProviderButton returns a button for p and what to show for it: the button with the provider's logo and
// name drawn over it, larger than a button's own icon.
func (a *App) makeProviderButton(p idp.Provider) (*keyButton, fyne.CanvasObject) {
	b := a.newButton("", nil, func() { a.login(p) })
	name := widget.NewLabelWithStyle(providerName(p), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	face := container.NewBorder(nil, nil, fixedImage(providerLogo(p.Type), 32), widget.NewIcon(theme.NavigateNextIcon()), name)
	return b, container.NewStack(b, container.NewPadded(face))
}
