package line_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dialtone/internal/line/linetest"
)

// kamailio is a real Kamailio registrar on 127.0.0.1, configured by
// testdata/kamailio.cfg and testdata/bearer.py to accept only bearer tokens
// from one issuer for one audience.
type kamailio struct {
	port   int
	ctl    string // binrpc socket for kamcmd
	kamcmd string
	log    string
}

// startKamailio starts Kamailio trusting iss for audience; the test's
// cleanup stops it.
func startKamailio(t *testing.T, iss *linetest.Issuer, audience string) *kamailio {
	t.Helper()
	bin := requireTool(t, "kamailio", "kamailio")
	k := &kamailio{port: linetest.FreePort(t), kamcmd: requireTool(t, "kamcmd", "kamailio")}
	requireFile(t, "/usr/lib/*/kamailio/modules/app_python3.so", "kamailio-python3-modules")
	requireFile(t, "/usr/lib/python3/dist-packages/jwt/__init__.py", "python3-jwt")
	dir := t.TempDir()
	k.ctl, k.log = filepath.Join(dir, "ctl"), filepath.Join(dir, "kamailio.log")
	cmd := exec.Command(bin, kamailioArgs(t, k, dir)...)
	cmd.Env = kamailioEnv(iss.URL, audience)
	logFile, err := os.Create(k.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("could not start kamailio: %v", err)
	}
	t.Cleanup(func() { stopProcess(t, cmd); _ = logFile.Close() })
	waitListening(t, "udp", k.port, 10*time.Second)
	waitListening(t, "tcp", k.port, 10*time.Second)
	return k
}

func kamailioArgs(t *testing.T, k *kamailio, dir string) []string {
	cfg, err := filepath.Abs("testdata/kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(filepath.Dir(cfg), "bearer.py")
	addr := "127.0.0.1:" + strconv.Itoa(k.port)
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
func stopProcess(t *testing.T, cmd *exec.Cmd) {
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
func requireFile(t *testing.T, pattern, pkg string) {
	t.Helper()
	if found, _ := filepath.Glob(pattern); len(found) > 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing; .ci/setup installs the Debian package %s", pattern, pkg)
	}
	t.Skipf("%s is missing (Debian package %s); set CI=1 to make this a failure", pattern, pkg)
}

// binding is one contact in Kamailio's location table.
type binding struct {
	contact string
	expires int
	cseq    int
}

// lookup asks Kamailio's location table for aor ("user@host") over its
// control socket; no binding is an empty list.
func (k *kamailio) lookup(t *testing.T, aor string) []binding {
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
func parseLookup(out string) []binding {
	var bs []binding
	for l := range strings.SplitSeq(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "address":
			bs = append(bs, binding{contact: v})
		case "expires":
			if len(bs) > 0 {
				bs[len(bs)-1].expires, _ = strconv.Atoi(v)
			}
		case "cseq":
			if len(bs) > 0 {
				bs[len(bs)-1].cseq, _ = strconv.Atoi(v)
			}
		}
	}
	return bs
}
