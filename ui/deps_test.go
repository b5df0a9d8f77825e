package ui

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"dialtone/auth"
	"dialtone/internal/agent"
	"dialtone/internal/browser"
	"dialtone/internal/directory"
	"dialtone/internal/session"
)

// Dialtone's own types satisfy the interfaces the UI declares.
var (
	_ Starter      = (*session.Store)(nil)
	_ Signer       = (*session.Store)(nil)
	_ Keeper       = (*agent.Agent)(nil)
	_ Finder       = (*directory.Client)(nil)
	_ auth.Browser = browser.System{}
	_ auth.Browser = (*browser.Command)(nil)
)

// TestImports enforces the package doc: ui itself never imports the keyring, D-Bus, the browser, the network or
// Fyne's app (which needs a display). The packages whose types Deps names (session, agent, directory, problem)
// do link net/http and go-keyring into ui's build; ui only calls them through its small interfaces. Nothing
// below ui opens a browser, so pkg/browser is not linked at all.
func TestImports(t *testing.T) {
	direct := goList(t, "-f", "{{join .Imports \"\\n\"}}", "dialtone/ui")
	for _, banned := range []string{"dialtone/internal/keyring", "github.com/zalando/go-keyring", "github.com/godbus/dbus/v5",
		"github.com/pkg/browser", "dialtone/internal/browser", "net/http", "fyne.io/fyne/v2/app"} {
		if slices.Contains(direct, banned) {
			t.Errorf("ui imports %s", banned)
		}
	}
	for _, dep := range goList(t, "-deps", "dialtone/ui") {
		if dep == "github.com/pkg/browser" || dep == "dialtone/internal/browser" || dep == "fyne.io/fyne/v2/app" {
			t.Errorf("ui depends on %s", dep)
		}
	}
}

// goList runs "go list args…" and returns its output's fields; it skips the test when go is not available.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Skipf("go list is not available: %v", err)
	}
	return strings.Fields(string(out))
}
