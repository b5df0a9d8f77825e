package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/keyring"
	"dialtone/internal/problem"
)

// The test binary doubles as the browser command: run with
// DIALTONE_TEST_FORM_BROWSER=1 it signs in at the URL it is given, like a
// person at the provider's login page, and exits.
func TestMain(m *testing.M) {
	if os.Getenv("DIALTONE_TEST_FORM_BROWSER") == "1" {
		os.Exit(formBrowserMain(os.Args[len(os.Args)-1]))
	}
	if args := os.Getenv("DIALTONE_TEST_MAIN_ARGS"); args != "" {
		// The test binary as the dialtone command, in a process of its own,
		// so that package initialisation happens under the test's
		// environment. With DIALTONE_TEST_GATE=1 it first waits for its
		// stdin to close, so that a test can start several at once.
		if os.Getenv("DIALTONE_TEST_GATE") == "1" {
			fmt.Println("ready")
			_, _ = io.Copy(io.Discard, os.Stdin)
		}
		os.Exit(runProcess(strings.Fields(args)))
	}
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		keyring.MockInit()
	}
	os.Exit(m.Run())
}

func formBrowserMain(url string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := &authtest.FormBrowser{Username: os.Getenv("DIALTONE_TEST_USER"), Password: os.Getenv("DIALTONE_TEST_PASSWORD"), Deny: os.Getenv("DIALTONE_TEST_DENY") == "1"}
	if err := b.Open(ctx, url); err != nil {
		fmt.Fprintln(os.Stderr, "form browser:", err)
		return 1
	}
	if err := b.Wait(ctx); err != nil && os.Getenv("DIALTONE_TEST_DENY") != "1" {
		fmt.Fprintln(os.Stderr, "form browser:", err)
		return 1
	}
	return 0
}

var (
	ada  = authtest.User{Subject: "agent-1", Email: "agent@acme.test", Password: "pw-agent-1", Name: "Ada Agent", EmailVerified: true}
	boss = authtest.User{Subject: "agent-2", Email: "boss@acme.test", Password: "pw-boss-2", Name: "Bo Boss", EmailVerified: true}
)

// machine is one agent's computer: a config dir, an environment, and the
// provider list file the command line reads.
type machine struct {
	t   *testing.T
	env map[string]string
}

func newMachine(t *testing.T) *machine {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &machine{t: t, env: map[string]string{"DIALTONE_CONFIG_DIR": t.TempDir(), "DIALTONE_BROWSER": self}}
}

// browseAs makes the browser command sign in as u.
func (m *machine) browseAs(u authtest.User) {
	m.t.Setenv("DIALTONE_TEST_FORM_BROWSER", "1")
	m.t.Setenv("DIALTONE_TEST_USER", u.Email)
	m.t.Setenv("DIALTONE_TEST_PASSWORD", u.Password)
}

// providersFile writes a provider list and returns its path.
func (m *machine) providersFile(providers ...map[string]any) string {
	data, err := json.Marshal(map[string]any{"account": "acme", "providers": providers})
	if err != nil {
		m.t.Fatal(err)
	}
	path := filepath.Join(m.t.TempDir(), "providers.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		m.t.Fatal(err)
	}
	return path
}

func providerOf(id string, p *authtest.Provider, extra map[string]any) map[string]any {
	m := map[string]any{"id": id, "type": "oidc", "issuer": p.Issuer, "client_id": p.ClientID}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

type result struct {
	code           int
	stdout, stderr string
}

func (m *machine) run(args ...string) result {
	var out, errb bytes.Buffer
	code := run(m.t.Context(), args, &out, &errb, func(k string) string { return m.env[k] })
	return result{code, out.String(), errb.String()}
}

func TestCLILoginStatusLogout(t *testing.T) {
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada, boss}})
	m := newMachine(t)
	m.browseAs(ada)
	file := m.providersFile(providerOf("acme-sso", idp, nil))

	r := m.run("login", "--email", "Agent@acme.test", "--providers", file, "--timeout", "1m")
	if r.code != problem.ExitOK {
		t.Fatalf("login exit %d, stderr:\n%s", r.code, r.stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("login stdout is not one JSON object: %q", r.stdout)
	}
	if got["email"] != ada.Email || got["subject"] != ada.Subject || got["issuer"] != idp.Issuer || got["provider"] != "acme-sso" {
		t.Errorf("login printed %v, want %s / %s / %s / acme-sso", got, ada.Email, ada.Subject, idp.Issuer)
	}
	if _, err := time.Parse(time.RFC3339, got["expires_at"]); err != nil {
		t.Errorf("expires_at %q is not RFC 3339", got["expires_at"])
	}

	idp.ResetRequests()
	if r := m.run("status", "--json"); r.code != problem.ExitOK || !strings.Contains(r.stdout, `"email":"agent@acme.test"`) {
		t.Errorf("status exit %d, stdout %q, stderr %q; want 0 and the session JSON", r.code, r.stdout, r.stderr)
	}
	if n := idp.Requests(idp.TokenEndpointPath()); n != 1 {
		t.Errorf("status made %d token requests, want 1", n)
	}
	if r := m.run("logout"); r.code != problem.ExitOK {
		t.Errorf("logout exit %d, stderr %q", r.code, r.stderr)
	}
	if r := m.run("status"); r.code != problem.ExitRefused {
		t.Errorf("status after logout exit %d, stderr %q; want %d (sign-in required)", r.code, r.stderr, problem.ExitRefused)
	}
}

