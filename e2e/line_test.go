package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"dialtone/auth/authtest"
	"dialtone/internal/line/linetest"
)

// lineAudience is the phone system's resource indicator (RFC 8707): the node
// provider issues JWT access tokens for it, and Kamailio takes only those.
const lineAudience = "https://pbx.acme.test"

// lineGrant is the longest registration the test's Kamailio grants, in
// seconds, so that Dialtone re-registers within the test (at 80%).
const lineGrant = 10

// kamailioAOR is the agent's address of record as Kamailio's location table
// keys it.
var kamailioAOR = strings.TrimPrefix(agentAOR, "sip:")

const agentAOR = "sip:agent@acme.test"

// lineRegistration is what "dialtone line --json" prints.
type lineRegistration struct {
	State     string `json:"state"`
	Registrar string `json:"registrar"`
	AOR       string `json:"aor"`
	ExpiresAt string `json:"expires_at"`
}

// TestLine signs in at a real provider through Chromium, with the refresh
// token in the real keyring, and registers the agent's phone line at a real
// Kamailio that checks the bearer token (RFC 8898) against the provider's
// keys: the registration, the re-registration before it expires, the
// unregistration, a line for someone else, and the registrar down.
func TestLine(t *testing.T) {
	requireSuite(t)
	p := authtest.StartNode(t, authtest.Options{Users: []authtest.User{agent, boss}, LineResource: lineAudience})
	ep := discover(t, p)
	k := linetest.StartKamailioWith(t, linetest.KamailioConfig{Issuer: p.Issuer, Audience: lineAudience, MaxExpires: lineGrant})
	registrar := fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", k.Port)
	m := newMachine(t)
	node := idps[1]
	list := m.lineFile(node.entry("acme-sso", p, nil), map[string]any{"registrar": registrar, "resource": lineAudience})

	scenario(t, "login keeps the line", func(t *testing.T) string {
		m.browseAs(agent)
		signedIn(t, m.dialtone("login", "--email", agent.Email, "--providers", list, "--timeout", "1m"), agent, p, "acme-sso")
		if got := m.metadata().Session; got == nil || got.Line == nil || got.Line.Registrar != registrar {
			t.Fatalf("the session record keeps the line %+v, want the registrar %s", got, registrar)
		}
		storedToken(t, p, agent) // for the token scan at the end
		return "the session record keeps the account's line for the next launch"
	})

	scenario(t, "line registers once and unregisters", func(t *testing.T) string {
		p.ResetRequests()
		r := m.dialtone("line", "--json")
		reg := registered(t, r, registrar)
		if at, _ := time.Parse(time.RFC3339, reg.ExpiresAt); time.Until(at) > lineGrant*time.Second {
			t.Errorf("expires_at %s is later than the %d s Kamailio grants", reg.ExpiresAt, lineGrant)
		}
		// Kamailio fetches the provider's discovery document and keys to
		// check the token; Dialtone itself makes one token request.
		if got, want := requests(p, ep.authorization, ep.token, ep.userinfo, ep.revocation), map[string]int{ep.token: 1}; !maps.Equal(got, want) {
			t.Errorf("the silent sign-in and the line made the requests %v, want %v: the line uses the refresh's token", got, want)
		}
		if b := k.Lookup(t, kamailioAOR); len(b) != 0 {
			t.Errorf("Kamailio's location table after the command = %+v, want empty (unregistered on exit)", b)
		}
		return "exit 0 with the registration as JSON; one token request in all; the contact removed on exit"
	})

	scenario(t, "stay re-registers before it expires, Ctrl-C unregisters", func(t *testing.T) string {
		s := m.startLine("--json", "--stay")
		registered(t, result{stdout: s.first(t)}, registrar)
		first := k.Lookup(t, kamailioAOR)
		if len(first) != 1 || first[0].Expires != lineGrant {
			t.Fatalf("location table = %+v, want one contact for %d s", first, lineGrant)
		}
		deadline := time.Now().Add(2 * lineGrant * time.Second)
		for {
			again := k.Lookup(t, kamailioAOR)
			if len(again) == 1 && again[0].CSeq > first[0].CSeq {
				if again[0].Contact != first[0].Contact {
					t.Errorf("the re-registration changed the contact from %q to %q", first[0].Contact, again[0].Contact)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no re-registration within %d s: location table %+v", 2*lineGrant, again)
			}
			time.Sleep(250 * time.Millisecond)
		}
		storedToken(t, p, agent)
		if code := s.interrupt(t); code != exitOK {
			t.Errorf("line --stay after Ctrl-C: exit %d, want 0", code)
		}
		if b := k.Lookup(t, kamailioAOR); len(b) != 0 {
			t.Errorf("location table after Ctrl-C = %+v, want empty", b)
		}
		return fmt.Sprintf("registered for %d s, re-registered before it expired with the same contact, unregistered on Ctrl-C", lineGrant)
	})

	scenario(t, "a line for someone else is refused", func(t *testing.T) string {
		other := m.lineFile(node.entry("acme-sso", p, nil), map[string]any{"registrar": registrar, "resource": lineAudience, "aor": "sip:boss@acme.test"})
		m.browseAs(agent)
		signedIn(t, m.dialtone("login", "--email", agent.Email, "--providers", other, "--timeout", "1m"), agent, p, "acme-sso")
		refused := m.dialtone("line")
		failed(t, refused, exitRefused, "refused")
		if b := k.Lookup(t, "boss@acme.test"); len(b) != 0 {
			t.Errorf("Kamailio registered %+v for boss with agent's token", b)
		}
		signedIn(t, m.dialtone("login", "--email", agent.Email, "--providers", list, "--timeout", "1m"), agent, p, "acme-sso")
		return "Kamailio answers 403 to agent's token for boss's line: exit 3, nothing registered: " + strings.TrimSpace(refused.stderr)
	})

	scenario(t, "registrar down, then back", func(t *testing.T) string {
		k.Stop(t)
		down := m.dialtone("line")
		failed(t, down, exitUnreachable, "phone system")
		k.Restart(t)
		registered(t, m.dialtone("line", "--json"), registrar)
		return "down: exit 4 (" + strings.TrimSpace(down.stderr) + "); back: exit 0"
	})
}

// registered checks that r is "dialtone line --json" saying the agent's line
// is registered at registrar.
func registered(t *testing.T, r result, registrar string) lineRegistration {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("line: exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var reg lineRegistration
	if err := json.Unmarshal([]byte(r.stdout), &reg); err != nil {
		t.Fatalf("line printed %q, not the registration as JSON", r.stdout)
	}
	if reg.State != "registered" || reg.AOR != agentAOR || reg.Registrar != registrar {
		t.Fatalf("line printed %+v, want registered %s at %s", reg, agentAOR, registrar)
	}
	if _, err := time.Parse(time.RFC3339, reg.ExpiresAt); err != nil {
		t.Errorf("expires_at %q is not RFC 3339", reg.ExpiresAt)
	}
	return reg
}

// lineFile writes a provider list with providers and a line.
func (m *machine) lineFile(provider map[string]any, line map[string]any) string {
	m.t.Helper()
	data, err := json.Marshal(map[string]any{"account": "acme", "providers": []any{provider}, "line": line})
	if err != nil {
		m.t.Fatal(err)
	}
	path := filepath.Join(m.dir, fmt.Sprintf("providers-%02d.json", m.runs.Add(1)))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		m.t.Fatal(err)
	}
	return path
}

// stayingLine is "dialtone line --stay" running.
type stayingLine struct {
	cmd    *exec.Cmd
	lines  chan string
	exited chan struct{}
}

// startLine starts "dialtone line args…" and keeps it running; the test's
// cleanup kills it.
func (m *machine) startLine(args ...string) *stayingLine {
	m.t.Helper()
	cmd := exec.Command(suite.dialtone, append([]string{"line"}, args...)...)
	cmd.Env = m.environ()
	stderr, err := os.Create(m.logFile("line.stderr"))
	if err != nil {
		m.t.Fatal(err)
	}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		m.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	s := &stayingLine{cmd: cmd, lines: make(chan string, 16), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		_ = cmd.Wait()
		stderr.Close()
		close(s.exited)
	}()
	m.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-s.exited
	})
	return s
}

// first waits for the first line the command prints.
func (s *stayingLine) first(t *testing.T) string {
	t.Helper()
	select {
	case l := <-s.lines:
		return l
	case <-s.exited:
		t.Fatalf("dialtone line exited %d before printing", s.cmd.ProcessState.ExitCode())
	case <-time.After(commandTimeout):
		t.Fatal("dialtone line printed nothing")
	}
	return ""
}

// interrupt sends SIGINT, as Ctrl-C does, and returns the exit code.
func (s *stayingLine) interrupt(t *testing.T) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("dialtone line did not exit within 10 s of Ctrl-C")
	}
	return s.cmd.ProcessState.ExitCode()
}
