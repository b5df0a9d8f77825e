package line

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func TestDeltaSeconds(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		{"3600", 3600, true},
		{" 120 (busy)", 120, true},
		{"30;duration=60", 30, true},
		{"0", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"12abc", 0, false},
		{"86401", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		if got, ok := deltaSeconds(tt.in); got != tt.want || ok != tt.wantOK {
			t.Errorf("deltaSeconds(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestGrantedExpires(t *testing.T) {
	ours := sip.Uri{Scheme: "sip", User: "agent", Host: "127.0.0.1", Port: 5070}
	other := sip.Uri{Scheme: "sip", User: "agent", Host: "10.0.0.9", Port: 5060}
	tests := []struct {
		name     string
		contacts []*sip.ContactHeader
		expires  string
		want     time.Duration
	}{
		{"our contact's parameter", []*sip.ContactHeader{
			{Address: other, Params: sip.HeaderParams{{K: "expires", V: "900"}}},
			{Address: ours, Params: sip.HeaderParams{{K: "expires", V: "120"}}}}, "300", 120 * time.Second},
		{"Expires header", []*sip.ContactHeader{{Address: other, Params: sip.HeaderParams{{K: "expires", V: "900"}}}}, "300", 300 * time.Second},
		{"what we asked", nil, "", 600 * time.Second},
		{"garbage falls back", []*sip.ContactHeader{{Address: ours, Params: sip.HeaderParams{{K: "expires", V: "soon"}}}}, "never", 600 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sip.NewResponse(200, "OK")
			for _, c := range tt.contacts {
				res.AppendHeader(c)
			}
			if tt.expires != "" {
				res.AppendHeader(sip.NewHeader("Expires", tt.expires))
			}
			if got := grantedExpires(res, ours, 600); got != tt.want {
				t.Errorf("grantedExpires = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCleanPhrase(t *testing.T) {
	long := string(make([]rune, 100))
	tests := []struct{ in, want string }{
		{"Forbidden", "Forbidden"},
		{"Bad\x00\x1b[31m Thing", "Bad[31m Thing"},
		{long, ""},
	}
	for _, tt := range tests {
		if got := cleanPhrase(tt.in); got != tt.want {
			t.Errorf("cleanPhrase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
