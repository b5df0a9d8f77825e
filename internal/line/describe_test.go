package line

import (
	"context"
	"dialtone/internal/sipaddr"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&RefusedError{Reason: ReasonForbidden}, "does not allow your account"},
		{&RefusedError{Reason: ReasonTokenRefused}, "did not accept your sign-in"},
		{&RefusedError{Reason: ReasonWrongAuthzServer}, "did not send your sign-in"},
		{&RefusedError{Reason: ReasonSignInRequired}, "Sign in again"},
		{&RefusedError{Reason: ReasonRejected, Status: 404}, "refused your line"},
		{fmt.Errorf("wrapped: %w", &UnreachableError{Op: "register", Err: errNoAnswer}), "keeps trying"},
		{&sipaddr.ConfigError{Field: "line.registrar"}, "(line.registrar)"},
		{fmt.Errorf("line: stopped: %w", context.Canceled), "stopped"},
	}
	for _, tt := range tests {
		if got := Describe(tt.err); !strings.Contains(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("Describe(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
	}
}

func TestRefusedErrorTellsTheAdmin(t *testing.T) {
	tests := []struct {
		err  *RefusedError
		want []string
	}{
		{&RefusedError{Reason: ReasonWrongAuthzServer, Registrar: "sips:pbx.acme.test", Status: 401, AuthzServer: "https://evil.test", Issuer: "https://idp.acme.test"},
			[]string{"line: sips:pbx.acme.test refused", `"https://evil.test"`, `"https://idp.acme.test"`, "the token was not sent"}},
		{&RefusedError{Reason: ReasonNoBearerChallenge, Registrar: "sips:pbx.acme.test", Status: 401, Phrase: "Unauthorized", Issuer: "https://idp.acme.test"},
			[]string{"401 Unauthorized", "Bearer", `authz_server="https://idp.acme.test"`}},
		{&RefusedError{Reason: ReasonTokenRefused, Status: 401, Phrase: "Unauthorized"}, []string{"refreshed one too", "audience"}},
	}
	for _, tt := range tests {
		got := tt.err.Error()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Error() = %q, want it to contain %q", got, w)
			}
		}
	}
}

func TestStatusMarshalsAsItsName(t *testing.T) {
	got, err := json.Marshal(map[string]Status{"state": StatusRegistered})
	if want := `{"state":"registered"}`; err != nil || string(got) != want {
		t.Errorf("json.Marshal = %s, %v; want %s", got, err, want)
	}
	if got := Status(42).String(); got != "unknown" {
		t.Errorf("Status(42).String() = %q, want unknown", got)
	}
	st := State{Status: StatusRefused, Err: fmt.Errorf("x: %w", &RefusedError{Reason: ReasonForbidden})}
	if got := st.Reason(); got != ReasonForbidden {
		t.Errorf("State.Reason() = %q, want %q", got, ReasonForbidden)
	}
}
