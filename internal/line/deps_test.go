package line_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsStayOutOfTheApp enforces the package docs: line and
// sipregistrar never depend on Fyne, the keyring or other Dialtone
// packages, however indirectly — but the line's format (sipaddr) and what
// it stands on.
func TestImportsStayOutOfTheApp(t *testing.T) {
	allowed := map[string]bool{"dialtone/internal/sipaddr": true, "dialtone/internal/loopback": true}
	for _, pkg := range []string{"dialtone/internal/line", "dialtone/internal/sipregistrar"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Skipf("go list is not available: %v", err)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			forbidden := strings.HasPrefix(dep, "fyne.io/") || strings.Contains(dep, "go-keyring") ||
				(strings.HasPrefix(dep, "dialtone") && dep != pkg && !allowed[dep])
			if forbidden {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
