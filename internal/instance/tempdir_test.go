package instance

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// tempDir is t.TempDir for tests that also run under wine: Go ≥ 1.25's
// os.RemoveAll deletes through NtSetInformationFile's
// FileDispositionInformationEx, which Debian's wine 8 answers with
// "Invalid function", so t.TempDir's cleanup fails there. This one removes
// the tree file by file with os.Remove, which works on both.
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dialtone-test-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		var paths []string
		filepath.WalkDir(dir, func(p string, _ fs.DirEntry, _ error) error {
			paths = append(paths, p)
			return nil
		})
		for _, p := range slices.Backward(paths) {
			if err := os.Remove(p); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return dir
}
