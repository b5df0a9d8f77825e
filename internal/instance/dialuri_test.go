package instance

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDialURI(t *testing.T) {
	tests := []struct {
		name, in    string
		number, ext string
	}{
		{"global number with ext", "tel:+1-201-555-0123;ext=7", "+1-201-555-0123", "7"},
		{"RFC 3966 example", "tel:+1-201-555-0123", "+1-201-555-0123", ""},
		{"local number with phone-context", "tel:863-1234;phone-context=+1-914-555", "863-1234", ""},
		{"local number with a domain context", "tel:7042;phone-context=example.com", "7042", ""},
		{"local number without context", "tel:555-0123", "555-0123", ""},
		{"percent-encoded spaces", "tel:+1%20201%20555%200123", "+1 201 555 0123", ""},
		{"brackets and dots", "tel:(201)%20555.0123", "(201) 555.0123", ""},
		{"service code", "tel:*72", "*72", ""},
		{"isub and unknown parameters ignored", "tel:+12015550123;isub=1411;foo=bar", "+12015550123", ""},
		{"upper-case scheme and parameter", "TEL:+12015550123;EXT=22", "+12015550123", "22"},
		{"tel with slashes", "tel://+12015550123", "+12015550123", ""},
		{"callto with slashes", "callto://+12015550123", "+12015550123", ""},
		{"callto without slashes", "callto:+12015550123", "+12015550123", ""},
		{"callto with trailing slash", "callto://+12015550123/", "+12015550123", ""},
		{"callto with Skype's query", "callto:+12015550123?call", "+12015550123", ""},
		{"surrounding white space", "  tel:+12015550123 \n", "+12015550123", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDialURI(tt.in)
			if err != nil {
				t.Fatalf("ParseDialURI(%q): %v", tt.in, err)
			}
			if got.Number != tt.number || got.Extension != tt.ext {
				t.Errorf("ParseDialURI(%q) = %+v, want number %q ext %q", tt.in, got, tt.number, tt.ext)
			}
		})
	}
}

func TestParseDialURIRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"a Skype name", "callto:alice", ErrInvalidDialURI},
		{"a Skype name with slashes", "callto://alice.smith/", ErrInvalidDialURI},
		{"letters in the number", "tel:+1-555-CALL-NOW", ErrInvalidDialURI},
		{"no digits", "tel:;ext=1", ErrInvalidDialURI},
		{"empty", "tel:", ErrInvalidDialURI},
		{"plus not first", "tel:1+2015550123", ErrInvalidDialURI},
		{"plus in the extension", "tel:+12015550123;ext=+1", ErrInvalidDialURI},
		{"letters in the extension", "tel:+12015550123;ext=abc", ErrInvalidDialURI},
		{"bad percent-encoding", "tel:+1%2", ErrInvalidDialURI},
		{"encoded letters", "tel:%41%42", ErrInvalidDialURI},
		{"too many digits", "tel:+" + strings.Repeat("1", 40), ErrInvalidDialURI},
		{"too long", "tel:+1" + strings.Repeat("-", 600), ErrInvalidDialURI},
		{"a control character", "tel:+1\x00555", ErrInvalidDialURI},
		{"a web link", "https://example.com/tel:+1", ErrNotDialURI},
		{"a flag", "--demo", ErrNotDialURI},
		{"sip is not handled", "sip:alice@example.com", ErrNotDialURI},
		{"no scheme", "+12015550123", ErrNotDialURI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDialURI(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseDialURI(%q) = %+v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseDialURI(f *testing.F) {
	for _, s := range []string{"tel:+1-201-555-0123;ext=7", "callto://+12015550123/", "tel:%20", "callto:alice"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDialURI(s)
		if err != nil {
			return
		}
		for _, part := range []string{d.Number, d.Extension} {
			if strings.IndexFunc(part, func(r rune) bool { return !strings.ContainsRune("0123456789*#+-.() ", r) }) >= 0 {
				t.Fatalf("ParseDialURI(%q) = %+v: a character the dialer does not take", s, d)
			}
		}
	})
}
