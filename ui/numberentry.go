package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

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
