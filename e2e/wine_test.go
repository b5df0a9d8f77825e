package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
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
	"dialtone/internal/session"
)

// The Windows side of the suite: dialtone.com and dialtone.exe, as
// .ci/windows/build cross-compiles them, run under wine in private prefixes
// (.ci/windows/wine), against the same providers on 127.0.0.1, which wine's
// processes share with Linux. The browser is a Windows program
// (cmd/dialtone-winbrowser) and the keyring is wine's Credential Manager, read back
// through Dialtone's keyring code by another (cmd/dialtone-winkeyring).

// wineTimeout bounds one Windows program; a sign-in takes a few seconds.
const wineTimeout = 90 * time.Second

// wineSetup is what the wine tests share: the folder of dialtone.exe and
// dialtone.com (DIALTONE_WINE_BIN, absolute or relative to the repository's
// root), the Windows helpers built once, and the wine script.
var wineSetup = sync.OnceValue(func() (s struct{ bin, helpers, script, fail string }) {
	s.bin = os.Getenv("DIALTONE_WINE_BIN")
	if !filepath.IsAbs(s.bin) {
		s.bin = filepath.Join("..", s.bin) // relative to the repository's root, where go test is run
	}
	var err error
	if s.bin, err = filepath.Abs(s.bin); err == nil {
		s.script, err = filepath.Abs(filepath.Join("..", ".ci", "windows", "wine"))
	}
	if err != nil {
		s.fail = err.Error()
		return s
	}
	s.helpers = filepath.Join(suite.dir, "winbin")
	for _, f := range []string{filepath.Join(s.bin, "dialtone.com"), filepath.Join(s.bin, "dialtone.exe"), s.script} {
		if _, err := os.Stat(f); err != nil {
			s.fail = fmt.Sprintf("the wine tests need %s: %v", f, err)
			return s
		}
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", s.helpers+string(filepath.Separator), "./cmd/dialtone-winbrowser", "./cmd/dialtone-winkeyring")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		s.fail = fmt.Sprintf("could not cross-compile the Windows helpers: %v\n%s", err, out)
		return s
	}
	fmt.Fprintf(os.Stderr, "e2e: built dialtone-winbrowser.exe and dialtone-winkeyring.exe in %s\n", time.Since(start).Round(100*time.Millisecond))
	return s
})

// requireWine skips t unless DIALTONE_WINE_BIN names the folder of the
// built dialtone.exe and dialtone.com (fails it under CI, where
// .ci/windows/test sets it), and fails it when the wine tests cannot run.
func requireWine(t *testing.T) {
	t.Helper()
	if os.Getenv("DIALTONE_WINE_BIN") == "" {
		const msg = "the wine tests need DIALTONE_WINE_BIN, the folder of dialtone.exe and dialtone.com: run .ci/windows/test, or DIALTONE_WINE_BIN=$(.ci/windows/build | tail -1) go test ./e2e -run Wine"
		if ci := os.Getenv("CI"); ci == "1" || ci == "true" {
			t.Fatal(msg + " (CI)")
		}
		t.Skip(msg)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("the wine tests need node for the oidc-provider: run .ci/setup (%v)", err)
	}
	if s := wineSetup(); s.fail != "" {
		t.Fatal(s.fail)
	}
}

// winePC is one agent's Windows PC: a private wine prefix, a copy of
// .ci/windows's initialised template, in the suite's directory.
type winePC struct {
	t      *testing.T
	name   string
	dir    string // the PC's folder: the prefix, provider lists
	prefix string
	env    map[string]string
	runs   int
}