func TestCLIStatusAfterRevocationAndOutage(t *testing.T) {
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.browseAs(ada)
	if r := m.run("login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, nil))); r.code != problem.ExitOK {
		t.Fatalf("login exit %d: %s", r.code, r.stderr)
	}
	idp.Down()
	if r := m.run("status"); r.code != problem.ExitUnreachable || !strings.Contains(r.stderr, "cannot reach") {
		t.Errorf("status with the provider down: exit %d, %q; want %d and an offline message", r.code, r.stderr, problem.ExitUnreachable)
	}
	idp.Up()
	idp.RevokeAll(t)
	if r := m.run("status"); r.code != problem.ExitRefused {
		t.Errorf("status after revocation: exit %d, %q; want %d", r.code, r.stderr, problem.ExitRefused)
	}
}

func TestCLILoginFailures(t *testing.T) {
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada, boss}})
	closed := "http://127.0.0.1:1" // nothing listens on port 1 on loopback
	tests := []struct {
		name     string
		browseAs authtest.User
		args     func(m *machine) []string
		wantCode int
		wantLine string
	}{
		{"email mismatch", boss, func(m *machine) []string {
			return []string{"login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, nil))}
		}, problem.ExitRefused, "You typed agent@acme.test, but the browser signed in boss@acme.test"},
		{"unreachable provider", ada, func(m *machine) []string {
			return []string{"login", "--email", ada.Email, "--providers", m.providersFile(map[string]any{"id": "x", "type": "oidc", "issuer": closed, "client_id": "c"})}
		}, problem.ExitUnreachable, "could not reach"},
		{"unreachable directory", ada, func(m *machine) []string {
			return []string{"login", "--email", ada.Email, "--directory", closed}
		}, problem.ExitUnreachable, "could not reach"},
		{"no provider for the email", ada, func(m *machine) []string {
			return []string{"login", "--email", ada.Email, "--providers", m.providersFile()}
		}, problem.ExitRefused, "No single sign-on is set up for agent@acme.test"},
		{"timeout", ada, func(m *machine) []string {
			return []string{"login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, nil)), "--browser-command", "true", "--timeout", "1s"}
		}, problem.ExitCancelled, "not completed in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(t)
			m.browseAs(tt.browseAs)
			r := m.run(tt.args(m)...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantLine) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d and a line containing %q", r.code, r.stderr, tt.wantCode, tt.wantLine)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing on failure", r.stdout)
			}
		})
	}
}

