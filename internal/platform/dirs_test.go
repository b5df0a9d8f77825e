package platform

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeHome points the user folders at a temporary folder and returns the
// config and log folders Dialtone must use there.
func fakeHome(t *testing.T) (config, logs string) {
	t.Helper()
	home := tempDir(t)
	switch runtime.GOOS {
	case "windows":
		t.Setenv("APPDATA", filepath.Join(home, "Roaming"))
		t.Setenv("LOCALAPPDATA", filepath.Join(home, "Local"))
		return filepath.Join(home, "Roaming", "Dialtone"), filepath.Join(home, "Local", "Dialtone", "logs")
	case "darwin":
		t.Setenv("HOME", home)
		return filepath.Join(home, "Library", "Application Support", "Dialtone"), filepath.Join(home, "Library", "Caches", "Dialtone", "logs")
	default:
		t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
		t.Setenv("XDG_CACHE_HOME", filepath.Join(home, "cache"))
		return filepath.Join(home, "config", "dialtone"), filepath.Join(home, "cache", "dialtone", "logs")
	}
}

func TestFolders(t *testing.T) {
	wantConfig, wantLogs := fakeHome(t)
	for _, tt := range []struct {
		name string
		get  func() (string, error)
		want string
	}{
		{"ConfigDir", ConfigDir, wantConfig},
		{"LogDir", LogDir, wantLogs},
	} {
		got, err := tt.get()
		if err != nil || got != tt.want {
			t.Errorf("%s() = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestFoldersWithoutAHome(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Setenv("APPDATA", "")
		t.Setenv("LOCALAPPDATA", "")
	} else {
		t.Setenv("HOME", "")
		t.Setenv("XDG_CONFIG_HOME", "")
		t.Setenv("XDG_CACHE_HOME", "")
	}
	for name, get := range map[string]func() (string, error){"ConfigDir": ConfigDir, "LogDir": LogDir} {
		if got, err := get(); err == nil || !strings.HasPrefix(err.Error(), "platform: ") {
			t.Errorf("%s() with no home = %q, %v; want a platform: error", name, got, err)
		}
	}
}

func TestOpenLogCreatesAndRotates(t *testing.T) {
	_, logs := fakeHome(t)
	f, err := OpenLog()
	if err != nil {
		t.Fatalf("OpenLog: %v", err)
	}
	big := make([]byte, maxLogSize+1)
	if _, err := f.Write(big); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(filepath.Join(logs, LogName)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("the log is %v (%v), want mode 0600", fi.Mode(), err)
		}
	}
	f, err = OpenLog()
	if err != nil {
		t.Fatalf("OpenLog over the size limit: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != 0 {
		t.Errorf("after rotation the log holds %d bytes (%v), want a fresh file", fi.Size(), err)
	}
	if fi, err := os.Stat(filepath.Join(logs, LogName+".1")); err != nil || fi.Size() != maxLogSize+1 {
		t.Errorf("the previous log is not %s.1 (%v)", LogName, err)
	}
}
