package linetest

import (
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Kamailio is a real Kamailio registrar on 127.0.0.1, configured by
// kamailio/kamailio.cfg and kamailio/bearer.py (embedded) to accept only
// bearer tokens from one issuer for one audience (RFC 8898): it challenges
// with "Bearer realm=…, authz_server=<issuer>", checks the JWT's
// signature against the issuer's JWKS, iss, aud and exp, and registers the
// address of record equal to the token's email.
type Kamailio struct {
	Port   int    // UDP and TCP
	Log    string // Kamailio's log file
	ctl    string // binrpc socket for kamcmd
	kamcmd string
}

// StartKamailio starts Kamailio trusting issuer for audience; the test's
// cleanup stops it. Without Kamailio the test is skipped, or fails under
// CI (.ci/setup installs kamailio, kamailio-python3-modules, python3-jwt).
func StartKamailio(t testing.TB, issuer, audience string) *Kamailio {
	t.Helper()
	bin := RequireTool(t, "kamailio", "kamailio")
	k := &Kamailio{Port: FreePort(t), kamcmd: RequireTool(t, "kamcmd", "kamailio")}
	requireFile(t, "/usr/lib/*/kamailio/modules/app_python3.so", "kamailio-python3-modules")
	requireFile(t, "/usr/lib/python3/dist-packages/jwt/__init__.py", "python3-jwt")
	dir := t.TempDir()
	k.ctl, k.Log = filepath.Join(dir, "ctl"), filepath.Join(dir, "kamailio.log")
	cmd := exec.Command(bin, kamailioArgs(t, k, dir)...)
	cmd.Env = kamailioEnv(issuer, audience)
	logFile, err := os.Create(k.Log)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("could not start kamailio: %v", err)
	}
	t.Cleanup(func() {
		stopProcess(t, cmd)
		_ = logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(k.Log)
			t.Logf("kamailio log:\n%s", out)
		}
	})
	WaitListening(t, "udp", k.Port, 10*time.Second)
	WaitListening(t, "tcp", k.Port, 10*time.Second)
	return k
}

//go:embed kamailio/kamailio.cfg kamailio/bearer.py
var kamailioFiles embed.FS

func kamailioArgs(t testing.TB, k *Kamailio, dir string) []string {
	for _, name := range []string{"kamailio.cfg", "bearer.py"} {
		data, err := kamailioFiles.ReadFile("kamailio/" + name)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), data, 0o600)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	cfg, script := filepath.Join(dir, "kamailio.cfg"), filepath.Join(dir, "bearer.py")
	addr := "127.0.0.1:" + strconv.Itoa(k.Port)
	return []string{"-DD", "-E", "-f", cfg, "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"),
		"-A", fmt.Sprintf("CTL_SOCKET=%q", "unix:"+k.ctl), "-A", fmt.Sprintf("KEMI_SCRIPT=%q", script),
		"-l", "udp:" + addr, "-l", "tcp:" + addr}
}

// kamailioEnv passes the issuer to bearer.py and keeps a Python of another
// installation (PYTHONHOME, PYTHONPATH) out of Kamailio's embedded one.
func kamailioEnv(issuer, audience string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYTHONHOME=") && !strings.HasPrefix(kv, "PYTHONPATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "LINE_ISSUER="+issuer, "LINE_AUDIENCE="+audience, "LINE_REALM=acme.test")
}

// stopProcess ends a process this test started: SIGTERM, then SIGKILL to
// its process group if it has not exited within five seconds.
func stopProcess(t testing.TB, cmd *exec.Cmd) {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Logf("%s did not stop on SIGTERM; killing its process group", cmd.Path)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// requireFile is requireTool for a file, given as a glob pattern.
func requireFile(t testing.TB, pattern, pkg string) {
	t.Helper()
	if found, _ := filepath.Glob(pattern); len(found) > 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing; .ci/setup installs the Debian package %s", pattern, pkg)
	}
	t.Skipf("%s is missing (Debian package %s); set CI=1 to make this a failure", pattern, pkg)
}

// Binding is one contact in Kamailio's location table.
type Binding struct {
	Contact string
	Expires int
	CSeq    int
}

// Lookup asks Kamailio's location table for aor ("user@host") over its
// control socket; no binding is an empty list.
func (k *Kamailio) Lookup(t testing.TB, aor string) []Binding {
	t.Helper()
	out, err := exec.Command(k.kamcmd, "-s", "unix:"+k.ctl, "ul.lookup", "location", aor).CombinedOutput()
	if err != nil && strings.Contains(string(out), "AOR not found") {
		return nil
	}
	if err != nil {
		t.Fatalf("kamcmd ul.lookup: %v: %s", err, out)
	}
	return parseLookup(string(out))
}

// parseLookup reads kamcmd's "Contact: …", "Expires: …" and "CSeq: …" lines.
func parseLookup(out string) []Binding {
	var bs []Binding
	for l := range strings.SplitSeq(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "address":
			bs = append(bs, Binding{Contact: v})
		case "expires":
			if len(bs) > 0 {
				bs[len(bs)-1].Expires, _ = strconv.Atoi(v)
			}
		case "cseq":
			if len(bs) > 0 {
				bs[len(bs)-1].CSeq, _ = strconv.Atoi(v)
			}
		}
	}
	return bs
}
