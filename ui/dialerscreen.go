package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
)

// HistoryStore keeps the numbers dialled, newest first. *dialer.History satisfies it.
type HistoryStore interface {
	Numbers() []string
	Add(number string) error
}

// Agent is the signed-in agent shown at the top of the dialer.
type Agent struct {
	Name  string // display name, for example "Priya Natarajan"; the initials in the avatar come from it
	Email string // the address the agent signed in with
}

// DialerConfig is what a DialerScreen needs.
type DialerConfig struct {
	// Agent is who is signed in.
	Agent Agent
	// Region is the CLDR region of numbers typed without "+", for example dialer.RegionFromLocale($LANG) or the
	// account's region. Empty means dialer.DefaultRegion.
	Region string
	// Line places the calls. Nil or dialer.NoLine disables the Call button with the hint "No phone line is set
	// up for your account".
	Line dialer.Line
	// History keeps the recent numbers shown under the keypad. Nil keeps none.
	History HistoryStore
}

// noLineHint is shown under the disabled Call button.
const noLineHint = "No phone line is set up for your account"

// DialerScreen is the screen an agent dials from: who is signed in and their presence, the number field with
// its backspace button, the keypad, the Call button and the recent numbers. Create one with NewDialerScreen,
// show Content in a window and call InstallKeyboard on that window. All methods must be called on the Fyne
// thread.
type DialerScreen struct {
	cfg        DialerConfig
	input      dialer.Input
	shown      string             // the text last put in the number entry
	recentList []string           // what the recent list shows, newest first
	cancelCall context.CancelFunc // set while a call is being placed
	calls      sync.WaitGroup     // call attempts in flight

	name, email *widget.Label
	presence    *PresenceDot
	number      *numberEntry
	message     *widget.Label // under the number: why a key or number was rejected, or that it is valid
	backspace   *widget.Button
	keypad      *Keypad
	call        *widget.Button
	status      *widget.Label // under the Call button: the call's progress, or why calling is off
	recent      *widget.List
	noRecent    *widget.Label
	content     fyne.CanvasObject
}

// NewDialerScreen builds the dialer for cfg. It shows the agent signed out until SetPresence is called.
func NewDialerScreen(cfg DialerConfig) *DialerScreen {
	if cfg.Region == "" {
		cfg.Region = dialer.DefaultRegion
	}
	s := &DialerScreen{cfg: cfg}
	s.content = container.NewBorder(
		container.NewVBox(s.makeHeader(), widget.NewSeparator(), s.makeDialPad(), widget.NewSeparator()),
		nil, nil, nil,
		s.makeRecent(),
	)
	s.refreshRecent()
	s.setCalling(false)
	return s
}

// Content returns the screen's root object, to put in a window.
func (s *DialerScreen) Content() fyne.CanvasObject { return s.content }

// SetPresence shows the agent's presence. From a goroutine, such as a dialer.PresenceTracker subscriber, call it
// through fyne.Do.
func (s *DialerScreen) SetPresence(p dialer.Presence) { s.presence.SetPresence(p) }

// InstallKeyboard makes typing anywhere in w go to the number: digits, letters (as keypad digits), "+", "*" and
// "#", Backspace, Return or Enter to call, Escape to cancel a call being placed, and the paste shortcut. It
// replaces w's canvas key handlers; the returned func removes them again, for when w shows another screen.
func (s *DialerScreen) InstallKeyboard(w fyne.Window) (remove func()) {
	c := w.Canvas()
	paste := &fyne.ShortcutPaste{}
	c.SetOnTypedRune(s.typedRune)
	c.SetOnTypedKey(s.typedKey)
	c.AddShortcut(paste, func(sc fyne.Shortcut) { s.paste(clipboardText(sc), false) })
	return func() {
		c.SetOnTypedRune(nil)
		c.SetOnTypedKey(nil)
		c.RemoveShortcut(paste)
	}
}

