package e2e

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// suite is what every test shares: the binaries under test and the one
// temporary directory that everything the suite starts writes into.
var suite struct {
	dir      string // the suite's directory; $TMPDIR of the tests and of every process they start
	logs     string // the logs of every process, under dir
	dialtone string // the dialtone binary
	browser  string // the testbrowser binary

	skip string // why the suite cannot run here: skipped, or failed when CI=true
	fail string // why the suite cannot run at all: always failed
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

// runSuite builds the binaries, runs the tests with $TMPDIR in the suite's
// directory, scans what they left for tokens, and removes it (or keeps it
// for inspection when something failed).
func runSuite(m *testing.M) int {
	started, systemTmp := time.Now(), os.TempDir()
	if err := makeSuiteDir(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: could not make the suite's directory:", err)
		return 1
	}
	if suite.skip = missingPrerequisite(); suite.skip == "" {
		suite.fail = build(suite.dir)
	}
	ran := suite.skip == "" && suite.fail == ""
	closeLog := captureProviderLog()
	code := m.Run()
	closeLog()
	if ran && !scanForTokens(suite.dir, systemTmp, started) {
		code = 1
	}
	if code != 0 || os.Getenv("DIALTONE_E2E_KEEP") == "1" {
		fmt.Fprintln(os.Stderr, "e2e: kept the suite's files for inspection in", suite.dir)
		return code
	}
	if err := os.RemoveAll(suite.dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: could not remove the suite's directory:", err)
	}
	return code
}

// makeSuiteDir makes the suite's directory and its logs folder, and makes
// the directory $TMPDIR, so that every temporary file of the tests and of
// the processes they start lands in it.
func makeSuiteDir() error {
	dir, err := os.MkdirTemp("", "dialtone-e2e-")
	if err != nil {
		return err
	}
	suite.dir, suite.logs = dir, filepath.Join(dir, "logs")
	if err := os.MkdirAll(suite.logs, 0o700); err != nil {
		return err
	}
	return os.Setenv("TMPDIR", dir)
}

// missingPrerequisite says what the suite needs and does not have.
func missingPrerequisite() string {
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		return "the end-to-end suite needs a real keyring: run it under .ci/with-keyring (DIALTONE_REAL_KEYRING=1)"
	}
	for _, tool := range []string{"chromium", "secret-tool", "node"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("the end-to-end suite needs %s: run .ci/setup (%v)", tool, err)
		}
	}
	return ""
}

// build builds dialtone (or takes DIALTONE_E2E_BINARY) and the testbrowser
// into dir/bin, and returns why it could not.
func build(dir string) string {
	bin := filepath.Join(dir, "bin")
	suite.dialtone = os.Getenv("DIALTONE_E2E_BINARY")
	suite.browser = filepath.Join(bin, "testbrowser")
	builds := [][]string{{"-o", suite.browser, "./cmd/dialtone-testbrowser"}}
	if suite.dialtone == "" {
		suite.dialtone = filepath.Join(bin, "dialtone")
		builds = append(builds, []string{"-o", suite.dialtone, "."})
	}
	for _, args := range builds {
		start := time.Now()
		cmd := exec.Command("go", append([]string{"build"}, args...)...)
		cmd.Dir = ".." // the repository's root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Sprintf("go build %s: %v\n%s", args[len(args)-1], err, out)
		}
		fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", filepath.Base(args[1]), time.Since(start).Round(100*time.Millisecond))
	}
	return ""
}

// captureProviderLog sends slog's default logger, which zitadel's example
// provider logs through, to a file the token scan reads.
func captureProviderLog() (closeLog func()) {
	f, err := os.Create(filepath.Join(suite.logs, "test-process-slog.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: could not capture the provider's log:", err)
		return func() {}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})))
	return func() { f.Close() }
}

// requireSuite skips or fails t when the suite cannot run here.
func requireSuite(t *testing.T) {
	t.Helper()
	switch {
	case suite.fail != "":
		t.Fatal(suite.fail)
	case suite.skip != "" && os.Getenv("CI") == "true":
		t.Fatalf("%s (CI=true)", suite.skip)
	case suite.skip != "":
		t.Skip(suite.skip)
	}
}