// newWinePC makes a PC whose prefix is stopped, with every process of it,
// when t ends.
func newWinePC(t *testing.T) *winePC {
	t.Helper()
	name := fmt.Sprintf("%02d-%s", machines.Add(1), strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()))
	pc := &winePC{t: t, name: name, dir: filepath.Join(suite.dir, "wine", name)}
	pc.prefix = filepath.Join(pc.dir, "prefix")
	pc.env = map[string]string{
		"WINEPREFIX":               pc.prefix,
		"WINE_KEEP_RUNNING":        "1", // one wineserver for all the PC's programs; stop ends it
		"WINE_TIMEOUT":             fmt.Sprint(int(wineTimeout.Seconds())),
		"DIALTONE_BROWSER":         winPath(filepath.Join(wineSetup().helpers, "dialtone-winbrowser.exe")),
		"DIALTONE_E2E_BROWSER_LOG": winPath(filepath.Join(suite.logs, name+"-browser.log")),
		"LANG":                     "en_US.UTF-8",
		// No session bus: on the X server, wine's processes would start one
		// through dbus-launch, which outlives the prefix.
		"DBUS_SESSION_BUS_ADDRESS": "disabled:",
	}
	start := time.Now()
	if out, err := exec.Command(wineSetup().script, "--init", pc.prefix).CombinedOutput(); err != nil {
		t.Fatalf("could not make the wine prefix: %v\n%s", err, out)
	}
	t.Logf("made the wine prefix in %s", time.Since(start).Round(10*time.Millisecond))
	t.Cleanup(pc.stop)
	return pc
}

