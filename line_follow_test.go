package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"dialtone/auth/authtest"
	"dialtone/internal/directory"
	"dialtone/internal/line/linetest"
	"dialtone/internal/problem"
	"dialtone/internal/sipregistrar"
)

// testDirectory is a provider directory on loopback whose answer an admin
// changes: it names one provider and, when line is set, the account's line.
type testDirectory struct {
	*httptest.Server
	mu   sync.Mutex
	doc  map[string]any
	line map[string]any
}

func newTestDirectory(t *testing.T, p *authtest.Provider) *testDirectory {
	d := &testDirectory{doc: map[string]any{"account": "acme", "providers": []any{providerOf("acme-sso", p, map[string]any{"auth_params": map[string]string{"prompt": "consent"}})}}}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != directory.Path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d.answer())
	}))
	t.Cleanup(d.Close)
	return d
}

func (d *testDirectory) answer() map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	doc := map[string]any{"account": d.doc["account"], "providers": d.doc["providers"]}
	if d.line != nil {
		doc["line"] = d.line
	}
	return doc
}

// setLine is the admin's change: the account's line is now line (nil: none).
func (d *testDirectory) setLine(line map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.line = line
}

// TestCLILineFollowsTheDirectory: "dialtone line" follows the directory's
// fresh answer as the app does (agent.FollowLine): a line an admin moved is
// registered where it is now, and kept with the session; with the
// directory unreachable the stored line is registered; a line the admin
// removed is not registered at all.
func TestCLILineFollowsTheDirectory(t *testing.T) {
	op := authtest.StartNode(t, authtest.Options{Users: []authtest.User{ada}, LineResource: lineResource})
	cfg := sipregistrar.Config{Issuer: op.Issuer, Audience: lineResource}
	_, first := linetest.StartRegistrar(t, cfg, 0)
	_, moved := linetest.StartRegistrar(t, cfg, 0)
	lineAt := func(port int) map[string]any {
		return map[string]any{"registrar": fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), "resource": lineResource}
	}
	dir := newTestDirectory(t, op)
	dir.setLine(lineAt(first))
	m := newMachine(t)
	m.browseAs(ada)
	if r := m.run("login", "--email", ada.Email, "--directory", dir.URL); r.code != problem.ExitOK {
		t.Fatalf("login: exit %d, %q", r.code, r.stderr)
	}
	registeredAt := func(step string, r result, port int) {
		t.Helper()
		var got map[string]string
		if r.code != problem.ExitOK || json.Unmarshal([]byte(r.stdout), &got) != nil || !strings.Contains(got["registrar"], fmt.Sprintf(":%d;", port)) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want the line registered at port %d", step, r.code, r.stdout, r.stderr, port)
		}
	}
	registeredAt("the line signed in with", m.run("line", "--json", "--directory", dir.URL), first)

	dir.setLine(lineAt(moved))
	registeredAt("after the admin moved the line", m.run("line", "--json", "--directory", dir.URL), moved)

	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens there any more
	registeredAt("with the directory unreachable", m.run("line", "--json", "--directory", down.URL), moved)
	registeredAt("with no directory configured", m.run("line", "--json"), moved)

	dir.setLine(nil)
	if r := m.run("line", "--directory", dir.URL); r.code != problem.ExitUsage || !strings.Contains(r.stderr, "No phone line is set up") {
		t.Errorf("after the admin removed the line: exit %d, %q; want %d and why", r.code, r.stderr, problem.ExitUsage)
	}
	if r := m.run("line", "--directory", down.URL); r.code != problem.ExitUnreachable {
		t.Errorf("with no line kept and the directory unreachable: exit %d, %q; want %d", r.code, r.stderr, problem.ExitUnreachable)
	}
}
