package ui

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dialtone/dialer"
)

// fakeDialLine records the numbers it is asked to call and answers with err, or waits for the call to be
// cancelled when block is set.
type fakeDialLine struct {
	err   error
	block bool

	mu     sync.Mutex
	called []string
}

func (l *fakeDialLine) Call(ctx context.Context, n dialer.Number) error {
	l.mu.Lock()
	l.called = append(l.called, n.E164)
	l.mu.Unlock()
	if l.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return l.err
}

func (l *fakeDialLine) numbers() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.called)
}

// fakeDialHistory keeps numbers in memory.
type fakeDialHistory struct {
	numbers []string
	err     error
}

func (h *fakeDialHistory) Numbers() []string { return slices.Clone(h.numbers) }

func (h *fakeDialHistory) Add(n string) error {
	h.numbers = append([]string{n}, slices.DeleteFunc(h.numbers, func(m string) bool { return m == n })...)
	return h.err
}

// validMobile is the message under a valid Australian mobile number typed nationally.
const validMobile = "Valid number · +61 412 345 678"

// newTestDialer shows a dialer for an Australian agent in a test window of the current test app. Each test
// function starts one app with test.NewTempApp; its table cases share it, as starting an app is slow.
func newTestDialer(t *testing.T, line dialer.Line, history HistoryStore) (*DialerScreen, fyne.Window) {
	t.Helper()
	s := NewDialerScreen(DialerConfig{
		Agent:   Agent{Name: "Priya Natarajan", Email: "priya@example.com"},
		Region:  "AU",
		Line:    line,
		History: history,
	})
	w := test.NewWindow(s.Content())
	w.Resize(fyne.NewSize(400, 640))
	t.Cleanup(w.Close)
	return s, w
}

func TestDialerTyping(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name        string
		typed       string
		wantShown   string
		wantMessage string
		wantError   bool
	}{
		{name: "mobile", typed: "0412345678", wantShown: "0412 345 678", wantMessage: validMobile},
		{name: "partial", typed: "04123", wantShown: "0412 3"},
		{name: "with spaces and dashes", typed: "0412-345 678", wantShown: "0412 345 678", wantMessage: validMobile},
		{name: "international", typed: "+61412345678", wantShown: "+61 412 345 678"},
		{name: "letters", typed: "13ABCD", wantShown: "13 22 23", wantMessage: "Valid number · +61 132223"},
		{name: "rejected character", typed: "04@", wantShown: "04", wantMessage: "“@” can't be part of a phone number.", wantError: true},
		{name: "plus later", typed: "04+", wantShown: "04", wantMessage: "+ can only go at the start of a number.", wantError: true},
		{name: "rejection clears", typed: "04@1", wantShown: "041"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestDialer(t, &fakeDialLine{}, nil)
			test.Type(s.number, tt.typed)
			if got := s.number.Text; got != tt.wantShown {
				t.Errorf("after typing %q the number shows %q, want %q", tt.typed, got, tt.wantShown)
			}
			if got := s.message.Text; got != tt.wantMessage {
				t.Errorf("after typing %q the message is %q, want %q", tt.typed, got, tt.wantMessage)
			}
			if got := s.message.Importance == widget.DangerImportance; got != tt.wantError {
				t.Errorf("after typing %q the message is shown as an error: %v, want %v", tt.typed, got, tt.wantError)
			}
		})
	}
}

func TestDialerPaste(t *testing.T) {
	a := test.NewTempApp(t)
	tests := []struct {
		name        string
		typed       string
		selectAll   bool
		clipboard   string
		wantShown   string
		wantMessage string
	}{
		{name: "formatted number", clipboard: "+1 (415) 555-2671", wantShown: "+1 415-555-2671"},
		{name: "tel URI", clipboard: "tel:0412-345-678", wantShown: "0412 345 678", wantMessage: validMobile},
		{name: "appends", typed: "04", clipboard: "12 345 678", wantShown: "0412 345 678", wantMessage: validMobile},
		{name: "replaces a selection of everything", typed: "0298", selectAll: true, clipboard: "0412345678", wantShown: "0412 345 678", wantMessage: validMobile},
		{name: "rejected", typed: "04", clipboard: "call 0412 345 678, thanks", wantShown: "04", wantMessage: "“,” can't be part of a phone number."},
		{name: "too long", clipboard: "1234567890123456789012345678901234567890", wantMessage: "A number can't be longer than 32 digits."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestDialer(t, &fakeDialLine{}, nil)
			test.Type(s.number, tt.typed)
			if tt.selectAll {
				s.number.TypedShortcut(&fyne.ShortcutSelectAll{})
			}
			a.Clipboard().SetContent(tt.clipboard)
			s.number.TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.Clipboard()})
			if got := s.number.Text; got != tt.wantShown {
				t.Errorf("after pasting %q the number shows %q, want %q", tt.clipboard, got, tt.wantShown)
			}
			if got := s.message.Text; got != tt.wantMessage {
				t.Errorf("after pasting %q the message is %q, want %q", tt.clipboard, got, tt.wantMessage)
			}
		})
	}
}