func (s *DialerScreen) makeHeader() fyne.CanvasObject {
	s.name = widget.NewLabelWithStyle(s.cfg.Agent.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.name.Truncation = fyne.TextTruncateEllipsis
	s.email = widget.NewLabel(s.cfg.Agent.Email)
	s.email.SizeName = theme.SizeNameCaptionText
	s.email.Truncation = fyne.TextTruncateEllipsis
	s.presence = NewPresenceDot(dialer.Presence{})
	who := container.New(tightColumn{}, s.name, s.email, s.presence)
	return container.NewBorder(nil, nil, newAvatar(s.cfg.Agent), nil, who)
}

func (s *DialerScreen) makeDialPad() fyne.CanvasObject {
	s.number = newNumberEntry(s)
	s.backspace = widget.NewButtonWithIcon("", theme.NewThemedResource(backspaceIcon), s.backspaceKey)
	s.backspace.Importance = widget.LowImportance
	s.message = widget.NewLabel("")
	s.message.Alignment = fyne.TextAlignCenter
	s.message.Wrapping = fyne.TextWrapWord
	s.keypad = NewKeypad(s.press)
	s.call = widget.NewButtonWithIcon("Call", theme.NewThemedResource(phoneIcon), s.callOrCancel)
	s.status = widget.NewLabel("")
	s.status.Alignment = fyne.TextAlignCenter
	s.status.Wrapping = fyne.TextWrapWord
	field := container.NewBorder(nil, nil, nil, s.backspace, container.NewThemeOverride(s.number, largeText{}))
	column := func(o fyne.CanvasObject) fyne.CanvasObject { return container.New(centredColumn{}, o) }
	// The message line is always there, empty or not, so that the keypad does not jump when it changes.
	return container.NewVBox(column(field), s.message, column(s.keypad), column(s.call), s.status)
}

func (s *DialerScreen) makeRecent() fyne.CanvasObject {
	heading := widget.NewLabelWithStyle("Recent", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.recent = widget.NewList(
		func() int { return len(s.recentList) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(s.displayNumber(s.recentList[id]))
		},
	)
	s.recent.OnSelected = func(id widget.ListItemID) {
		s.recent.UnselectAll()
		s.fill(s.recentList[id])
	}
	s.noRecent = widget.NewLabelWithStyle("Numbers you call appear here.", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	return container.NewBorder(heading, nil, nil, nil, container.NewStack(s.recent, s.noRecent))
}

// displayNumber shows a number from the history as the agent would write it: nationally if it is in their
// region, internationally otherwise.
func (s *DialerScreen) displayNumber(number string) string {
	n, err := dialer.Validate(number, s.cfg.Region)
	if err != nil {
		return dialer.FormatAsYouType(number, s.cfg.Region)
	}
	return n.Display(s.cfg.Region)
}

func (s *DialerScreen) refreshRecent() {
	s.recentList = nil
	if s.cfg.History != nil {
		s.recentList = s.cfg.History.Numbers()
	}
	s.noRecent.Hidden = len(s.recentList) > 0
	s.recent.Hidden = len(s.recentList) == 0
	s.recent.Refresh()
	s.noRecent.Refresh()
}

// press handles one key from the keypad, the number field or the window.
func (s *DialerScreen) press(r rune) {
	s.edited(s.input.Press(r))
}

func (s *DialerScreen) backspaceKey() {
	s.input.Backspace()
	s.edited(nil)
}

// paste adds text to the number, or replaces the number with it.
func (s *DialerScreen) paste(text string, replace bool) {
	if replace {
		s.edited(s.input.Set(text))
		return
	}
	s.edited(s.input.Paste(text))
}

// fill replaces the number, for a tap on a recent number.
func (s *DialerScreen) fill(number string) {
	s.edited(s.input.Set(number))
}

// typedRune takes keys typed while nothing in the window has focus.
func (s *DialerScreen) typedRune(r rune) {
	if unicode.IsSpace(r) {
		return
	}
	s.press(r)
}

// typedKey takes the named keys typed while nothing in the window has focus.
func (s *DialerScreen) typedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyBackspace:
		s.backspaceKey()
	case fyne.KeyReturn, fyne.KeyEnter:
		s.callOrCancel()
	case fyne.KeyEscape:
		if s.cancelCall != nil {
			s.cancelCall()
		}
	}
}

// edited shows the number after a change, and err if the change was refused.
func (s *DialerScreen) edited(err error) {
	s.shown = dialer.FormatAsYouType(s.input.String(), s.cfg.Region)
	s.number.SetText(s.shown)
	s.number.CursorColumn = utf8.RuneCountInString(s.shown)
	s.number.Refresh()
	if err != nil {
		s.setMessage(inputMessage(err), true)
		return
	}
	s.setMessage(s.validHint(), false)
}

// validHint confirms a valid number by showing it in international format, unless the field already does.
func (s *DialerScreen) validHint() string {
	n, err := dialer.Validate(s.input.String(), s.cfg.Region)
	if err != nil || n.International == s.shown {
		return ""
	}
	return "Valid number · " + n.International
}

// entryChanged catches edits the number entry made by itself (cut, undo) and puts them through the input rules.
func (s *DialerScreen) entryChanged(text string) {
	if text != s.shown {
		s.edited(s.input.Set(text))
	}
}

// setMessage shows text under the number, in the error colour if it is an error.
func (s *DialerScreen) setMessage(text string, isError bool) {
	s.message.Importance = widget.MediumImportance
	if isError {
		s.message.Importance = widget.DangerImportance
	}
	s.message.SetText(text)
	s.message.Refresh()
}

// callOrCancel places a call to the number, or cancels the call being placed.
func (s *DialerScreen) callOrCancel() {
	if s.cancelCall != nil {
		s.cancelCall()
		return
	}
	if !dialer.HasLine(s.cfg.Line) {
		return
	}
	n, err := dialer.Validate(s.input.String(), s.cfg.Region)
	if err != nil {
		s.setMessage(numberMessage(err), true)
		return
	}
	s.remember(n)
	s.placeCall(n)
}

// remember puts n at the top of the recent numbers.
func (s *DialerScreen) remember(n dialer.Number) {
	if s.cfg.History == nil {
		return
	}
	if err := s.cfg.History.Add(n.E164); err != nil {
		fyne.LogError("could not save the recent numbers", err)
	}
	s.refreshRecent()
}

// placeCall asks the line to call n off the UI thread; Cancel (or Escape) cancels the attempt.
func (s *DialerScreen) placeCall(n dialer.Number) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancelCall = cancel
	s.setCalling(true)
	s.status.SetText("Calling " + n.Display(s.cfg.Region) + "…")
	line := s.cfg.Line
	s.calls.Go(func() {
		err := line.Call(ctx, n)
		cancel()
		fyne.Do(func() { s.callDone(n, err) })
	})
}

