package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// disclosure is a button that shows or hides what is under it, such as the
// technical details of a problem. It stands in for Fyne's Accordion, whose
// bold title would cost a second copy of the fonts (see theme.go).
type disclosure struct {
	toggle  *keyButton
	content fyne.CanvasObject
	box     fyne.CanvasObject // the button and, when open, the content
}

func newDisclosure(e *env, title string, content fyne.CanvasObject) *disclosure {
	d := &disclosure{content: content}
	d.toggle = e.button(title, theme.MenuExpandIcon(), d.flip)
	d.toggle.Importance = widget.LowImportance
	d.toggle.Alignment = widget.ButtonAlignLeading
	d.box = container.NewVBox(d.toggle, content)
	d.close()
	return d
}

func (d *disclosure) flip() {
	if d.isOpen() {
		d.close()
		return
	}
	d.open()
}

// open shows the content.
func (d *disclosure) open() {
	d.content.Show()
	d.toggle.SetIcon(theme.MenuDropDownIcon())
}

// close hides the content.
func (d *disclosure) close() {
	d.content.Hide()
	d.toggle.SetIcon(theme.MenuExpandIcon())
}

func (d *disclosure) isOpen() bool { return d.content.Visible() }
