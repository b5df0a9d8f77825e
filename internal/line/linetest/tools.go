package linetest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// RequireTool returns the path of a program the test needs. Without it the
// test is skipped, except under CI, where .ci/setup installs it and a
// missing program is a failure.
func RequireTool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		if _, err := os.Stat(dir + "/" + name); err == nil {
			return dir + "/" + name
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; .ci/setup installs the Debian package %s", name, pkg)
	}
	t.Skipf("%s is not installed (Debian package %s); set CI=1 to make this a failure", name, pkg)
	return ""
}

// WaitListening polls /proc/net until something listens on 127.0.0.1:port
// (proto "udp" or "tcp"), so a test never sends before its server is up.
func WaitListening(t testing.TB, proto string, port int, within time.Duration) {
	t.Helper()
	want := fmt.Sprintf("0100007F:%04X", port)
	deadline := time.After(within)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !procNetHas("/proc/net/"+proto, want, proto == "tcp") {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("nothing listens on %s 127.0.0.1:%d after %s", proto, port, within)
		}
	}
}

// procNetHas reports whether a /proc/net table has local address addr
// (for TCP, in state LISTEN).
func procNetHas(file, addr string, listen bool) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 3 && fields[1] == addr && (!listen || fields[3] == "0A") {
			return true
		}
	}
	return false
}
