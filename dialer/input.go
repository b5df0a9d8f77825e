package dialer

import (
	"errors"
	"fmt"
	"strings"
)

// MaxLen is the most dialable characters an Input holds. E.164 numbers have at most 15 digits; the rest leaves
// room for an international prefix and service codes.
const MaxLen = 32

// ErrFull is returned when a key press or paste would make the number longer than MaxLen.
var ErrFull = errors.New("dialer: the number is at its maximum length")

// ErrPlusNotFirst is returned when a "+" is entered anywhere but at the start of the number.
var ErrPlusNotFirst = errors.New("dialer: + can only start a number")

// CharError reports a character that cannot be part of a phone number, such as "@" or ",".
type CharError struct {
	Char rune // the rejected character
}

// Error implements error.
func (e *CharError) Error() string {
	return fmt.Sprintf("dialer: %q cannot be part of a phone number", e.Char)
}

// Input is the number an agent is dialling, as they type, tap or paste it. It holds only dialable characters: the
// digits 0–9, "*", "#" and a leading "+"; it never holds more than MaxLen of them. The zero value is an empty
// Input ready to use. An Input is not safe for concurrent use.
type Input struct {
	buf []byte
}

// String returns the dialable characters, for example "+61412345678".
func (in *Input) String() string { return string(in.buf) }

// Len returns the number of dialable characters.
func (in *Input) Len() int { return len(in.buf) }

// Clear empties the input.
func (in *Input) Clear() { in.buf = in.buf[:0] }

// Press enters one character, typed on the keyboard or tapped on the keypad. Digits, "*" and "#" are added;
// letters are added as their keypad digit (ABC is 2 … WXYZ is 9); "+" is added only to an empty input (a long
// press on 0 sends "+"); spaces, dashes, dots, slashes and brackets are accepted and ignored. Anything else is
// rejected with a *CharError. Press returns ErrFull or ErrPlusNotFirst when the character does not fit; the input
// is unchanged whenever Press returns an error.
func (in *Input) Press(r rune) error {
	c, err := dialable(r)
	if err != nil || c == 0 {
		return err
	}
	return in.add(c)
}

// Paste appends a whole string, for example "+1 (415) 555-2671" or "tel:+61-2-9876-5432", following the rules of
// Press for every character; a leading "tel:" is dropped and so is surrounding white space. The paste is all or
// nothing: if any character is rejected, or the result would be longer than MaxLen, Paste returns the error and
// leaves the input unchanged.
func (in *Input) Paste(s string) error {
	chars, err := normalise(s)
	if err != nil {
		return err
	}
	if len(in.buf)+len(chars) > MaxLen {
		return fmt.Errorf("%w: the pasted number has %d digits, more than %d fit", ErrFull, len(chars), MaxLen)
	}
	if i := strings.LastIndexByte(chars, '+'); i > 0 || (i == 0 && len(in.buf) > 0) {
		return ErrPlusNotFirst
	}
	in.buf = append(in.buf, chars...)
	return nil
}

// Set replaces the whole input with s, following the rules of Paste. On error the input is unchanged.
func (in *Input) Set(s string) error {
	var next Input
	if err := next.Paste(s); err != nil {
		return err
	}
	in.buf = append(in.buf[:0], next.buf...)
	return nil
}

// Backspace removes the last character and reports whether there was one.
func (in *Input) Backspace() bool {
	if len(in.buf) == 0 {
		return false
	}
	in.buf = in.buf[:len(in.buf)-1]
	return true
}

func (in *Input) add(c byte) error {
	if c == '+' && len(in.buf) > 0 {
		return ErrPlusNotFirst
	}
	if len(in.buf) >= MaxLen {
		return ErrFull
	}
	in.buf = append(in.buf, c)
	return nil
}

// normalise turns a pasted string into dialable characters, or explains which character does not belong.
func normalise(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
	}
	var b strings.Builder
	for _, r := range s {
		c, err := dialable(r)
		if err != nil {
			return "", err
		}
		if c != 0 {
			b.WriteByte(c)
		}
		if b.Len() > MaxLen {
			return "", fmt.Errorf("%w: the pasted number has more than %d digits", ErrFull, MaxLen)
		}
	}
	return b.String(), nil
}

// dialable maps one typed rune to the dialable character it stands for, 0 for a separator that is ignored, or a
// *CharError.
func dialable(r rune) (byte, error) {
	switch {
	case r >= '0' && r <= '9', r == '+', r == '*', r == '#':
		return byte(r), nil
	case r >= 'a' && r <= 'z':
		return keypadLetters[r-'a'], nil
	case r >= 'A' && r <= 'Z':
		return keypadLetters[r-'A'], nil
	case isSeparator(r):
		return 0, nil
	}
	if d, ok := otherDigit(r); ok {
		return d, nil
	}
	return 0, &CharError{Char: r}
}

// keypadLetters maps A–Z to the digit that carries the letter on a phone keypad (ITU E.161).
var keypadLetters = [26]byte{
	'2', '2', '2', '3', '3', '3', '4', '4', '4', '5', '5', '5', '6', '6', '6',
	'7', '7', '7', '7', '8', '8', '8', '9', '9', '9', '9',
}

// KeypadLetters returns the letters printed under digit d on a phone keypad ("ABC" for '2'), or "" for digits
// without letters.
func KeypadLetters(d rune) string {
	var b strings.Builder
	for i, c := range keypadLetters {
		if rune(c) == d {
			b.WriteByte(byte('A' + i))
		}
	}
	return b.String()
}

func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\u00a0', '\u202f', '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212',
		'.', '/', '(', ')', '[', ']':
		return true
	}
	return false
}

// otherDigits lists the zero of each non-ASCII digit run that phone numbers are commonly written in.
var otherDigits = []rune{
	'\u0660', // Arabic-Indic
	'\u06f0', // Extended Arabic-Indic (Persian, Urdu)
	'\u0966', // Devanagari
	'\uff10', // full width
}

func otherDigit(r rune) (byte, bool) {
	for _, zero := range otherDigits {
		if r >= zero && r <= zero+9 {
			return byte('0' + r - zero), true
		}
	}
	return 0, false
}