// callDone shows how the call attempt to n ended.
func (s *DialerScreen) callDone(n dialer.Number, err error) {
	s.cancelCall = nil
	if errors.Is(err, dialer.ErrNoLine) {
		s.cfg.Line = nil // the account lost its line: calling stays off
	}
	s.setCalling(false)
	if err != nil {
		s.status.SetText(callMessage(err))
		return
	}
	s.status.SetText("Call placed to " + n.Display(s.cfg.Region) + ".")
}

// setCalling switches the Call button between Call, Cancel and disabled.
func (s *DialerScreen) setCalling(calling bool) {
	s.call.SetText("Call")
	s.call.SetIcon(theme.NewThemedResource(phoneIcon))
	s.call.Importance = widget.HighImportance
	if calling {
		s.call.SetText("Cancel")
		s.call.SetIcon(theme.CancelIcon())
		s.call.Importance = widget.DangerImportance
	}
	if dialer.HasLine(s.cfg.Line) {
		s.call.Enable()
		s.status.SetText("")
	} else {
		s.call.Disable()
		s.status.SetText(noLineHint)
	}
	s.call.Refresh()
}

// inputMessage turns an input error into a sentence for the agent.
func inputMessage(err error) string {
	var charErr *dialer.CharError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &charErr):
		return fmt.Sprintf("“%c” can't be part of a phone number.", charErr.Char)
	case errors.Is(err, dialer.ErrFull):
		return fmt.Sprintf("A number can't be longer than %d digits.", dialer.MaxLen)
	case errors.Is(err, dialer.ErrPlusNotFirst):
		return "+ can only go at the start of a number."
	}
	return "That can't be entered here."
}

// numberMessage turns a validation error into a sentence for the agent.
func numberMessage(err error) string {
	switch {
	case errors.Is(err, dialer.ErrEmpty):
		return "Enter a number to call."
	case errors.Is(err, dialer.ErrTooShort):
		return "That number is too short. Include the area code."
	case errors.Is(err, dialer.ErrTooLong):
		return "That number is too long."
	case errors.Is(err, dialer.ErrCountryCode):
		return "Check the country code, or start the number with + and the country code."
	case errors.Is(err, dialer.ErrServiceCode):
		return "Codes with * or # can't be dialled from here."
	}
	return "That isn't a valid phone number. Check the digits."
}

// callMessage turns the outcome of a call attempt into a sentence for the agent.
func callMessage(err error) string {
	switch {
	case errors.Is(err, dialer.ErrNoLine):
		return noLineHint
	case errors.Is(err, context.Canceled):
		return "Call cancelled."
	case errors.Is(err, context.DeadlineExceeded):
		return "The phone line did not answer in time. Try again."
	}
	return "The call could not be placed. Try again, or tell your supervisor if it keeps happening."
}

// clipboardText reads the clipboard a paste shortcut carries, or the app's.
func clipboardText(sc fyne.Shortcut) string {
	if p, ok := sc.(*fyne.ShortcutPaste); ok && p.Clipboard != nil {
		return p.Clipboard.Content()
	}
	return fyne.CurrentApp().Clipboard().Content()
}

