package line_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
	"dialtone/internal/sipaddr"
)

const sippIssuer = "https://idp.acme.test"

// sippLine is a line with counting fake tokens ("token-1", …) whose
// issuer is sippIssuer.
func sippLine(t *testing.T, registrar string, opts line.Options) (*line.Line, *linetest.Tokens, linetest.States) {
	t.Helper()
	tokens, states := &linetest.Tokens{}, linetest.NewStates()
	opts.OnState = states.Record
	l, err := line.New(sipaddr.Config{Registrar: registrar, AOR: testAOR}, sippIssuer+"/", tokens, opts)
	if err != nil {
		t.Fatalf("line.New: %v", err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l, tokens, states
}

func TestRegistrarsThatRefuse(t *testing.T) {
	tests := []struct {
		scenario      string
		wantReason    line.Reason
		wantStatus    int
		wantTokens    []string // Authorization headers sipp received, in order ("" for none)
		wantRefreshes int
	}{
		{"wrong_authz_server.xml", line.ReasonWrongAuthzServer, 401, []string{""}, 0},
		{"digest_only.xml", line.ReasonNoBearerChallenge, 401, []string{""}, 0},
		{"malformed_challenge.xml", line.ReasonNoBearerChallenge, 401, []string{""}, 0},
		{"invalid_token.xml", line.ReasonTokenRefused, 401, []string{"", "Bearer token-1", "Bearer token-2"}, 1},
		{"forbidden.xml", line.ReasonForbidden, 403, []string{"", "Bearer token-1"}, 0},
		{"no_min_expires.xml", line.ReasonBadResponse, 423, []string{"", "Bearer token-1"}, 0},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.scenario, ".xml"), func(t *testing.T) {
			s := startSipp(t, tt.scenario, "u1", map[string]string{"issuer": sippIssuer})
			l, tokens, _ := sippLine(t, s.registrar("u1"), line.Options{Timeout: 2 * time.Second})

			st, err := l.Register(withTimeout(t))
			var re *line.RefusedError
			if !errors.As(err, &re) || !errors.Is(err, line.ErrRefused) {
				t.Fatalf("Register error = %v; want a *RefusedError", err)
			}
			if strings.Contains(err.Error(), "token-") {
				t.Errorf("error %q contains a token", err)
			}
			if re.Reason != tt.wantReason || re.Status != tt.wantStatus || st.Status != line.StatusRefused {
				t.Errorf("got reason %q, status %d, state %v; want %q, %d, refused", re.Reason, re.Status, st.Status, tt.wantReason, tt.wantStatus)
			}
			var got []string
			for _, req := range s.requests(t) {
				got = append(got, header(req, "Authorization"))
			}
			if strings.Join(got, "|") != strings.Join(tt.wantTokens, "|") {
				t.Errorf("Authorization headers sipp received = %q, want %q", got, tt.wantTokens)
			}
			if _, refresh := tokens.Calls(); refresh != tt.wantRefreshes {
				t.Errorf("token refreshes = %d, want %d", refresh, tt.wantRefreshes)
			}
		})
	}
}

func TestRegistrarsThatCannotBeReached(t *testing.T) {
	tests := []struct {
		name, scenario, transport string
		keys                      map[string]string
		wantTransportErr          bool // the dropped connection is noticed, not waited out
	}{
		{"no answer", "no_answer.xml", "u1", nil, false},
		{"oversized over UDP", "oversized.xml", "u1", map[string]string{"pad": strings.Repeat("x", 40000)}, false},
		{"oversized over TCP", "oversized.xml", "t1", map[string]string{"pad": strings.Repeat("x", 70000)}, true},
		{"malformed headers", "malformed_headers.xml", "u1", nil, false},
		{"connection dropped mid-transaction", "drop_connection.xml", "t1", nil, true},
	}
	const timeout = 1500 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := map[string]string{"issuer": sippIssuer}
			for k, v := range tt.keys {
				keys[k] = v
			}
			s := startSipp(t, tt.scenario, tt.transport, keys)
			l, _, _ := sippLine(t, s.registrar(tt.transport), line.Options{Timeout: timeout})

			start := time.Now()
			st, err := l.Register(withTimeout(t))
			elapsed := time.Since(start)
			if !errors.Is(err, line.ErrUnreachable) || st.Status != line.StatusUnregistered {
				t.Fatalf("Register = %v, %v; want unregistered and ErrUnreachable", st.Status, err)
			}
			if elapsed > timeout+500*time.Millisecond {
				t.Errorf("Register took %v, want at most the transaction timeout %v", elapsed, timeout)
			}
			if got := errors.Is(err, sip.ErrTransactionTransport); got != tt.wantTransportErr {
				t.Errorf("errors.Is(%v, ErrTransactionTransport) = %v, want %v", err, got, tt.wantTransportErr)
			}
		})
	}
}
