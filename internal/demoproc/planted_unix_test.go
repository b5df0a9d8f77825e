//go:build unix

package demoproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlantedCheckoutIsNeverRun: an installed Dialtone, started in a
// folder that looks like a checkout of Dialtone but holds someone else's
// cmd/dialtone-demo (which would write a marker file), must not run it.
// Two builds are tried, each copied out of the checkout into a folder of
// their own: this test binary as it is (a development build: it may only
// run the demo of its own checkout, never the planted one) and one built
// with -trimpath, as every release build is (it runs no demo at all). A
// "go" first on PATH writes down where it is run and runs the real go.
func TestPlantedCheckoutIsNeverRun(t *testing.T) {
	if os.Getenv("DEMOPROC_PLANTED") == "1" {
		_, err := Start(context.Background(), Options{Timeout: time.Minute})
		fmt.Println("start:", err)
		if errors.Is(err, ErrNotFound) {
			os.Exit(3)
		}
		os.Exit(0)
	}
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	trimmed := filepath.Join(t.TempDir(), "trimmed.test")
	if out, err := exec.Command(realGo, "test", "-c", "-trimpath", "-o", trimmed, ".").CombinedOutput(); err != nil {
		t.Fatalf("go test -c -trimpath: %v\n%s", err, out)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, bin string
		wantCode  int    // 3: no demo here (ErrNotFound)
		wantGoIn  string // where go may run; "" for nowhere
	}{
		{"a development build", self, 0, root},
		{"a release build (-trimpath)", trimmed, 3, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			installed := filepath.Join(t.TempDir(), "bin", "dialtone")
			copyFile(t, c.bin, installed)
			planted, marker := plantCheckout(t)
			goLog := filepath.Join(t.TempDir(), "go.log")
			fakeGo := filepath.Join(t.TempDir(), "go")
			// In the real checkout the fake go stops at once: the test is
			// about where it runs, not about starting the real demo.
			script := fmt.Sprintf("#!/bin/sh\necho \"$PWD\" >> %q\n[ \"$PWD\" = %q ] && exit 1\nexec %q \"$@\"\n", goLog, root, realGo)
			if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(installed, "-test.run=^TestPlantedCheckoutIsNeverRun$")
			cmd.Dir = planted
			cmd.Env = append(os.Environ(), "DEMOPROC_PLANTED=1", "PATH="+filepath.Dir(fakeGo)+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, _ := cmd.CombinedOutput() // bounded: the child's Start has a 1-minute timeout
			if code := cmd.ProcessState.ExitCode(); code != c.wantCode {
				t.Errorf("exit %d, want %d; output:\n%s", code, c.wantCode, out)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the planted cmd/dialtone-demo ran (it wrote %s)", marker)
			}
			logged, _ := os.ReadFile(goLog)
			for dir := range strings.FieldsSeq(string(logged)) {
				if dir != c.wantGoIn {
					t.Errorf("go ran in %s, want only %q", dir, c.wantGoIn)
				}
			}
		})
	}
}

// plantCheckout makes a folder that looks like a checkout of Dialtone
// whose cmd/dialtone-demo writes a marker file, and returns both paths.
func plantCheckout(t *testing.T) (dir, marker string) {
	t.Helper()
	dir = t.TempDir()
	marker = filepath.Join(t.TempDir(), "planted-code-ran")
	files := map[string]string{
		"go.mod":                    "module dialtone\n\ngo 1.22\n",
		"cmd/dialtone-demo/main.go": fmt.Sprintf("package main\n\nimport \"os\"\n\nfunc main() { _ = os.WriteFile(%q, nil, 0o600) }\n", marker),
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, marker
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o700)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