func TestDialerKeypadAndBackspace(t *testing.T) {
	test.NewTempApp(t)
	s, _ := newTestDialer(t, &fakeDialLine{}, nil)
	for _, r := range "0412345" {
		test.Tap(s.keypad.keys[r])
	}
	if got, want := s.number.Text, "0412 345"; got != want {
		t.Errorf("after keypad taps the number shows %q, want %q", got, want)
	}
	test.Tap(s.backspace)
	test.Tap(s.backspace)
	if got, want := s.number.Text, "0412 3"; got != want {
		t.Errorf("after two backspaces the number shows %q, want %q", got, want)
	}
	s.number.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if got, want := s.number.Text, "0412"; got != want {
		t.Errorf("after the Backspace key the number shows %q, want %q", got, want)
	}
	s.number.TypedShortcut(&fyne.ShortcutSelectAll{})
	s.number.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
	if got := s.number.Text; got != "" {
		t.Errorf("after select all and Delete the number shows %q, want it empty", got)
	}
}

func TestDialerEntryEditsGoThroughInput(t *testing.T) {
	test.NewTempApp(t)
	s, _ := newTestDialer(t, &fakeDialLine{}, nil)
	s.number.SetText("04-12a") // as an undo or cut in the entry would
	if got, want := s.input.String(), "04122"; got != want {
		t.Errorf("input = %q, want %q", got, want)
	}
	if got, want := s.number.Text, "0412 2"; got != want {
		t.Errorf("the number shows %q, want %q", got, want)
	}
}

func TestDialerInvalidNumber(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name        string
		typed       string
		wantMessage string
	}{
		{name: "empty", typed: "", wantMessage: "Enter a number to call."},
		{name: "too short", typed: "1234", wantMessage: "That number is too short. Include the area code."},
		{name: "invalid", typed: "04123", wantMessage: "That isn't a valid phone number. Check the digits."},
		{name: "too long", typed: "0412345678901234567", wantMessage: "That number is too long."},
		{name: "country code", typed: "+999123456", wantMessage: "Check the country code, or start the number with + and the country code."},
		{name: "service code", typed: "*31#", wantMessage: "Codes with * or # can't be dialled from here."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := &fakeDialLine{}
			s, _ := newTestDialer(t, line, &fakeDialHistory{})
			test.Type(s.number, tt.typed)
			test.Tap(s.call)
			s.calls.Wait()
			if got := s.message.Text; got != tt.wantMessage {
				t.Errorf("message = %q, want %q", got, tt.wantMessage)
			}
			if got := line.numbers(); len(got) != 0 {
				t.Errorf("the line was asked to call %q, want no call", got)
			}
			test.Type(s.number, "1")
			if got := s.message.Text; got != "" {
				t.Errorf("after the next key the message is %q, want it cleared", got)
			}
		})
	}
}

func TestDialerCall(t *testing.T) {
	test.NewTempApp(t)
	line := &fakeDialLine{}
	history := &fakeDialHistory{numbers: []string{"+61298765432"}}
	s, _ := newTestDialer(t, line, history)
	test.Type(s.number, "0412 345 678")
	test.Tap(s.call)
	s.calls.Wait()
	if got, want := line.numbers(), []string{"+61412345678"}; !slices.Equal(got, want) {
		t.Errorf("the line was asked to call %q, want %q", got, want)
	}
	if got, want := s.status.Text, "Call placed to 0412 345 678."; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	if got, want := s.recentList, []string{"+61412345678", "+61298765432"}; !slices.Equal(got, want) {
		t.Errorf("recent numbers = %q, want %q", got, want)
	}
	if s.call.Text != "Call" || s.call.Disabled() {
		t.Errorf("after the call the button is %q (disabled %v), want an enabled Call", s.call.Text, s.call.Disabled())
	}
}

func TestDialerCallWithEnterKey(t *testing.T) {
	test.NewTempApp(t)
	line := &fakeDialLine{}
	s, _ := newTestDialer(t, line, nil)
	test.Type(s.number, "0298765432")
	s.number.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	s.calls.Wait()
	if got, want := line.numbers(), []string{"+61298765432"}; !slices.Equal(got, want) {
		t.Errorf("the line was asked to call %q, want %q", got, want)
	}
}