// numberEntry is the number field. It shows the number formatted; every edit goes through the screen's
// dialer.Input, so the field only ever holds what can be dialled. Edits happen at the end of the number, as on
// a phone; selecting the whole number and typing Backspace or pasting replaces it.
type numberEntry struct {
	widget.Entry
	screen *DialerScreen
}

func newNumberEntry(s *DialerScreen) *numberEntry {
	e := &numberEntry{screen: s}
	e.ExtendBaseWidget(e)
	e.PlaceHolder = "Enter a number"
	e.OnChanged = s.entryChanged
	return e
}

// TypedRune sends the rune to the number.
func (e *numberEntry) TypedRune(r rune) { e.screen.press(r) }

// TypedKey handles Backspace, Delete and Return or Enter; other keys move the cursor as usual.
func (e *numberEntry) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyBackspace, fyne.KeyDelete:
		if e.allSelected() {
			e.screen.fill("")
			return
		}
		if k.Name == fyne.KeyBackspace {
			e.screen.backspaceKey()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		e.screen.callOrCancel()
	default:
		e.Entry.TypedKey(k)
	}
}

// TypedShortcut sends pastes to the number; other shortcuts (copy, select all …) work as usual.
func (e *numberEntry) TypedShortcut(sc fyne.Shortcut) {
	if _, ok := sc.(*fyne.ShortcutPaste); ok {
		e.screen.paste(clipboardText(sc), e.allSelected())
		return
	}
	e.Entry.TypedShortcut(sc)
}

func (e *numberEntry) allSelected() bool {
	return e.Text != "" && e.SelectedText() == e.Text
}

// largeText is the app theme with larger text, for the number field.
type largeText struct{}

func (largeText) current() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

// Color implements fyne.Theme.
func (t largeText) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.current().Color(n, v)
}

// Font implements fyne.Theme.
func (t largeText) Font(s fyne.TextStyle) fyne.Resource { return t.current().Font(s) }

// Icon implements fyne.Theme.
func (t largeText) Icon(n fyne.ThemeIconName) fyne.Resource { return t.current().Icon(n) }

// Size implements fyne.Theme, with the sub-heading size for text.
func (t largeText) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameText {
		return t.current().Size(theme.SizeNameSubHeadingText)
	}
	return t.current().Size(n)
}

// padWidth is the width of the number field, keypad and Call button in a wide window.
const padWidth = 280

// centredColumn lays out one object centred, padWidth wide or as wide as there is room for.
type centredColumn struct{}

// Layout implements fyne.Layout.
func (centredColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w := min(size.Width, max(padWidth, objects[0].MinSize().Width))
	objects[0].Resize(fyne.NewSize(w, size.Height))
	objects[0].Move(fyne.NewPos((size.Width-w)/2, 0))
}

// MinSize implements fyne.Layout.
func (centredColumn) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

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
	v.text.TextStyle.Bold = true
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

// phoneIcon is Material Design's "call" icon (Apache License 2.0), as Fyne's own icons are.
var phoneIcon = &fyne.StaticResource{StaticName: "call.svg", StaticContent: []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><path fill="#000000" ` +
		`d="M20.01 15.38c-1.23 0-2.42-.2-3.53-.56-.35-.12-.74-.03-1.01.24l-1.57 1.97c-2.83-1.35-5.48-3.9-6.89-6.83l1.95-1.66` +
		`c.27-.28.35-.67.24-1.02-.37-1.11-.56-2.3-.56-3.53 0-.54-.45-.99-.99-.99H4.19C3.65 3 3 3.24 3 3.99 3 13.28 10.73 21 ` +
		`20.01 21c.71 0 .99-.63.99-1.18v-3.45c0-.54-.45-.99-.99-.99z"/></svg>`)}

// backspaceIcon is Material Design's "backspace" icon (Apache License 2.0).
var backspaceIcon = &fyne.StaticResource{StaticName: "backspace.svg", StaticContent: []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><path fill="#000000" ` +
		`d="M22 3H7c-.69 0-1.23.35-1.59.88L0 12l5.41 8.11c.36.53.9.89 1.59.89h15c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2zm0 16` +
		`H7.07L2.4 12l4.66-7H22v14zm-11.59-2L14 13.41 17.59 17 19 15.59 15.41 12 19 8.41 17.59 7 14 10.59 10.41 7 9 8.41 ` +
		`12.59 12 9 15.59z"/></svg>`)}
