package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
)

// longPress is how long the 0 key must be held to send "+".
const longPress = 600 * time.Millisecond

// keypadDigits are the keys of a phone keypad, row by row.
const keypadDigits = "123456789*0#"

// Keypad is a 3×4 phone keypad: 1–9, *, 0 and #, each key with its letters (2 ABC … 9 WXYZ).
//
// Fyne has no long-press gesture on desktop, so the 0 key times its press itself: a desktop.Mouseable MouseDown
// starts the clock and the tap that follows a hold of 600 ms or more sends '+' instead of '0'. A secondary tap
// (right click on desktop, long touch on mobile, where Fyne reports a long press that way) on 0 also sends '+'.
// Keyboard users type "+" directly (see DialerScreen.InstallKeyboard).
type Keypad struct {
	widget.BaseWidget

	// OnKey is called with the key tapped: '0'–'9', '*', '#', or '+' for a long press on 0.
	OnKey func(r rune)

	now  func() time.Time // the clock timing long presses; tests replace it
	keys map[rune]*keypadKey
	grid *fyne.Container
}

// NewKeypad returns a keypad that calls onKey for every key tapped.
func NewKeypad(onKey func(r rune)) *Keypad {
	k := &Keypad{OnKey: onKey, now: time.Now, keys: map[rune]*keypadKey{}}
	k.ExtendBaseWidget(k)
	keys := make([]fyne.CanvasObject, 0, len(keypadDigits))
	for _, d := range keypadDigits {
		key := newKeypadKey(k, d)
		k.keys[d] = key
		keys = append(keys, key)
	}
	k.grid = container.NewGridWithColumns(3, keys...)
	return k
}

// CreateRenderer implements fyne.Widget.
func (k *Keypad) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(k.grid)
}

func (k *Keypad) press(r rune) {
	if k.OnKey != nil {
		k.OnKey(r)
	}
}

// keypadKey is one key of a Keypad: the digit, its letters below, a rounded background that shows hover and
// press.
type keypadKey struct {
	widget.BaseWidget
	pad   *Keypad
	digit rune

	downAt  time.Time     // when the primary button went down; zero when it is up
	held    time.Duration // how long the last press lasted, for the Tapped that follows it
	hovered bool

	bg      *canvas.Rectangle
	label   *canvas.Text
	letters *canvas.Text
}

func newKeypadKey(pad *Keypad, digit rune) *keypadKey {
	sub := dialer.KeypadLetters(digit)
	switch digit {
	case '0':
		sub = "+"
	case '1', '*', '#':
		sub = " " // keeps the digits of all keys on one line
	}
	k := &keypadKey{
		pad: pad, digit: digit,
		bg:      canvas.NewRectangle(nil),
		label:   canvas.NewText(string(digit), nil),
		letters: canvas.NewText(sub, nil),
	}
	k.label.Alignment, k.letters.Alignment = fyne.TextAlignCenter, fyne.TextAlignCenter
	k.bg.SetMinSize(fyne.NewSize(72, 46))
	k.ExtendBaseWidget(k)
	return k
}

// CreateRenderer implements fyne.Widget.
func (k *keypadKey) CreateRenderer() fyne.WidgetRenderer {
	k.applyTheme()
	text := container.New(tightColumn{}, k.label, k.letters)
	return widget.NewSimpleRenderer(container.NewStack(k.bg, container.NewCenter(text)))
}

// Refresh picks up the theme's colours and sizes, and the hover and press state.
func (k *keypadKey) Refresh() {
	k.applyTheme()
	k.BaseWidget.Refresh()
}

func (k *keypadKey) applyTheme() {
	th, v := k.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	k.bg.FillColor = th.Color(theme.ColorNameInputBackground, v)
	k.bg.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	k.bg.StrokeWidth = 1
	switch {
	case !k.downAt.IsZero():
		k.bg.FillColor = blend(k.bg.FillColor, th.Color(theme.ColorNamePressed, v))
	case k.hovered:
		k.bg.FillColor = blend(k.bg.FillColor, th.Color(theme.ColorNameHover, v))
	}
	k.bg.CornerRadius = th.Size(theme.SizeNameInputRadius) * 2
	k.label.Color = th.Color(theme.ColorNameForeground, v)
	k.label.TextSize = th.Size(theme.SizeNameHeadingText)
	k.letters.Color = th.Color(theme.ColorNamePlaceHolder, v)
	k.letters.TextSize = th.Size(theme.SizeNameCaptionText)
}

// Tapped sends the key's digit, or '+' if 0 was held for a long press.
func (k *keypadKey) Tapped(*fyne.PointEvent) {
	held := k.held
	k.held = 0
	if k.digit == '0' && held >= longPress {
		k.pad.press('+')
		return
	}
	k.pad.press(k.digit)
}

// TappedSecondary sends '+' for the 0 key; other keys ignore it.
func (k *keypadKey) TappedSecondary(*fyne.PointEvent) {
	if k.digit == '0' {
		k.pad.press('+')
	}
}

// MouseDown starts timing a press of the primary button.
func (k *keypadKey) MouseDown(e *desktop.MouseEvent) {
	if e.Button != desktop.MouseButtonPrimary {
		return
	}
	k.downAt, k.held = k.pad.now(), 0
	k.Refresh()
}

// MouseUp records how long the press lasted; Fyne calls Tapped right after it.
func (k *keypadKey) MouseUp(e *desktop.MouseEvent) {
	if e.Button != desktop.MouseButtonPrimary || k.downAt.IsZero() {
		return
	}
	k.held = k.pad.now().Sub(k.downAt)
	k.downAt = time.Time{}
	k.Refresh()
}

// MouseIn shows the hover colour.
func (k *keypadKey) MouseIn(*desktop.MouseEvent) { k.hovered = true; k.Refresh() }

// MouseMoved implements desktop.Hoverable.
func (k *keypadKey) MouseMoved(*desktop.MouseEvent) {}

// MouseOut removes the hover colour and forgets a press that left the key.
func (k *keypadKey) MouseOut() {
	k.hovered, k.downAt = false, time.Time{}
	k.Refresh()
}

// Cursor shows a pointer over keys.
func (k *keypadKey) Cursor() desktop.Cursor { return desktop.PointerCursor }

// tightColumn stacks objects at their minimum heights with no padding, centred horizontally: a digit and its
// letters.
type tightColumn struct{}

// Layout implements fyne.Layout.
func (tightColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(size.Width, h))
		o.Move(fyne.NewPos(0, y))
		y += h
	}
}

// MinSize implements fyne.Layout.
func (tightColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s = fyne.NewSize(max(s.Width, m.Width), s.Height+m.Height)
	}
	return s
}

// blend paints over, which may be translucent (as the theme's hover and pressed colours are), on an opaque base.
func blend(base, over color.Color) color.Color {
	br, bg, bb, _ := base.RGBA()
	or, og, ob, oa := over.RGBA() // alpha-premultiplied
	mix := func(b, o uint32) uint8 { return uint8((o + b*(0xffff-oa)/0xffff) >> 8) }
	return color.NRGBA{R: mix(br, or), G: mix(bg, og), B: mix(bb, ob), A: 0xff}
}
