package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// keyButton is Dialtone's button: Fyne's look — the theme's button colours by importance, the rounded
// background, the hover and focus blends — with its label drawn in the regular text style (Fyne draws button
// labels bold, which costs a second copy of the fonts; see the note on text styles in theme.go). It taps on
// Return, Enter and Space, and passes Escape on to what the screen cancels.
type keyButton struct {
	widget.DisableableWidget

	Text       string
	Icon       fyne.Resource
	Importance widget.Importance
	Alignment  widget.ButtonAlign
	OnTapped   func()

	escape           func()
	hovered, focused bool
}

// newButton returns a button labelled text that calls tapped; Escape on it calls escape.
func newButton(text string, icon fyne.Resource, tapped, escape func()) *keyButton {
	if escape == nil {
		escape = func() {}
	}
	b := &keyButton{Text: text, Icon: icon, OnTapped: tapped, escape: escape}
	b.ExtendBaseWidget(b)
	return b
}

// SetText changes the label.
func (b *keyButton) SetText(text string) {
	b.Text = text
	b.Refresh()
}

// SetIcon changes the icon; nil shows none.
func (b *keyButton) SetIcon(icon fyne.Resource) {
	b.Icon = icon
	b.Refresh()
}

// Tapped calls OnTapped unless the button is disabled.
func (b *keyButton) Tapped(*fyne.PointEvent) {
	if b.Disabled() || b.OnTapped == nil {
		return
	}
	b.OnTapped()
}

// TypedKey taps the button on Return, Enter and Space, and passes Escape on.
func (b *keyButton) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace:
		b.Tapped(nil)
	case fyne.KeyEscape:
		b.escape()
	}
}

// TypedRune ignores typed characters.
func (b *keyButton) TypedRune(rune) {}

// FocusGained shows the focus.
func (b *keyButton) FocusGained() { b.focused = true; b.Refresh() }

// FocusLost stops showing the focus.
func (b *keyButton) FocusLost() { b.focused = false; b.Refresh() }

// MouseIn shows the hover.
func (b *keyButton) MouseIn(*desktop.MouseEvent) { b.hovered = true; b.Refresh() }

// MouseMoved does nothing.
func (b *keyButton) MouseMoved(*desktop.MouseEvent) {}

// MouseOut stops showing the hover.
func (b *keyButton) MouseOut() { b.hovered = false; b.Refresh() }

// Cursor is the pointer shown over the button.
func (b *keyButton) Cursor() desktop.Cursor { return desktop.DefaultCursor }

// CreateRenderer implements fyne.Widget.
func (b *keyButton) CreateRenderer() fyne.WidgetRenderer {
	b.ExtendBaseWidget(b)
	r := &buttonRenderer{b: b, bg: canvas.NewRectangle(color.Transparent), label: canvas.NewText("", nil), icon: canvas.NewImageFromResource(nil)}
	r.icon.FillMode = canvas.ImageFillContain
	r.Refresh()
	return r
}

// buttonRenderer draws a keyButton: background, icon, label.
type buttonRenderer struct {
	b     *keyButton
	bg    *canvas.Rectangle
	label *canvas.Text
	icon  *canvas.Image
}

func (r *buttonRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.icon, r.label}
}

func (r *buttonRenderer) Destroy() {}

// Refresh applies the button's text, icon, state and the theme.
func (r *buttonRenderer) Refresh() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	fg, bg, blend := colorNames(r.b)
	r.bg.FillColor = color.Transparent
	if bg != "" {
		r.bg.FillColor = th.Color(bg, v)
	}
	if blend != "" {
		r.bg.FillColor = blendColor(r.bg.FillColor, th.Color(blend, v))
	}
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.label.Text, r.label.Color, r.label.TextSize = r.b.Text, th.Color(fg, v), th.Size(theme.SizeNameText)
	r.icon.Resource = r.iconFor(fg)
	setVisible(r.icon, r.b.Icon != nil)
	r.Layout(r.b.Size())
	r.bg.Refresh()
	r.icon.Refresh()
	r.label.Refresh()
}

