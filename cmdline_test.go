package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dialtone/auth/authtest"
	"dialtone/internal/line/linetest"
	"dialtone/internal/problem"
	"dialtone/internal/sipregistrar"
)

const lineResource = "https://pbx.acme.test"

// lineFile writes a provider list with one provider and line, and returns
// its path.
func (m *machine) lineFile(p *authtest.Provider, line map[string]any) string {
	doc := map[string]any{"account": "acme", "providers": []any{providerOf("acme-sso", p, map[string]any{"auth_params": map[string]string{"prompt": "consent"}})}}
	if line != nil {
		doc["line"] = line
	}
	data, err := json.Marshal(doc)
	if err != nil {
		m.t.Fatal(err)
	}
	path := filepath.Join(m.t.TempDir(), "providers.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		m.t.Fatal(err)
	}
	return path
}

// TestCLILineRegistersWithTheSignInsToken signs in at the node provider,
// whose refresh gives a JWT access token for the line's resource, and runs
// "dialtone line" against a bearer-token registrar on loopback: it
// registers with that token, prints the registration, and unregisters.
func TestCLILineRegistersWithTheSignInsToken(t *testing.T) {
	op := authtest.StartNode(t, authtest.Options{Users: []authtest.User{ada}, LineResource: lineResource})
	reg, port := linetest.StartRegistrar(t, sipregistrar.Config{Issuer: op.Issuer, Audience: lineResource}, 0)
	m := newMachine(t)
	m.browseAs(ada)
	line := map[string]any{"registrar": fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), "resource": lineResource}
	if r := m.run("login", "--email", ada.Email, "--providers", m.lineFile(op, line)); r.code != problem.ExitOK {
		t.Fatalf("login: exit %d, %q", r.code, r.stderr)
	}
	op.ResetRequests()
	r := m.run("line", "--json")
	if r.code != problem.ExitOK {
		t.Fatalf("line: exit %d, stderr %q", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got["state"] != "registered" || got["aor"] != "sip:"+ada.Email || !strings.Contains(got["registrar"], fmt.Sprint(port)) || got["expires_at"] == "" {
		t.Errorf("line printed %q (%v), want the registration", r.stdout, err)
	}
	if n := op.Requests(op.TokenEndpointPath()); n != 1 {
		t.Errorf("token requests for the silent sign-in and the line = %d, want 1: the line uses the refresh's token", n)
	}
	if b := reg.Bindings("sip:" + ada.Email); len(b) != 0 {
		t.Errorf("bindings after the command ended = %d, want none (unregistered)", len(b))
	}
}

// TestCLILineWithoutALine: an account without a line exits 2 and says so.
func TestCLILineWithoutALine(t *testing.T) {
	op := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.browseAs(ada)
	if r := m.run("login", "--email", ada.Email, "--providers", m.lineFile(op, nil)); r.code != problem.ExitOK {
		t.Fatalf("login: exit %d, %q", r.code, r.stderr)
	}
	if r := m.run("line"); r.code != problem.ExitUsage || !strings.Contains(r.stderr, "No phone line is set up") {
		t.Errorf("line without a line: exit %d, %q; want %d and why", r.code, r.stderr, problem.ExitUsage)
	}
}
