package agent_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoFyne enforces the package doc: agent never depends on Fyne or the UI, however indirectly.
func TestNoFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "dialtone/internal/agent").Output()
	if err != nil {
		t.Skipf("go list is not available: %v", err)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") || dep == "dialtone/ui" {
			t.Errorf("agent depends on %s", dep)
		}
	}
}
