package dialer

import (
	"context"
	"errors"
	"testing"
)

type fakeLine struct{}

func (fakeLine) Call(context.Context, Number) error { return nil }

func TestHasLine(t *testing.T) {
	tests := []struct {
		name string
		line Line
		want bool
	}{
		{name: "nil", line: nil, want: false},
		{name: "NoLine", line: NoLine{}, want: false},
		{name: "*NoLine", line: &NoLine{}, want: false},
		{name: "a real line", line: fakeLine{}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HasLine(tt.line); got != tt.want {
				t.Errorf("HasLine(%T) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

func TestNoLineCall(t *testing.T) {
	err := NoLine{}.Call(context.Background(), Number{E164: "+61412345678"})
	if !errors.Is(err, ErrNoLine) {
		t.Errorf("NoLine.Call error = %v, want ErrNoLine", err)
	}
	if got, want := ErrNoLine.Error(), "dialer: no phone line is set up for this account"; got != want {
		t.Errorf("ErrNoLine = %q, want %q", got, want)
	}
}
