//go:build windows

package platform

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// testKeys returns a policy key and a preference key of the test's own
// under HKCU\Software\DialtoneTest, deleted afterwards.
func testKeys(t *testing.T) []regKey {
	t.Helper()
	base := `Software\DialtoneTest\` + strings.ReplaceAll(t.Name(), "/", "_")
	keys := []regKey{{registry.CURRENT_USER, base + `\Policy`}, {registry.CURRENT_USER, base + `\Prefs`}}
	t.Cleanup(func() {
		for _, k := range keys {
			registry.DeleteKey(k.root, k.path)
		}
		registry.DeleteKey(registry.CURRENT_USER, base)
	})
	return keys
}

func setValue(t *testing.T, k regKey, set func(registry.Key) error) {
	t.Helper()
	key, _, err := registry.CreateKey(k.root, k.path, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer key.Close()
	if err := set(key); err != nil {
		t.Fatal(err)
	}
}

func str(v string) func(registry.Key) error {
	return func(k registry.Key) error { return k.SetStringValue(DirectoryValue, v) }
}

func TestDirectoryURLOrder(t *testing.T) {
	tests := []struct {
		name          string
		policy, prefs func(registry.Key) error // nil: key absent
		want          string
	}{
		{"nothing set", nil, nil, ""},
		{"user setting only", nil, str("https://dir.user.test"), "https://dir.user.test"},
		{"policy wins", str("https://dir.policy.test"), str("https://dir.user.test"), "https://dir.policy.test"},
		{"empty policy value is unset", str("  "), str("https://dir.user.test"), "https://dir.user.test"},
		{"expandable string", func(k registry.Key) error { return k.SetExpandStringValue(DirectoryValue, "https://dir.expand.test") }, nil, "https://dir.expand.test"},
		{"key without the value", func(k registry.Key) error { return k.SetStringValue("Other", "x") }, str("https://dir.user.test"), "https://dir.user.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := testKeys(t)
			for i, set := range []func(registry.Key) error{tt.policy, tt.prefs} {
				if set != nil {
					setValue(t, keys[i], set)
				}
			}
			got, err := directoryURLFrom(keys)
			if err != nil || got != tt.want {
				t.Errorf("directoryURLFrom = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDirectoryURLNotAString(t *testing.T) {
	keys := testKeys(t)
	setValue(t, keys[0], func(k registry.Key) error { return k.SetDWordValue(DirectoryValue, 1) })
	got, err := directoryURLFrom(keys)
	if err == nil || !strings.Contains(err.Error(), `HKCU\Software\DialtoneTest`) {
		t.Errorf("directoryURLFrom with a DWORD = %q, %v; want an error naming the key", got, err)
	}
}

// TestInstalledDirectoryURL checks what an installer wrote: run it with
// DIALTONE_EXPECT_DIRECTORY_URL set after `msiexec /i dialtone.msi
// DIRECTORYURL=…` (.ci/windows/msi-check does).
func TestInstalledDirectoryURL(t *testing.T) {
	want, ok := os.LookupEnv("DIALTONE_EXPECT_DIRECTORY_URL")
	if !ok {
		t.Skip("DIALTONE_EXPECT_DIRECTORY_URL is not set")
	}
	if got, err := DirectoryURL(); err != nil || got != want {
		t.Errorf("DirectoryURL() = %q, %v; want %q", got, err, want)
	}
}
