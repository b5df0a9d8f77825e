package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

// newTestKeypad returns a keypad, on the current test app, whose keys are recorded in *got, and a clock to move.
func newTestKeypad(t *testing.T) (k *Keypad, got *[]rune, clock *dialClock) {
	t.Helper()
	got = &[]rune{}
	k = NewKeypad(func(r rune) { *got = append(*got, r) })
	clock = &dialClock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	k.now = clock.Now
	w := test.NewWindow(k) // renders the keys
	t.Cleanup(w.Close)
	return k, got, clock
}

func TestKeypadTaps(t *testing.T) {
	test.NewTempApp(t)
	for _, key := range keypadDigits {
		t.Run(string(key), func(t *testing.T) {
			k, got, _ := newTestKeypad(t)
			test.Tap(k.keys[key])
			if len(*got) != 1 || (*got)[0] != key {
				t.Errorf("tapping %q sent %q, want %q", key, string(*got), string(key))
			}
		})
	}
}

func TestKeypadLetters(t *testing.T) {
	test.NewTempApp(t)
	tests := map[rune]string{'1': " ", '2': "ABC", '7': "PQRS", '9': "WXYZ", '0': "+", '*': " ", '#': " "}
	k, _, _ := newTestKeypad(t)
	for key, want := range tests {
		if got := k.keys[key].letters.Text; got != want {
			t.Errorf("letters under %q = %q, want %q", key, got, want)
		}
	}
}

func TestKeypadLongPress(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name string
		key  rune
		hold time.Duration
		want string
	}{
		{name: "tap 0", key: '0', hold: 0, want: "0"},
		{name: "short press 0", key: '0', hold: longPress - time.Millisecond, want: "0"},
		{name: "long press 0", key: '0', hold: longPress, want: "+"},
		{name: "very long press 0", key: '0', hold: 3 * time.Second, want: "+"},
		{name: "long press 5", key: '5', hold: 2 * time.Second, want: "5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, got, clock := newTestKeypad(t)
			key := k.keys[tt.key]
			key.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
			clock.Advance(tt.hold)
			key.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
			test.Tap(key)
			if string(*got) != tt.want {
				t.Errorf("holding %q for %v sent %q, want %q", tt.key, tt.hold, string(*got), tt.want)
			}
		})
	}
}

func TestKeypadLongPressIsForgotten(t *testing.T) {
	test.NewTempApp(t)
	k, got, clock := newTestKeypad(t)
	zero := k.keys['0']
	zero.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	clock.Advance(time.Second)
	zero.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	test.Tap(zero) // "+"
	test.Tap(zero) // a plain tap after it: "0"
	zero.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	clock.Advance(time.Second)
	zero.MouseOut() // dragged off the key: the press is dropped
	test.Tap(zero)
	if string(*got) != "+00" {
		t.Errorf("got %q, want %q", string(*got), "+00")
	}
}

func TestKeypadSecondaryTap(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		key  rune
		want string
	}{
		{key: '0', want: "+"},
		{key: '5', want: ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.key), func(t *testing.T) {
			k, got, clock := newTestKeypad(t)
			key := k.keys[tt.key]
			key.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonSecondary}) // does not start a long press
			clock.Advance(time.Second)
			key.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonSecondary})
			test.TapSecondary(key)
			if string(*got) != tt.want {
				t.Errorf("secondary tap on %q sent %q, want %q", tt.key, string(*got), tt.want)
			}
		})
	}
}

func TestKeypadWithoutOnKey(t *testing.T) {
	test.NewTempApp(t)
	k := NewKeypad(nil)
	test.Tap(k.keys['1']) // must not panic
}

type dialClock struct{ t time.Time }

func (c *dialClock) Now() time.Time          { return c.t }
func (c *dialClock) Advance(d time.Duration) { c.t = c.t.Add(d) }
