package ui

import (
	"context"
	"sync"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
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

// noLineHint is shown under the disabled Call button when the account has no phone line; registeredHint when
// it has one, which takes calls while it is registered (the green dot) but cannot place them yet. The hint
// stays true in every state of the line: the dot says which one it is in.
const (
	noLineHint     = "No phone line is set up for your account"
	registeredHint = "Calls reach you while the dot is green; placing calls from Dialtone is not available yet"
)

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
	hasLine    bool               // the account has a phone line (registered or not): the hint says so
	calls      sync.WaitGroup     // call attempts in flight

	name, email *widget.Label
	presence    *PresenceDot
	advice      *widget.Label // under the dot: what happened to the line or the session, and what to do
	number      *numberEntry
	message     *widget.Label // under the number: why a key or number was rejected, or that it is valid
	backspace   *keyButton
	keypad      *Keypad
	call        *keyButton
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

// SetPresence shows the agent's presence, and under the dot its advice: why the line was refused and what to do,
// or what the last try met while it retries. From a goroutine, such as a dialer.PresenceTracker subscriber, call
// it through fyne.Do.
func (s *DialerScreen) SetPresence(p dialer.Presence) {
	s.presence.SetPresence(p)
	setShown(s.advice, p.Advice)
}

// setLine says whether the account has a phone line, for the hint under the Call button.
func (s *DialerScreen) setLine(has bool) {
	if s.hasLine == has {
		return
	}
	s.hasLine = has
	s.setCalling(s.cancelCall != nil)
}

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
	s.name = widget.NewLabel(s.cfg.Agent.Name)
	s.name.SizeName = theme.SizeNameSubHeadingText
	s.name.Truncation = fyne.TextTruncateEllipsis
	s.email = widget.NewLabel(s.cfg.Agent.Email)
	s.email.SizeName = theme.SizeNameCaptionText
	s.email.Truncation = fyne.TextTruncateEllipsis
	s.presence = NewPresenceDot(dialer.Presence{})
	s.advice = smallText("")
	s.advice.Hide()
	who := container.New(tightColumn{}, s.name, s.email, s.presence, s.advice)
	return container.NewBorder(nil, nil, newAvatar(s.cfg.Agent), nil, who)
}

func (s *DialerScreen) makeDialPad() fyne.CanvasObject {
	s.number = newNumberEntry(s)
	s.backspace = newButton("", theme.NewThemedResource(backspaceIcon), s.backspaceKey, nil)
	s.backspace.Importance = widget.LowImportance
	s.message = widget.NewLabel("")
	s.message.Alignment = fyne.TextAlignCenter
	s.message.Wrapping = fyne.TextWrapWord
	s.keypad = NewKeypad(s.press)
	s.call = newButton("Call", theme.NewThemedResource(phoneIcon), s.callOrCancel, func() {})
	s.status = widget.NewLabel("")
	s.status.Alignment = fyne.TextAlignCenter
	s.status.Wrapping = fyne.TextWrapWord
	field := container.NewBorder(nil, nil, nil, s.backspace, container.NewThemeOverride(s.number, largeText{}))
	column := func(o fyne.CanvasObject) fyne.CanvasObject { return container.New(centredColumn{}, o) }
	// The message line is always there, empty or not, so that the keypad does not jump when it changes.
	return container.NewVBox(column(field), s.message, column(s.keypad), column(s.call), s.status)
}

func (s *DialerScreen) makeRecent() fyne.CanvasObject {
	heading := widget.NewLabel("Recent")
	heading.SizeName = theme.SizeNameSubHeadingText
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
	s.noRecent = smallText("Numbers you call appear here.")
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
