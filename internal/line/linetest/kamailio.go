package linetest

import (
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	Port    int    // UDP and TCP
	TLSPort int    // TLS, when KamailioConfig.TLS is set; else 0
	Log     string // Kamailio's log file
	ctl     string // binrpc socket for kamcmd
	kamcmd  string
	bin     string
	dir     string
	cfg     KamailioConfig

	mu      sync.Mutex
	cmd     *exec.Cmd // nil while stopped
	logFile *os.File
}

// KamailioConfig says whom a Kamailio registrar trusts and what it grants.
type KamailioConfig struct {
	Issuer   string // the only authorization server whose tokens it takes
	Audience string // the aud those tokens must carry
	// MaxExpires caps the registration time it grants, in seconds (at least
	// 10, Kamailio's min_expires here); zero means 3600. A short cap makes
	// a client re-register soon.
	MaxExpires int
	// TLS, when set, makes Kamailio take TLS connections too, on TLSPort,
	// with this certificate (see TLSFiles). Needs kamailio-tls-modules.
	TLS *TLSFiles
}

// StartKamailio starts Kamailio trusting issuer for audience; the test's
// cleanup stops it. Without Kamailio the test is skipped, or fails under
// CI (.ci/setup installs kamailio, kamailio-python3-modules, python3-jwt).
func StartKamailio(t testing.TB, issuer, audience string) *Kamailio {
	t.Helper()
	return StartKamailioWith(t, KamailioConfig{Issuer: issuer, Audience: audience})
}

// StartKamailioWith is StartKamailio with a whole configuration.
func StartKamailioWith(t testing.TB, cfg KamailioConfig) *Kamailio {
	t.Helper()
	k := &Kamailio{bin: RequireTool(t, "kamailio", "kamailio"), kamcmd: RequireTool(t, "kamcmd", "kamailio"), cfg: cfg}
	requireFile(t, "/usr/lib/*/kamailio/modules/app_python3.so", "kamailio-python3-modules")
	requireFile(t, "/usr/lib/python3/dist-packages/jwt/__init__.py", "python3-jwt")
	if cfg.TLS != nil {
		requireFile(t, "/usr/lib/*/kamailio/modules/tls.so", "kamailio-tls-modules")
		k.TLSPort = FreePort(t)
	}
	k.Port, k.dir = FreePort(t), t.TempDir()
	k.ctl, k.Log = filepath.Join(k.dir, "ctl"), filepath.Join(k.dir, "kamailio.log")
	t.Cleanup(func() {
		k.Stop(t)
		if t.Failed() {
			out, _ := os.ReadFile(k.Log)
			t.Logf("kamailio log:\n%s", out)
		}
	})
	k.Restart(t)
	return k
}

// Restart starts Kamailio again on its port after Stop (the phone system
// coming back), with an empty location table; it returns when Kamailio
// listens. On a running Kamailio it does nothing.
func (k *Kamailio) Restart(t testing.TB) {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cmd != nil {
		return
	}
	cmd := exec.Command(k.bin, kamailioArgs(t, k, k.dir)...)
	cmd.Env = kamailioEnv(k.cfg.Issuer, k.cfg.Audience)
	logFile, err := os.OpenFile(k.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("could not start kamailio: %v", err)
	}
	k.cmd, k.logFile = cmd, logFile
	WaitListening(t, "udp", k.Port, 10*time.Second)
	WaitListening(t, "tcp", k.Port, 10*time.Second)
	if k.TLSPort != 0 {
		WaitListening(t, "tcp", k.TLSPort, 10*time.Second)
	}
}

// Stop stops Kamailio (the phone system going away); its port stays
// reserved for Restart only by convention, so restart soon.
func (k *Kamailio) Stop(t testing.TB) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cmd == nil {
		return
	}
	stopProcess(t, k.cmd)
	_ = k.logFile.Close()
	k.cmd, k.logFile = nil, nil
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
	maxExpires := k.cfg.MaxExpires
	if maxExpires == 0 {
		maxExpires = 3600
	}
	args := []string{"-DD", "-E", "-f", cfg, "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"),
		"-A", fmt.Sprintf("CTL_SOCKET=%q", "unix:"+k.ctl), "-A", fmt.Sprintf("KEMI_SCRIPT=%q", script),
		"-A", fmt.Sprintf("MAX_EXPIRES=%d", maxExpires),
		"-l", "udp:" + addr, "-l", "tcp:" + addr}
	if k.cfg.TLS != nil {
		tlsCfg := filepath.Join(dir, "tls.cfg")
		text := fmt.Sprintf("[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\ncertificate = %s\nprivate_key = %s\n",
			k.cfg.TLS.Cert, k.cfg.TLS.Key)
		if err := os.WriteFile(tlsCfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-A", "WITH_TLS", "-A", fmt.Sprintf("TLS_CONFIG=%q", tlsCfg),
			"-l", "tls:127.0.0.1:"+strconv.Itoa(k.TLSPort))
	}
	return args
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