// iconFor is the button's icon in the label's colour when it is a themed icon on a coloured background.
func (r *buttonRenderer) iconFor(fg fyne.ThemeColorName) fyne.Resource {
	icon := r.b.Icon
	if icon == nil {
		return nil
	}
	if r.b.Disabled() {
		return theme.NewDisabledResource(icon)
	}
	if themed, ok := icon.(fyne.ThemedResource); ok && fg != theme.ColorNameForeground && themed.ThemeColorName() != fg {
		return theme.NewColoredResource(icon, fg)
	}
	return icon
}

// MinSize is the label and icon with the theme's inner padding around them.
func (r *buttonRenderer) MinSize() fyne.Size {
	th := r.b.Theme()
	content := r.contentSize(th)
	return content.Add(fyne.NewSquareSize(th.Size(theme.SizeNameInnerPadding) * 2))
}

// contentSize is the size of the icon and the label side by side.
func (r *buttonRenderer) contentSize(th fyne.Theme) fyne.Size {
	var s fyne.Size
	iconSize := th.Size(theme.SizeNameInlineIcon)
	if r.b.Text != "" {
		s = r.label.MinSize()
	}
	if r.b.Icon != nil {
		if r.b.Text != "" {
			s.Width += th.Size(theme.SizeNamePadding)
		}
		s.Width += iconSize
		s.Height = max(s.Height, iconSize)
	}
	return s
}

// Layout places the icon before the label, centred or at the leading edge.
func (r *buttonRenderer) Layout(size fyne.Size) {
	th := r.b.Theme()
	r.bg.Resize(size)
	content := r.contentSize(th)
	pad := th.Size(theme.SizeNameInnerPadding)
	x := (size.Width - content.Width) / 2
	if r.b.Alignment == widget.ButtonAlignLeading {
		x = pad
	}
	iconSize := th.Size(theme.SizeNameInlineIcon)
	if r.b.Icon != nil {
		r.icon.Resize(fyne.NewSquareSize(iconSize))
		r.icon.Move(fyne.NewPos(x, (size.Height-iconSize)/2))
		x += iconSize + th.Size(theme.SizeNamePadding)
	}
	labelSize := r.label.MinSize()
	r.label.Resize(labelSize)
	r.label.Move(fyne.NewPos(x, (size.Height-labelSize.Height)/2))
}

// colorNames is Fyne's choice of button colours (widget.Button): foreground, background and the hover or
// focus blend, by state and importance.
func colorNames(b *keyButton) (fg, bg, blend fyne.ThemeColorName) {
	fg = theme.ColorNameForeground
	switch {
	case b.Disabled():
		fg = theme.ColorNameDisabled
		if b.Importance != widget.LowImportance {
			return fg, theme.ColorNameDisabledButton, ""
		}
		return fg, "", ""
	case b.focused:
		blend = theme.ColorNameFocus
	case b.hovered:
		blend = theme.ColorNameHover
	}
	switch b.Importance {
	case widget.DangerImportance:
		return theme.ColorNameForegroundOnError, theme.ColorNameError, blend
	case widget.HighImportance:
		return theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, blend
	case widget.SuccessImportance:
		return theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess, blend
	case widget.WarningImportance:
		return theme.ColorNameForegroundOnWarning, theme.ColorNameWarning, blend
	case widget.LowImportance:
		if blend != "" {
			return fg, theme.ColorNameButton, blend
		}
		return fg, "", ""
	}
	return fg, theme.ColorNameButton, blend
}

// blendColor lays over, with its alpha, on under (as widget.Button does).
func blendColor(under, over color.Color) color.Color {
	dr, dg, db, da := under.RGBA()
	sr, sg, sb, sa := over.RGBA()
	srcA, dstA := float32(sa)/0xFFFF, float32(da)/0xFFFF
	outA := srcA + dstA*(1-srcA)
	mix := func(s, d uint32) uint16 { return uint16(s + uint32(float32(d)*(1-srcA))) }
	return color.RGBA64{R: mix(sr, dr), G: mix(sg, dg), B: mix(sb, db), A: uint16(outA * 0xFFFF)}
}