// winPath is a Linux path as a Windows program under wine names it: Z:\ is /.
func winPath(path string) string {
	return `Z:` + strings.ReplaceAll(path, "/", `\`)
}

// notForWine are the variables of the test's environment a PC does not
// inherit: Dialtone's (the PC has its own; its config folder is
// %AppData%\Dialtone inside the prefix), wine's, the session bus, and
// DISPLAY (the command line needs none).
var notForWine = []string{"DIALTONE_", "WINE", "DBUS_SESSION_BUS_ADDRESS=", "DISPLAY="}

// environ is the test's environment for the PC's programs.
func (pc *winePC) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !slices.ContainsFunc(notForWine, func(prefix string) bool { return strings.HasPrefix(kv, prefix) }) {
			env = append(env, kv)
		}
	}
	for k, v := range pc.env {
		env = append(env, k+"="+v)
	}
	return env
}

// browseAs makes the browser sign in as u.
func (pc *winePC) browseAs(u authtest.User) {
	pc.env["DIALTONE_E2E_USER"], pc.env["DIALTONE_E2E_PASSWORD"] = u.Email, u.Password
}

// run runs a Windows program (a Linux path to an .exe or .com, or a
// program of the prefix such as reg) in the PC's prefix, and keeps its
// output in the logs.
func (pc *winePC) run(program string, args ...string) result {
	pc.t.Helper()
	return pc.runLogged(true, program, args...)
}

// runLogged is run, keeping stdout in the logs only when logStdout is set
// (winkeyring prints a refresh token there).
func (pc *winePC) runLogged(logStdout bool, program string, args ...string) result {
	pc.t.Helper()
	ctx, cancel := context.WithTimeout(pc.t.Context(), wineTimeout+15*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, wineSetup().script, append([]string{program}, args...)...)
	cmd.Env = pc.environ()
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	pc.runs++
	log := filepath.Join(suite.logs, fmt.Sprintf("%s-%02d-%s", pc.name, pc.runs, filepath.Base(program)))
	logs := map[string][]byte{".stderr": stderr.Bytes()}
	if logStdout {
		logs[".stdout"] = stdout.Bytes()
	}
	for ext, b := range logs {
		if err := os.WriteFile(log+ext, b, 0o600); err != nil {
			pc.t.Errorf("could not keep the log: %v", err)
		}
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		pc.t.Fatalf("wine %s: %v", filepath.Base(program), err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// dialtone runs dialtone.com, the console twin, with args.
func (pc *winePC) dialtone(args ...string) result {
	pc.t.Helper()
	r := pc.run(filepath.Join(wineSetup().bin, "dialtone.com"), args...)
	pc.waitForBrowsers()
	return r
}

// storedToken returns the refresh token of u at p in the PC's Credential
// Manager, read by dialtone-winkeyring.exe, and remembers it for the token scans.
func (pc *winePC) storedToken(p *authtest.Provider, u authtest.User) string {
	pc.t.Helper()
	r := pc.runLogged(false, filepath.Join(wineSetup().helpers, "dialtone-winkeyring.exe"), p.Issuer, p.ClientID, u.Subject)
	if r.code != 0 || r.stdout == "" {
		pc.t.Fatalf("the Credential Manager holds no refresh token for %s at %s: exit %d, %s", u.Email, p.Issuer, r.code, r.stderr)
	}
	seen.add(r.stdout, fmt.Sprintf("%s at %s, under wine", u.Email, p.Issuer))
	return r.stdout
}

// noStoredToken checks that the Credential Manager holds no refresh token
// of u at p.
func (pc *winePC) noStoredToken(p *authtest.Provider, u authtest.User) {
	pc.t.Helper()
	r := pc.runLogged(false, filepath.Join(wineSetup().helpers, "dialtone-winkeyring.exe"), p.Issuer, p.ClientID, u.Subject)
	if r.code != 3 {
		pc.t.Errorf("winkeyring exited %d, want 3 (no refresh token for %s); stderr %q", r.code, u.Email, r.stderr)
	}
	if r.stdout != "" {
		seen.add(r.stdout, fmt.Sprintf("%s at %s, under wine", u.Email, p.Issuer))
	}
}

// credentialsAre checks, with wine's reg, the generic credentials of
// Dialtone's service in the Credential Manager, as wine keeps them in the
// prefix's registry (HKCU\Software\Wine\Credential Manager, the secret
// encrypted): exactly one item for each key, saved for this computer only
// (CRED_PERSIST_LOCAL_MACHINE: it does not roam).
func (pc *winePC) credentialsAre(keys ...string) {
	pc.t.Helper()
	const credMan = `HKEY_CURRENT_USER\Software\Wine\Credential Manager\Generic: `
	r := pc.run("reg", "query", `HKCU\Software\Wine\Credential Manager`, "/s")
	if r.code != 0 {
		pc.t.Fatalf("reg query: exit %d, %s", r.code, r.stderr)
	}
	persist := map[string]string{} // target → its Persist value
	target := ""
	for line := range strings.Lines(strings.ReplaceAll(r.stdout, "\r", "")) {
		line = strings.TrimSpace(line)
		if t, ok := strings.CutPrefix(line, credMan); ok {
			target = t
			persist[target] = ""
		} else if v, ok := strings.CutPrefix(line, "Persist    REG_DWORD    "); ok && target != "" {
			persist[target] = v
		}
	}
	want := map[string]string{}
	for _, k := range keys {
		want[keyring.DefaultService+":"+k] = "0x2" // CRED_PERSIST_LOCAL_MACHINE
	}
	maps.DeleteFunc(persist, func(t, _ string) bool { return !strings.HasPrefix(t, keyring.DefaultService+":") })
	if !maps.Equal(persist, want) {
		pc.t.Errorf("the Credential Manager holds Dialtone's items %v (target → Persist), want %v", persist, want)
	}
}

// waitForBrowsers waits until every winbrowser the PC started has exited:
// Dialtone does not wait for its browser.
func (pc *winePC) waitForBrowsers() {
	pc.t.Helper()
	path := filepath.Join(suite.logs, pc.name+"-browser.log")
	deadline := time.Now().Add(browserWait)
	for {
		log, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		started, exited := bytes.Count(log, []byte("testbrowser: start")), bytes.Count(log, []byte("testbrowser: exit "))
		if err == nil && started == exited {
			return
		}
		if time.Now().After(deadline) {
			pc.t.Fatalf("winbrowser did not exit within %s (%d started, %d exited, read error %v)", browserWait, started, exited, err)
		}
		select {
		case <-pc.t.Context().Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop ends every process of the prefix and waits for its wineserver,
// which writes the registry (and so the Credential Manager) to the
// prefix's files as it exits; then no process of the prefix may be left.
func (pc *winePC) stop() {
	out, err := exec.Command(wineSetup().script, "--stop", pc.prefix).CombinedOutput()
	if err != nil {
		pc.t.Errorf("could not stop the wine prefix: %v\n%s", err, out)
	}
	// The wine script and its timeout, which ran the programs, exit
	// right after them.
	deadline := time.Now().Add(10 * time.Second)
	for pids := processesOf(pc.prefix); len(pids) > 0; pids = processesOf(pc.prefix) {
		if time.Now().After(deadline) {
			pc.t.Errorf("processes of the wine prefix outlived it: %s", strings.Join(pids, ", "))
			return
		}
		time.Sleep(50 * time.Millisecond) // polling /proc, bounded by the deadline
	}
}

// processesOf lists the processes (pid and name) whose environment names prefix as their
// WINEPREFIX: every wine process of it, the wineserver included.
func processesOf(prefix string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc") // without /proc, nothing to list
	for _, e := range entries {
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(env, []byte("\x00WINEPREFIX="+prefix+"\x00")) {
			comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm")) // for the message only
			pids = append(pids, e.Name()+" "+strings.TrimSpace(string(comm)))
		}
	}
	return pids
}

// writeProviders writes a provider list in the directory's format into
// the PC's folder and returns its Windows path.
func (pc *winePC) writeProviders(providers ...map[string]any) string {
	pc.t.Helper()
	m := &machine{t: pc.t, dir: pc.dir}
	if err := os.MkdirAll(pc.dir, 0o700); err != nil {
		pc.t.Fatal(err)
	}
	return winPath(m.providersFile(providers...))
}

// TestWineCommandLine runs the command line's story as a Windows agent
// lives it, under wine, against each provider: the first login through a
// Windows browser command, a silent status with exactly one token request,
// an outage, and a logout that revokes; the refresh token is in the
// Credential Manager and in no file of the prefix.
func TestWineCommandLine(t *testing.T) {
	requireWine(t)
	for _, i := range idps {
		t.Run(i.name, func(t *testing.T) {
			t.Parallel() // a PC each: most of the time goes to starting wine's processes
			wineCommandLineScenarios(t, i)
		})
	}
}

func wineCommandLineScenarios(t *testing.T, i idpKind) {
	started := time.Now()
	p := i.start(t)
	ep := discover(t, p)
	pc := newWinePC(t)
	pc.browseAs(agent)
	list := pc.writeProviders(i.entry("acme-sso", p, nil))
	var tokens []string

	scenario(t, "first login through a Windows browser", func(t *testing.T) string {
		signedIn(t, pc.dialtone("login", "--email", agent.Email, "--providers", list, "--timeout", "1m"), agent, p, "acme-sso")
		tokens = append(tokens, pc.storedToken(p, agent))
		pc.credentialsAre(session.SecretKey(p.Issuer, p.ClientID, agent.Subject))
		return "dialtone.com login: dialtone-winbrowser.exe signed in at the provider's form; the session JSON on stdout, exit 0; the refresh token in the Credential Manager"
	})

	scenario(t, "status signs in silently with one request", func(t *testing.T) string {
		p.ResetRequests()
		signedIn(t, pc.dialtone("status", "--json"), agent, p, "acme-sso")
		if got, want := requests(p, ep.all()...), map[string]int{ep.token: 1}; !maps.Equal(got, want) {
			t.Errorf("the silent sign-in made the requests %v, want %v", got, want)
		}
		rotated := pc.storedToken(p, agent)
		if rotated == tokens[len(tokens)-1] {
			t.Errorf("the provider rotates refresh tokens, but the Credential Manager holds the old one")
		}
		tokens = append(tokens, rotated)
		return "dialtone.com status --json: exit 0, exactly one token request, the rotated refresh token stored"
	})

	scenario(t, "provider down, then back", func(t *testing.T) string {
		p.Down()
		failed(t, pc.dialtone("status"), exitUnreachable, "cannot reach your identity provider")
		p.Up()
		if got := pc.storedToken(p, agent); got != tokens[len(tokens)-1] {
			t.Errorf("the refresh token changed while the provider was down")
		}
		signedIn(t, pc.dialtone("status", "--json"), agent, p, "acme-sso")
		tokens = append(tokens, pc.storedToken(p, agent))
		return "down: exit 4, the session kept; up again: exit 0"
	})

	scenario(t, "logout revokes at the provider", func(t *testing.T) string {
		p.ResetRequests()
		r := pc.dialtone("logout")
		if r.code != exitOK || !strings.Contains(r.stderr, "the identity provider revoked the session") {
			t.Fatalf("logout: exit %d, stderr:\n%s\nwant 0 and a revoked message", r.code, r.stderr)
		}
		if n := p.Requests(ep.revocation); n != 1 {
			t.Errorf("the logout made %d revocation requests, want 1", n)
		}
		pc.noStoredToken(p, agent)
		pc.credentialsAre()
		refreshRefused(t, p, ep, tokens[len(tokens)-1])
		failed(t, pc.dialtone("status"), exitRefused, "Your session has ended")
		return "dialtone.com logout: exit 0, one revocation request; the provider refuses the token; the Credential Manager holds none; status: exit 3"
	})

	scenario(t, "no refresh token in any file of the prefix", func(t *testing.T) string {
		pc.stop() // the wineserver writes the registry out as it exits
		files, changed := pc.scan(tokens, started)
		return fmt.Sprintf("none of the %d refresh tokens in the %d files of the prefix, nothing JWT-shaped in the %d files it changed and the PC's logs", len(tokens), files, changed)
	})
}

// scan looks through every file of the prefix (the registry, %AppData%,
// %LocalAppData%) for the refresh tokens, and through those changed since
// started, and the PC's logs, for anything shaped like a JWT too. It fails
// t on a finding and returns how many files it read.
func (pc *winePC) scan(tokens []string, started time.Time) (files, changed int) {
	pc.t.Helper()
	check := func(path string, data []byte, jwts bool) {
		for _, tok := range tokens {
			if bytes.Contains(data, []byte(tok)) {
				pc.t.Errorf("%s holds a refresh token", path)
			}
		}
		if jwts && jwtShaped.Match(data) {
			pc.t.Errorf("%s holds something JWT-shaped", path)
		}
	}
	walkFiles(pc.prefix, "", time.Time{}, func(path string, data []byte) {
		files++
		check(path, data, false)
	})
	walkFiles(pc.prefix, "", started, func(path string, data []byte) {
		changed++
		check(path, data, true)
	})
	walkFiles(suite.logs, "", started, func(path string, data []byte) {
		if strings.HasPrefix(filepath.Base(path), pc.name+"-") {
			changed++
			check(path, data, true)
		}
	})
	if changed == 0 {
		pc.t.Errorf("no file of the prefix changed since the test started: the scan looked in the wrong place")
	}
	return files, changed
}

// registerLinks makes dialtone.exe the prefix's handler of tel: and
// callto: links with the command line the installer writes
// (.ci/windows/dialtone.wxs): "…\dialtone.exe" "%1". Wine keeps HKCR in
// HKLM\Software\Classes.
func (pc *winePC) registerLinks() {
	pc.t.Helper()
	command := `"` + winPath(filepath.Join(wineSetup().bin, "dialtone.exe")) + `" "%1"`
	for _, scheme := range []string{"tel", "callto"} {
		for _, args := range [][]string{
			{`HKCR\` + scheme, "/ve", "/d", "URL:" + scheme + " link"},
			{`HKCR\` + scheme, "/v", "URL Protocol", "/d", ""},
			{`HKCR\` + scheme + `\shell\open\command`, "/ve", "/d", command},
		} {
			if r := pc.run("reg", append(append([]string{"add"}, args...), "/f")...); r.code != 0 {
				pc.t.Fatalf("reg add %s: exit %d, %s", args[0], r.code, r.stderr)
			}
		}
	}
}

// startApp starts dialtone.exe, the desktop app, with --debug on the X
// server, and finds its window. Wine passes the GUI program's stderr on,
// so the screens it logs are followed as on Linux. The app ends with the
// prefix.
func (pc *winePC) startApp() *app {
	pc.t.Helper()
	cmd := exec.Command(wineSetup().script, filepath.Join(wineSetup().bin, "dialtone.exe"), "--debug")
	cmd.Env = append(pc.environ(), "DISPLAY="+os.Getenv("DISPLAY"))
	pc.runs++
	a := followApp(pc.t, cmd, filepath.Join(suite.logs, fmt.Sprintf("%s-%02d-app.stderr", pc.name, pc.runs)))
	pc.t.Cleanup(func() {
		pc.stop()
		select {
		case <-a.exited:
		case <-time.After(quitWait):
			pc.t.Errorf("dialtone.exe did not end within %s of the prefix's stop", quitWait)
		}
	})
	a.win = findWindow(pc.t, 0, a.exited)
	return a
}

// TestWineLinks runs dialtone.exe, the desktop app, under wine on the X
// server, signed in by dialtone.com before, and clicks links as Windows
// does (start, which is ShellExecute, through the handler the installer
// registers): the link's dialtone.exe hands the number to the running one
// and exits 0, and the running window fills its dialer.
func TestWineLinks(t *testing.T) {
	requireWine(t)
	requireDisplay(t)
	i := idps[0]
	p := i.start(t)
	pc := newWinePC(t)
	pc.browseAs(agent)
	signedIn(t, pc.dialtone("login", "--email", agent.Email, "--providers", pc.writeProviders(i.entry("acme-sso", p, nil))), agent, p, "acme-sso")
	pc.storedToken(p, agent)
	pc.env["DIALTONE_DIRECTORY"] = startDirectory(t, &machine{t: t, dir: pc.dir}, i, p)
	pc.registerLinks()
	a := pc.startApp()
	a.waitScreen("dialer/online")
	before := a.win.waitDrawn(settle{maxJitter: 100})

	scenario(t, "a tel: link fills the running window's dialer", func(t *testing.T) string {
		a.t, a.win.t = t, t
		start := time.Now()
		if r := pc.run("start", "/wait", "tel:+1-201-555-0123;ext=7"); r.code != 0 {
			t.Errorf("start /wait tel:…: exit %d, want 0 (the link's dialtone.exe handed over); stderr %q", r.code, r.stderr)
		}
		took := time.Since(start)
		a.waitScreen("handoff/dial/filled")
		shot := a.win.waitDrawn(typedText.after(before))
		savePNG(t, filepath.Join(suite.logs, pc.name+"-dialer-link.png"), shot)
		if os.Getenv("DIALTONE_UPDATE_SCREENSHOTS") == "1" {
			savePNG(t, filepath.Join("..", "docs", "screenshots", "windows-dialer-link.png"), shot)
		}
		return fmt.Sprintf("start /wait tel:… exited 0 after %s; the running dialtone.exe filled its dialer", took.Round(10*time.Millisecond))
	})

	scenario(t, "a second launch brings the window to the front", func(t *testing.T) string {
		a.t, a.win.t = t, t
		if r := pc.run(filepath.Join(wineSetup().bin, "dialtone.exe")); r.code != 0 {
			t.Errorf("a second dialtone.exe: exit %d, want 0; stderr %q", r.code, r.stderr)
		}
		a.waitScreen("handoff/none")
		logs, _ := filepath.Glob(filepath.Join(pc.prefix, "drive_c", "users", "*", "AppData", "Local", "Dialtone", "logs", "dialtone.log"))
		if len(logs) != 1 {
			t.Fatalf("the prefix has %d %%LocalAppData%%\\Dialtone\\logs\\dialtone.log files, want 1: %q", len(logs), logs)
		}
		// The line reached stderr (waitScreen); the log file is written by
		// another handler of the same logger, so give it a moment.
		var data []byte
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			data, err = os.ReadFile(logs[0])
			if (err == nil && bytes.Contains(data, []byte("msg=handoff link=none"))) || time.Now().After(deadline) {
				break
			}
		}
		if err != nil || !bytes.Contains(data, []byte("msg=handoff link=none")) {
			t.Errorf("%s does not hold the --debug log (read error %v)", logs[0], err)
		}
		return "the second dialtone.exe exited 0 and the first raised its window; --debug logged to %LocalAppData%\\Dialtone\\logs\\dialtone.log"
	})
}
