package demoproc

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildDemo builds cmd/dialtone-demo once for the tests.
func buildDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dialtone-demo")
	cmd := exec.Command("go", "build", "-o", bin, "dialtone/cmd/dialtone-demo")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// demoArgs runs the demo on free loopback ports with its own state.
func demoArgs(t *testing.T, bin string) []string {
	return []string{bin, "-state-dir", filepath.Join(t.TempDir(), "state"), "-issuer-addr", "127.0.0.1:0", "-directory-addr", "127.0.0.1:0", "-registrar-addr", "127.0.0.1:0"}
}

func TestStartServesAndCloseStops(t *testing.T) {
	bin := buildDemo(t)
	d, err := Start(t.Context(), Options{Program: demoArgs(t, bin), Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	url := d.DirectoryURL + "/v1/sso/providers?email=agent@acme.test"
	if resp, err := http.Get(url); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the demo's directory: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("the directory still answers after Close")
	}
}

// TestDemoStopsWhenTheAppDies starts the demo from a process that then
// exits without Close, as a crashed or killed app would: the demo stops.
func TestDemoStopsWhenTheAppDies(t *testing.T) {
	if os.Getenv("DEMOPROC_TEST_APP") != "" {
		d, err := Start(context.Background(), Options{Program: []string{os.Getenv("DEMOPROC_TEST_APP"), "-state-dir", os.Getenv("DEMOPROC_TEST_STATE"), "-issuer-addr", "127.0.0.1:0", "-directory-addr", "127.0.0.1:0", "-registrar-addr", "127.0.0.1:0"}, Timeout: time.Minute})
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString(d.DirectoryURL + "\n")
		os.Exit(0) // no Close: the app "dies"
	}
	bin := buildDemo(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^TestDemoStopsWhenTheAppDies$")
	cmd.Env = append(os.Environ(), "DEMOPROC_TEST_APP="+bin, "DEMOPROC_TEST_STATE="+filepath.Join(t.TempDir(), "state"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the app process: %v", err)
	}
	url := string(out[:len(out)-1]) + "/v1/sso/providers?email=agent@acme.test"
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err != nil {
			return // stopped
		}
		resp.Body.Close()
		time.Sleep(50 * time.Millisecond) // polling a process we do not own, with a deadline
	}
	t.Fatal("the demo still serves 10 s after its app died")
}

// TestDemoRunsOnlyFromItsOwnCheckout: a development build runs the demo
// with "go run" in the checkout it was built from, whatever the working
// directory.
func TestDemoRunsOnlyFromItsOwnCheckout(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", ".", t.TempDir()} {
		argv, got, err := program(Options{Dir: dir})
		if err != nil || filepath.Base(argv[0]) != "go" || argv[2] != "./cmd/dialtone-demo" || got != root {
			t.Errorf("program with Dir %q = %v in %q, %v; want go run ./cmd/dialtone-demo in %s", dir, argv, got, err, root)
		}
	}
}