func TestCLIAccessDeniedAtNodeProvider(t *testing.T) {
	idp := authtest.StartNode(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.browseAs(ada)
	t.Setenv("DIALTONE_TEST_DENY", "1")
	r := m.run("login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, map[string]any{"auth_params": map[string]string{"prompt": "consent"}})))
	if r.code != problem.ExitRefused || !strings.Contains(r.stderr, "declined") {
		t.Errorf("exit %d, stderr %q; want %d and a declined message", r.code, r.stderr, problem.ExitRefused)
	}
}

func TestCLILoginAtNodeProvider(t *testing.T) {
	idp := authtest.StartNode(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.browseAs(ada)
	r := m.run("login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, map[string]any{"auth_params": map[string]string{"prompt": "consent"}})))
	if r.code != problem.ExitOK || !strings.Contains(r.stdout, `"subject":"agent-1"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := m.run("status", "--json"); r.code != problem.ExitOK {
		t.Errorf("status after login at oidc-provider: exit %d, %q", r.code, r.stderr)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	two := m.providersFile(providerOf("okta", idp, nil), providerOf("google", idp, nil))
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"providers":[{"id":"a","type":"ping","issuer":"https://a.test","client_id":"c"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	null := filepath.Join(t.TempDir(), "null.json")
	if err := os.WriteFile(null, []byte("null\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantLine string
	}{
		{"no email", []string{"login", "--providers", two}, "--email is required"},
		{"a JSON null list", []string{"login", "--email", ada.Email, "--providers", null}, "must be a JSON object"},
		{"no provider source", []string{"login", "--email", ada.Email}, "--providers FILE or --directory URL"},
		{"both sources", []string{"login", "--email", ada.Email, "--providers", two, "--directory", "http://127.0.0.1:1"}, "not both"},
		{"not an email", []string{"login", "--email", "agent", "--providers", two}, "not an email address"},
		{"several providers", []string{"login", "--email", ada.Email, "--providers", two}, "several providers to sign in with: okta, google. Choose one. Give it with --provider ID."},
		{"unknown provider", []string{"login", "--email", ada.Email, "--providers", two, "--provider", "azure"}, `does not offer the provider "azure"`},
		{"invalid file", []string{"login", "--email", ada.Email, "--providers", bad}, "providers[0].type"},
		{"missing file", []string{"login", "--email", ada.Email, "--providers", "/nonexistent/p.json"}, "cannot read the provider list"},
		{"unknown command", []string{"dial"}, "unknown command"},
		{"bad flag", []string{"login", "--frobnicate"}, "frobnicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := m.run(tt.args...)
			if r.code != problem.ExitUsage || !strings.Contains(r.stderr, tt.wantLine) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, problem.ExitUsage, tt.wantLine)
			}
		})
	}
}

func TestCLIEnforcedProviderIsChosen(t *testing.T) {
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	m := newMachine(t)
	m.browseAs(ada)
	file := m.providersFile(providerOf("google", idp, nil), providerOf("okta", idp, map[string]any{"enforced": true}))
	r := m.run("login", "--email", ada.Email, "--providers", file)
	if r.code != problem.ExitOK || !strings.Contains(r.stdout, `"provider":"okta"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want the enforced provider okta", r.code, r.stdout, r.stderr)
	}
	if r := m.run("login", "--email", ada.Email, "--providers", file, "--provider", "google"); r.code != problem.ExitUsage {
		t.Errorf("choosing a non-enforced provider: exit %d, want %d", r.code, problem.ExitUsage)
	}
}

// TestQuietUnderAnyLocale runs commands as processes of their own under
// locales Fyne cannot parse: stderr holds only Dialtone's own lines.
func TestQuietUnderAnyLocale(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"LANG=C", "LANG=C.UTF-8", "LC_ALL=C", "LC_ALL=C.UTF-8", "LANG=POSIX", "LANG=xx_YY.UTF-8", "LANG=de_DE@euro"} {
		for _, args := range []string{"status", "login --email nobody", "logout", "help"} {
			t.Run(env+" "+args, func(t *testing.T) {
				cmd := exec.CommandContext(t.Context(), self)
				cmd.Env = append(withoutLocale(os.Environ()), env, "DIALTONE_TEST_MAIN_ARGS="+args, "DIALTONE_CONFIG_DIR="+t.TempDir())
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				_ = cmd.Run() // the exit code is another test's business
				for line := range strings.Lines(stderr.String()) {
					if !strings.HasPrefix(line, "dialtone: ") && strings.TrimSpace(line) != "" {
						t.Errorf("stderr has a line that is not Dialtone's: %q (all of it: %q)", line, stderr.String())
					}
				}
			})
		}
	}
}

// withoutLocale is env without the locale variables.
func withoutLocale(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		return strings.HasPrefix(kv, "LANG=") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANGUAGE=")
	})
}

// command is the test binary run as dialtone args on the machine, in a
// process of its own.
func (m *machine) command(args ...string) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		m.t.Fatal(err)
	}
	cmd := exec.Command(self)
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "DIALTONE_TEST_FORM_BROWSER=") })
	cmd.Env = append(env, "DIALTONE_TEST_MAIN_ARGS="+strings.Join(args, " "))
	for k, v := range m.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// runProcess runs dialtone args as a process and kills it after limit.
