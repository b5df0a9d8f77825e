package dialer

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInputPress(t *testing.T) {
	tests := []struct {
		name    string
		start   string
		press   rune
		want    string
		wantErr error
	}{
		{name: "digit", start: "041", press: '2', want: "0412"},
		{name: "star", start: "", press: '*', want: "*"},
		{name: "hash", start: "*31", press: '#', want: "*31#"},
		{name: "plus first", start: "", press: '+', want: "+"},
		{name: "plus later", start: "04", press: '+', want: "04", wantErr: ErrPlusNotFirst},
		{name: "lower-case letter", start: "1800", press: 'f', want: "18003"},
		{name: "upper-case letter", start: "", press: 'W', want: "9"},
		{name: "space ignored", start: "04", press: ' ', want: "04"},
		{name: "dash ignored", start: "04", press: '-', want: "04"},
		{name: "bracket ignored", start: "", press: '(', want: ""},
		{name: "full-width digit", start: "", press: '７', want: "7"},
		{name: "full", start: strings.Repeat("1", MaxLen), press: '2', want: strings.Repeat("1", MaxLen), wantErr: ErrFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inputOf(t, tt.start)
			err := in.Press(tt.press)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Press(%q) error = %v, want %v", tt.press, err, tt.wantErr)
			}
			if got := in.String(); got != tt.want {
				t.Errorf("after Press(%q): got %q, want %q", tt.press, got, tt.want)
			}
		})
	}
}

func TestInputPressRejects(t *testing.T) {
	for _, r := range []rune{'@', ',', ';', 'é', '😀', '\n'} {
		t.Run(string(r), func(t *testing.T) {
			in := inputOf(t, "04")
			err := in.Press(r)
			var charErr *CharError
			if !errors.As(err, &charErr) || charErr.Char != r {
				t.Fatalf("Press(%q) error = %v, want *CharError for %q", r, err, r)
			}
			if got := in.String(); got != "04" {
				t.Errorf("after a rejected Press: got %q, want %q", got, "04")
			}
		})
	}
}

func TestInputPaste(t *testing.T) {
	tests := []struct {
		name    string
		start   string
		paste   string
		want    string
		wantErr error
	}{
		{name: "formatted US", paste: "+1 (415) 555-2671", want: "+14155552671"},
		{name: "dots", paste: "02.9876.5432", want: "0298765432"},
		{name: "tel URI", paste: "tel:+61-2-9876-5432", want: "+61298765432"},
		{name: "TEL URI upper case", paste: "TEL:+61298765432", want: "+61298765432"},
		{name: "surrounding space", paste: "  0412 345 678\n", want: "0412345678"},
		{name: "non-breaking spaces", paste: "0412\u00a0345\u00a0678", want: "0412345678"},
		{name: "vanity", paste: "1-800-FLOWERS", want: "18003569377"},
		{name: "appends", start: "+61", paste: "412 345 678", want: "+61412345678"},
		{name: "empty", start: "04", paste: "", want: "04"},
		{name: "plus after digits", start: "04", paste: "+61", want: "04", wantErr: ErrPlusNotFirst},
		{name: "plus in the middle", paste: "61+412", want: "", wantErr: ErrPlusNotFirst},
		{name: "too long", paste: strings.Repeat("9", MaxLen+1), want: "", wantErr: ErrFull},
		{name: "too long together", start: "0412", paste: strings.Repeat("9", MaxLen-3), want: "0412", wantErr: ErrFull},
		{name: "exactly full", paste: strings.Repeat("9", MaxLen), want: strings.Repeat("9", MaxLen)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := inputOf(t, tt.start)
			err := in.Paste(tt.paste)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Paste(%q) error = %v, want %v", tt.paste, err, tt.wantErr)
			}
			if got := in.String(); got != tt.want {
				t.Errorf("after Paste(%q): got %q, want %q", tt.paste, got, tt.want)
			}
		})
	}
}