func TestDialerCallFails(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name         string
		err          error
		wantStatus   string
		wantDisabled bool
	}{
		{name: "line error", err: errors.New("sip: 503 service unavailable"), wantStatus: "The call could not be placed. Try again, or tell your supervisor if it keeps happening."},
		{name: "timeout", err: context.DeadlineExceeded, wantStatus: "The phone line did not answer in time. Try again."},
		{name: "no line after all", err: dialer.ErrNoLine, wantStatus: noLineHint, wantDisabled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestDialer(t, &fakeDialLine{err: tt.err}, nil)
			test.Type(s.number, "0412345678")
			test.Tap(s.call)
			s.calls.Wait()
			if got := s.status.Text; got != tt.wantStatus {
				t.Errorf("status = %q, want %q", got, tt.wantStatus)
			}
			if got := s.call.Disabled(); got != tt.wantDisabled {
				t.Errorf("Call disabled = %v, want %v", got, tt.wantDisabled)
			}
		})
	}
}

func TestDialerCancelCall(t *testing.T) {
	test.NewTempApp(t)
	line := &fakeDialLine{block: true}
	s, _ := newTestDialer(t, line, nil)
	test.Type(s.number, "0412345678")
	test.Tap(s.call)
	if got, want := s.call.Text, "Cancel"; got != want {
		t.Errorf("while calling the button says %q, want %q", got, want)
	}
	if got, want := s.status.Text, "Calling 0412 345 678…"; got != want {
		t.Errorf("while calling the status is %q, want %q", got, want)
	}
	test.Tap(s.call)
	s.calls.Wait()
	if got, want := s.status.Text, "Call cancelled."; got != want {
		t.Errorf("after cancelling the status is %q, want %q", got, want)
	}
	if got, want := s.call.Text, "Call"; got != want {
		t.Errorf("after cancelling the button says %q, want %q", got, want)
	}
}

func TestDialerNoLine(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name string
		line dialer.Line
	}{
		{name: "nil", line: nil},
		{name: "dialer.NoLine", line: dialer.NoLine{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestDialer(t, tt.line, nil)
			if !s.call.Disabled() {
				t.Error("the Call button is enabled, want it disabled")
			}
			if got := s.status.Text; got != noLineHint {
				t.Errorf("status = %q, want %q", got, noLineHint)
			}
			test.Type(s.number, "0412345678")
			s.number.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter does not get round the button
			s.calls.Wait()
			if got := s.status.Text; got != noLineHint {
				t.Errorf("after Enter the status is %q, want %q", got, noLineHint)
			}
		})
	}
}

func TestDialerRecentNumbers(t *testing.T) {
	test.NewTempApp(t)
	history := &fakeDialHistory{numbers: []string{"+61412345678", "+442079460018"}}
	s, _ := newTestDialer(t, &fakeDialLine{}, history)
	if s.recent.Hidden || !s.noRecent.Hidden {
		t.Fatalf("recent list hidden = %v, empty note hidden = %v; want the list shown", s.recent.Hidden, s.noRecent.Hidden)
	}
	tests := []struct {
		id        int
		wantShown string
	}{
		{id: 1, wantShown: "+44 20 7946 0018"},
		{id: 0, wantShown: "+61 412 345 678"},
	}
	for _, tt := range tests {
		s.recent.Select(tt.id)
		if got := s.number.Text; got != tt.wantShown {
			t.Errorf("after selecting recent number %d the number shows %q, want %q", tt.id, got, tt.wantShown)
		}
	}
	if got, want := s.displayNumber(history.numbers[0]), "0412 345 678"; got != want {
		t.Errorf("the list shows %q as %q, want %q", history.numbers[0], got, want)
	}
}

func TestDialerNoRecentNumbers(t *testing.T) {
	test.NewTempApp(t)
	for name, history := range map[string]HistoryStore{"nil": nil, "empty": &fakeDialHistory{}} {
		t.Run(name, func(t *testing.T) {
			s, _ := newTestDialer(t, &fakeDialLine{}, history)
			if !s.recent.Hidden || s.noRecent.Hidden {
				t.Errorf("recent list hidden = %v, empty note hidden = %v; want the note shown", s.recent.Hidden, s.noRecent.Hidden)
			}
		})
	}
}

func TestDialerPresence(t *testing.T) {
	test.NewTempApp(t)
	s, _ := newTestDialer(t, &fakeDialLine{}, nil)
	if got := s.presence.Text(); got != "Signed out" {
		t.Errorf("at first the presence says %q, want %q", got, "Signed out")
	}
	tracker := dialer.NewPresenceTracker(func() time.Time { return dialT0 })
	s.presence.now = func() time.Time { return dialT0 }
	cancel := tracker.Subscribe(func(p dialer.Presence) { fyne.Do(func() { s.SetPresence(p) }) })
	defer cancel()
	tests := []struct {
		set  func()
		want string
	}{
		{set: tracker.SetOnline, want: "Online"},
		{set: func() { tracker.SetReconnecting(20 * time.Second) }, want: "Reconnecting — next try in 20 s"},
		{set: tracker.SetSignedOut, want: "Signed out"},
	}
	for _, tt := range tests {
		tt.set()
		if got := s.presence.Text(); got != tt.want {
			t.Errorf("presence says %q, want %q", got, tt.want)
		}
	}
}

