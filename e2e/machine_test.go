package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/session"
)

// commandTimeout bounds one dialtone command; a sign-in through Chromium
// takes a few seconds.
const commandTimeout = 90 * time.Second

// machine is one agent's computer: its own config, home and cache folders
// in the suite's directory (kept until the token scan), and the environment
// Dialtone runs with there. Every machine shares the one keyring.
type machine struct {
	t         *testing.T
	name      string // for file names: the test's name
	dir       string
	configDir string
	env       map[string]string
	runs      atomic.Int32 // numbers the log files
}

var machines atomic.Int32

func newMachine(t *testing.T) *machine {
	t.Helper()
	name := fmt.Sprintf("%02d-%s", machines.Add(1), strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()))
	m := &machine{t: t, name: name, dir: filepath.Join(suite.dir, "machines", name)}
	m.configDir = filepath.Join(m.dir, "config", "dialtone")
	m.env = map[string]string{
		"DIALTONE_CONFIG_DIR":      m.configDir,
		"DIALTONE_BROWSER":         suite.browser,
		"DIALTONE_E2E_BROWSER_LOG": filepath.Join(suite.logs, name+"-browser.log"),
		"HOME":                     filepath.Join(m.dir, "home"),
		"XDG_CONFIG_HOME":          filepath.Join(m.dir, "config"),
		"XDG_CACHE_HOME":           filepath.Join(m.dir, "cache"),
		"XDG_DATA_HOME":            filepath.Join(m.dir, "data"),
		"LANG":                     "en_US.UTF-8",
	}
	for _, d := range []string{"home", "config", "cache", "data"} {
		if err := os.MkdirAll(filepath.Join(m.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(m.explainFailure)
	return m
}

// explainFailure shows what the testbrowser said when the test failed;
// Dialtone discards its browser's output.
func (m *machine) explainFailure() {
	if !m.t.Failed() {
		return
	}
	log, err := os.ReadFile(m.env["DIALTONE_E2E_BROWSER_LOG"])
	if err != nil {
		return
	}
	var said []string
	for line := range strings.Lines(string(log)) {
		if strings.HasPrefix(line, "testbrowser:") {
			said = append(said, "  "+strings.TrimSpace(line))
		}
	}
	m.t.Logf("the testbrowser said:\n%s\n(all logs are in %s)", strings.Join(said, "\n"), suite.logs)
}

// browseAs makes the browser sign in as u.
func (m *machine) browseAs(u authtest.User) {
	m.env["DIALTONE_E2E_USER"], m.env["DIALTONE_E2E_PASSWORD"] = u.Email, u.Password
}

// environ is the process environment with the machine's variables.
func (m *machine) environ() []string {
	env := os.Environ()
	for k, v := range m.env {
		env = append(env, k+"="+v)
	}
	return env
}

// logFile returns the path of a new log file for a process of this machine.
func (m *machine) logFile(what string) string {
	return filepath.Join(suite.logs, fmt.Sprintf("%s-%02d-%s", m.name, m.runs.Add(1), what))
}

// result is how a dialtone command ended.
type result struct {
	code           int
	stdout, stderr string
}

// dialtone runs the dialtone command line with args and keeps its output
// in the logs.
func (m *machine) dialtone(args ...string) result {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(m.t.Context(), commandTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, suite.dialtone, args...)
	cmd.Env = m.environ()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	what := "app" // a later launch of the app, which hands over
	if len(args) > 0 {
		what = strings.ReplaceAll(args[0], "/", "_")
	}
	log := m.logFile(what)
	m.writeLog(log+".stdout", stdout.Bytes())
	m.writeLog(log+".stderr", stderr.Bytes())
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		m.t.Fatalf("dialtone %s: %v", what, err)
	}
	m.waitForBrowsers()
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

func (m *machine) writeLog(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		m.t.Errorf("could not keep the log: %v", err)
	}
}

// cliSession is the JSON "dialtone login" and "dialtone status --json" print.
type cliSession struct {
	Email     string `json:"email"`
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	Provider  string `json:"provider"`
	ExpiresAt string `json:"expires_at"`
}

// signedIn checks that r is a successful sign-in of u at p with provider id
// and returns the session.
func signedIn(t *testing.T, r result, u authtest.User, p *authtest.Provider, id string) cliSession {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var s cliSession
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("stdout is not the session as JSON: %q", r.stdout)
	}
	if s.Email != u.Email || s.Subject != u.Subject || s.Issuer != p.Issuer || s.Provider != id {
		t.Fatalf("session %+v, want %s / %s / %s / %s", s, u.Email, u.Subject, p.Issuer, id)
	}
	if _, err := time.Parse(time.RFC3339, s.ExpiresAt); err != nil {
		t.Errorf("expires_at %q is not RFC 3339", s.ExpiresAt)
	}
	return s
}

// failed checks that r failed with code and a line containing want.
func failed(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and a line containing %q", r.code, r.stderr, code, want)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing on failure", r.stdout)
	}
}

// metadata reads the machine's session metadata.
func (m *machine) metadata() *session.Metadata {
	m.t.Helper()
	meta, err := (&session.Folder{Dir: m.configDir}).Load()
	if err != nil {
		m.t.Fatalf("could not read the session metadata: %v", err)
	}
	return meta
}

// providersFile writes a provider list in the directory's format.
func (m *machine) providersFile(providers ...map[string]any) string {
	m.t.Helper()
	data, err := json.Marshal(map[string]any{"account": "acme", "providers": providers})
	if err != nil {
		m.t.Fatal(err)
	}
	path := filepath.Join(m.dir, fmt.Sprintf("providers-%02d.json", m.runs.Add(1)))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		m.t.Fatal(err)
	}
	return path
}

// browserWait bounds how long a browser may take to close after Dialtone
// got its answer.
const browserWait = 20 * time.Second

// waitForBrowsers waits until every testbrowser this machine started has
// closed Chromium and exited: Dialtone does not wait for its browser, and
// the next step (or the token scan) must not race with one.
func (m *machine) waitForBrowsers() {
	m.t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		log, err := os.ReadFile(m.env["DIALTONE_E2E_BROWSER_LOG"])
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		started, exited := bytes.Count(log, []byte("testbrowser: start\n")), bytes.Count(log, []byte("testbrowser: exit "))
		if err == nil && started == exited {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("the testbrowser did not exit within %s (%d started, %d exited, read error %v)", browserWait, started, exited, err)
		}
		select {
		case <-m.t.Context().Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}