func TestInputPasteRejectsWholeString(t *testing.T) {
	in := inputOf(t, "04")
	err := in.Paste("0412 345 678, ext 22")
	var charErr *CharError
	if !errors.As(err, &charErr) || charErr.Char != ',' {
		t.Fatalf("Paste error = %v, want *CharError for ','", err)
	}
	if got := in.String(); got != "04" {
		t.Errorf("after a rejected Paste: got %q, want %q", got, "04")
	}
}

func TestInputBackspaceAndSet(t *testing.T) {
	in := inputOf(t, "+61")
	if !in.Backspace() || in.String() != "+6" {
		t.Errorf("Backspace on %q: got %q, want %q", "+61", in.String(), "+6")
	}
	in.Backspace()
	in.Backspace()
	if in.Backspace() {
		t.Errorf("Backspace on an empty input reported a removal")
	}
	if err := in.Set("0412 345 678"); err != nil || in.String() != "0412345678" {
		t.Errorf("Set: got %q, %v, want %q", in.String(), err, "0412345678")
	}
	if err := in.Set("not a number!"); err == nil || in.String() != "0412345678" {
		t.Errorf("Set with a bad string: got %q, %v; want the input unchanged and an error", in.String(), err)
	}
	in.Clear()
	if in.Len() != 0 {
		t.Errorf("Clear: got length %d, want 0", in.Len())
	}
}

func TestKeypadLetters(t *testing.T) {
	tests := map[rune]string{'1': "", '2': "ABC", '7': "PQRS", '9': "WXYZ", '0': "", '*': ""}
	for d, want := range tests {
		if got := KeypadLetters(d); got != want {
			t.Errorf("KeypadLetters(%q) = %q, want %q", d, got, want)
		}
	}
}

// FuzzInput pastes arbitrary strings, then types them key by key: Input must never panic, must hold only
// dialable characters with "+" only first, and must never exceed MaxLen; a failed paste must change nothing.
// Formatting the result must keep its digits, and validating it must not panic.
func FuzzInput(f *testing.F) {
	for _, s := range []string{"+1 (415) 555-2671", "tel:+61-2-9876-5432", "1-800-FLOWERS", "*31#", "++", "０４１２"} {
		f.Add("04", s)
	}
	f.Fuzz(func(t *testing.T, start, s string) {
		var in Input
		_ = in.Paste(start) // any outcome is fine: this only sets up a starting point
		before := in.String()
		if err := in.Paste(s); err != nil && in.String() != before {
			t.Fatalf("Paste(%q) failed with %v but changed %q to %q", s, err, before, in.String())
		}
		checkInput(t, &in)
		for _, r := range s {
			_ = in.Press(r) // rejections are expected; the invariants must hold either way
			checkInput(t, &in)
		}
		if !utf8.ValidString(in.String()) {
			t.Fatalf("input is not valid UTF-8: %q", in.String())
		}
		shown := FormatAsYouType(in.String(), "AU")
		if !strings.ContainsAny(shown, "*#") && keepDialable(shown) != in.String() {
			t.Fatalf("FormatAsYouType(%q) = %q, which changes the digits", in.String(), shown)
		}
		_, _ = Validate(in.String(), "AU") // must not panic; any number may be invalid
	})
}

func checkInput(t *testing.T, in *Input) {
	t.Helper()
	got := in.String()
	if len(got) > MaxLen || in.Len() != len(got) {
		t.Fatalf("input %q has length %d (Len %d), want at most %d", got, len(got), in.Len(), MaxLen)
	}
	for i, c := range got {
		if !strings.ContainsRune("0123456789*#", c) && (c != '+' || i != 0) {
			t.Fatalf("input %q holds %q at %d", got, c, i)
		}
	}
}

func inputOf(t *testing.T, s string) *Input {
	t.Helper()
	var in Input
	if err := in.Paste(s); err != nil {
		t.Fatalf("setting up the input %q: %v", s, err)
	}
	return &in
}