func TestDialerHeader(t *testing.T) {
	test.NewTempApp(t)
	s, _ := newTestDialer(t, &fakeDialLine{}, nil)
	if s.name.Text != "Priya Natarajan" || s.email.Text != "priya@example.com" {
		t.Errorf("header shows %q <%s>, want the agent's name and email", s.name.Text, s.email.Text)
	}
}

func TestInitials(t *testing.T) {
	tests := []struct {
		agent Agent
		want  string
	}{
		{agent: Agent{Name: "Priya Natarajan"}, want: "PN"},
		{agent: Agent{Name: "maría josé de la cruz"}, want: "MC"},
		{agent: Agent{Name: "Cher"}, want: "C"},
		{agent: Agent{Name: "  ", Email: "ops@example.com"}, want: "O"},
		{agent: Agent{}, want: ""},
	}
	for _, tt := range tests {
		if got := initials(tt.agent); got != tt.want {
			t.Errorf("initials(%+v) = %q, want %q", tt.agent, got, tt.want)
		}
	}
}

func TestInstallKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	line := &fakeDialLine{}
	s, w := newTestDialer(t, line, nil)
	remove := s.InstallKeyboard(w)
	c := w.Canvas()

	test.TypeOnCanvas(c, "0412 345 67")
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	if got, want := s.number.Text, "0412 345 6"; got != want {
		t.Errorf("after typing on the window the number shows %q, want %q", got, want)
	}
	a.Clipboard().SetContent("78")
	c.(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.Clipboard()})
	if got, want := s.number.Text, "0412 345 678"; got != want {
		t.Errorf("after pasting on the window the number shows %q, want %q", got, want)
	}
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	s.calls.Wait()
	if got, want := line.numbers(), []string{"+61412345678"}; !slices.Equal(got, want) {
		t.Errorf("Return on the window called %q, want %q", got, want)
	}

	remove()
	if c.OnTypedRune() != nil || c.OnTypedKey() != nil {
		t.Error("after remove the window still sends keys to the dialer")
	}
}

func TestDialerEscapeCancelsCall(t *testing.T) {
	test.NewTempApp(t)
	s, w := newTestDialer(t, &fakeDialLine{block: true}, nil)
	s.InstallKeyboard(w)
	test.Type(s.number, "0412345678")
	test.Tap(s.call)
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	s.calls.Wait()
	if got, want := s.status.Text, "Call cancelled."; got != want {
		t.Errorf("after Escape the status is %q, want %q", got, want)
	}
}

// TestScreenshots renders the dialer at 400×640 in the default light and dark themes to
// docs/screenshots/dialer-light.png and dialer-dark.png. It runs only with DIALTONE_UPDATE_SCREENSHOTS=1:
//
//	DIALTONE_UPDATE_SCREENSHOTS=1 go test ./ui/ -run TestScreenshots
//
// The light shot shows an agent online with a phone line; the dark one an agent reconnecting without a line.
func TestScreenshots(t *testing.T) {
	if os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") != "1" {
		t.Skip("set DIALTONE_UPDATE_SCREENSHOTS=1 to update docs/screenshots")
	}
	history := []string{"+61298765432", "+61412345678", "+442079460018", "+61731234567", "+6421123456"}
	tests := []struct {
		file     string
		variant  fyne.ThemeVariant
		line     dialer.Line
		presence dialer.Presence
	}{
		{file: "dialer-light.png", variant: theme.VariantLight, line: &fakeDialLine{}, presence: dialer.Presence{State: dialer.Online}},
		{file: "dialer-dark.png", variant: theme.VariantDark, line: dialer.NoLine{},
			presence: dialer.Presence{State: dialer.Reconnecting, NextRetry: dialT0.Add(20 * time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := test.NewTempApp(t)
			a.Settings().SetTheme(screenshotTheme{Theme: theme.DefaultTheme(), variant: tt.variant})
			s, w := newTestDialer(t, tt.line, &fakeDialHistory{numbers: history})
			s.presence.now = func() time.Time { return dialT0 }
			s.SetPresence(tt.presence)
			test.Type(s.number, "0412345678")
			writeScreenshot(t, filepath.Join("..", "docs", "screenshots", tt.file), w.Canvas().Capture())
		})
	}
}

// screenshotTheme shows a theme in one variant, whatever the settings say.
type screenshotTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t screenshotTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

func writeScreenshot(t *testing.T, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
