package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// avatarSize is the diameter of the agent's avatar.
const avatarSize = 40

// avatar is a circle in the theme's primary colour with the agent's initials.
type avatar struct {
	widget.BaseWidget
	circle *canvas.Circle
	text   *canvas.Text
}

func newAvatar(a Agent) *avatar {
	v := &avatar{circle: canvas.NewCircle(nil), text: canvas.NewText(initials(a), nil)}
	v.text.Alignment = fyne.TextAlignCenter
	v.ExtendBaseWidget(v)
	return v
}

// CreateRenderer implements fyne.Widget.
func (v *avatar) CreateRenderer() fyne.WidgetRenderer {
	v.applyTheme()
	disc := container.NewStack(v.circle, container.NewCenter(v.text))
	return widget.NewSimpleRenderer(container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(avatarSize), disc)))
}

// Refresh picks up the theme's colours.
func (v *avatar) Refresh() {
	v.applyTheme()
	v.BaseWidget.Refresh()
}

func (v *avatar) applyTheme() {
	th, variant := v.Theme(), fyne.CurrentApp().Settings().ThemeVariant()
	v.circle.FillColor = th.Color(theme.ColorNamePrimary, variant)
	v.text.Color = th.Color(theme.ColorNameForegroundOnPrimary, variant)
	v.text.TextSize = th.Size(theme.SizeNameSubHeadingText)
}

// initials returns up to two initials of the agent's name ("Priya Natarajan" → "PN"), or the first letter of
// their email without a name.
func initials(a Agent) string {
	words := strings.Fields(a.Name)
	if len(words) == 0 {
		words = strings.Fields(a.Email)
	}
	if len(words) > 2 {
		words = []string{words[0], words[len(words)-1]}
	}
	var b strings.Builder
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
