package dialer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsSayDialerOnce: every error a dialer function returns starts with "dialer: " and says it once, whether
// it is a sentinel returned alone or a typed error around a cause. None of these texts is shown to an agent:
// the dialer screen and internal/problem have sentences of their own for them.
func TestErrorsSayDialerOnce(t *testing.T) {
	var full Input
	for range MaxLen {
		_ = full.Press('1')
	}
	corrupt := filepath.Join(t.TempDir(), "history.json")
	if err := os.WriteFile(corrupt, []byte(`{"version":1,"numbers":["12@"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  func() error
	}{
		{"NoLine.Call", func() error { return NoLine{}.Call(context.Background(), Number{}) }},
		{"Press on a full number", func() error { return full.Press('2') }},
		{"Press of a second +", func() error { var in Input; _ = in.Press('1'); return in.Press('+') }},
		{"Press of a letter that is no key", func() error { var in Input; return in.Press('@') }},
		{"Paste of too many digits", func() error { var in Input; return in.Paste(strings.Repeat("1", MaxLen+1)) }},
		{"Validate of nothing", func() error { _, err := Validate("", "AU"); return err }},
		{"Validate of a short number", func() error { _, err := Validate("12", "AU"); return err }},
		{"Validate of a service code", func() error { _, err := Validate("*21#", "AU"); return err }},
		{"Validate of an unknown country code", func() error { _, err := Validate("+999123", "AU"); return err }},
		{"OpenHistory of a corrupt file", func() error { _, err := OpenHistory(corrupt); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "dialer: ") || strings.Count(msg, "dialer: ") != 1 {
				t.Errorf("error %q does not start with \"dialer: \" exactly once", msg)
			}
		})
	}
}
