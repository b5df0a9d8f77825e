package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The sign-in screens use Fyne's default theme, which follows the desktop's light or dark setting; these helpers
// give them one look: a header with the app's mark, a heading, wrapped body text, and buttons that also answer
// Enter and Escape.

// page lays out a sign-in screen: the app's mark at the top, then the parts in a column that scrolls when the
// window is short.
func page(parts ...fyne.CanvasObject) fyne.CanvasObject {
	mark := container.NewHBox(fixedImage(appIcon, 28), widget.NewLabel("Dialtone"))
	column := container.NewVBox(parts...)
	return container.NewBorder(container.NewPadded(mark), nil, nil, nil,
		container.NewVScroll(container.New(layout.NewCustomPaddedLayout(8, 16, 16, 16), column)))
}

// Dialtone draws all its text in the theme's regular style, and marks
// headings and names by size: every other style (bold, italic) makes Fyne
// load and keep one more copy of its fonts, the emoji font among them —
// about 10 MB of memory each (docs/benchmarks.md).

// heading returns a screen's title.
func heading(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// bodyText returns a paragraph that wraps at the window's width.
func bodyText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// smallText returns a note in caption size. It keeps the foreground colour: Fyne draws low-importance text in
// the disabled colour, which is too faint to read on the light theme.
func smallText(text string) *widget.Label {
	l := bodyText(text)
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// setShown sets a label's text and hides it while the text is empty.
func setShown(l *widget.Label, text string) {
	l.SetText(text)
	setVisible(l, text != "")
}

// fixedImage returns res drawn size×size.
func fixedImage(res fyne.Resource, size float32) *canvas.Image {
	img := canvas.NewImageFromResource(res)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSquareSize(size))
	return img
}

// tint is content on a rounded background of a theme colour at low opacity, for notices and banners. It
// follows theme changes and reads on light and dark backgrounds alike.
type tint struct {
	widget.BaseWidget
	colour  fyne.ThemeColorName
	bg      *canvas.Rectangle
	content fyne.CanvasObject
}

// tinted returns content on a tint of colour c.
func tinted(c fyne.ThemeColorName, content fyne.CanvasObject) *tint {
	t := &tint{colour: c, bg: canvas.NewRectangle(color.Transparent), content: content}
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer implements fyne.Widget.
func (t *tint) CreateRenderer() fyne.WidgetRenderer {
	t.applyTheme()
	return widget.NewSimpleRenderer(container.NewStack(t.bg, container.NewPadded(t.content)))
}

// Refresh picks up the theme's colours.
func (t *tint) Refresh() {
	t.applyTheme()
	t.BaseWidget.Refresh()
}

func (t *tint) applyTheme() {
	th := t.Theme()
	r, g, b, _ := th.Color(t.colour, fyne.CurrentApp().Settings().ThemeVariant()).RGBA()
	t.bg.FillColor = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x30}
	t.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
}

// setVisible shows o when on, else hides it.
func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}