func (m *machine) runProcess(limit time.Duration, args ...string) result {
	m.t.Helper()
	cmd := m.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	timer := time.AfterFunc(limit, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	_ = cmd.Wait()
	if !timer.Stop() {
		m.t.Fatalf("dialtone %s did not finish within %s", strings.Join(args, " "), limit)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// signalWriter closes ch the first time what is written contains on.
type signalWriter struct {
	mu   sync.Mutex
	w    *bytes.Buffer
	on   string
	ch   chan struct{}
	done bool
}

func (s *signalWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Write(p)
	if !s.done && strings.Contains(s.w.String(), s.on) {
		s.done = true
		close(s.ch)
	}
	return len(p), nil
}

// TestLaunchStormRefreshesOnce starts ten "dialtone status" processes at
// once (held at a gate until all ten exist) on one stored session, against a real provider that rotates
// refresh tokens: exactly one refresh grant reaches the provider, and all
// ten are signed in. Three rounds, each with a session of its own.
func TestLaunchStormRefreshesOnce(t *testing.T) {
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		if os.Getenv("CI") != "" {
			t.Fatal("the storm needs the real keyring shared by ten processes: run under .ci/with-keyring")
		}
		t.Skip("needs the real keyring (.ci/with-keyring)")
	}
	idp := authtest.StartZitadel(t, authtest.Options{Users: []authtest.User{ada}})
	for round := range 3 {
		m := newMachine(t)
		m.browseAs(ada)
		if r := m.run("login", "--email", ada.Email, "--providers", m.providersFile(providerOf("acme-sso", idp, nil))); r.code != problem.ExitOK {
			t.Fatalf("login: exit %d, %q", r.code, r.stderr)
		}
		idp.ResetRequests()
		for i, r := range m.storm(10, "status") {
			if r.code != problem.ExitOK {
				t.Errorf("round %d: status %d of the storm exited %d: %q", round, i, r.code, r.stderr)
			}
		}
		if got := idp.Requests(idp.TokenEndpointPath()); got != 1 {
			t.Errorf("round %d: refresh grants during a storm of 10 = %d, want exactly 1", round, got)
		}
	}
}

// storm starts n processes of dialtone args, holds each at a gate until all
// n have started (each says "ready" on stdout), opens the gates at once,
// and returns their results.
func (m *machine) storm(n int, args ...string) []result {
	m.t.Helper()
	cmds := make([]*exec.Cmd, n)
	gates := make([]io.WriteCloser, n)
	outs := make([]*bytes.Buffer, n)
	readies := make([]*bufio.Reader, n)
	for i := range cmds {
		cmds[i] = m.command(args...)
		cmds[i].Env = append(cmds[i].Env, "DIALTONE_TEST_GATE=1")
		outs[i] = &bytes.Buffer{}
		cmds[i].Stderr = outs[i]
		gate, err := cmds[i].StdinPipe()
		if err != nil {
			m.t.Fatal(err)
		}
		gates[i] = gate
		stdout, err := cmds[i].StdoutPipe()
		if err != nil {
			m.t.Fatal(err)
		}
		if err := cmds[i].Start(); err != nil {
			m.t.Fatal(err)
		}
		readies[i] = bufio.NewReader(stdout)
	}
	for i, r := range readies {
		if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
			m.t.Fatalf("storm process %d did not get ready: %q, %v", i, line, err)
		}
		go func() { _, _ = io.Copy(io.Discard, r) }()
	}
	for _, g := range gates {
		g.Close()
	}
	results := make([]result, n)
	for i, cmd := range cmds {
		timer := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
		_ = cmd.Wait()
		timer.Stop()
		results[i] = result{cmd.ProcessState.ExitCode(), "", outs[i].String()}
	}
	return results
}

// TestVersionIsFyneAppsVersion: the version Dialtone shows (About, help) is
// the one its packages carry (FyneApp.toml, which fyne package and the MSI
// read), so an agent and an admin name the same build.
func TestVersionIsFyneAppsVersion(t *testing.T) {
	data, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Version = %q", version); !strings.Contains(string(data), want) {
		t.Errorf("FyneApp.toml does not say %s; keep it and main.go's version the same", want)
	}
}
