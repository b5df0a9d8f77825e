package session

import (
	gokeyring "github.com/zalando/go-keyring"

	"bufio"
	"dialtone/auth/authtest"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dialtone/internal/keyring"
)

// fileKeyring is a secretStore in a JSON file, so a parent test and a
// child process can share a keyring when no real Secret Service runs
// (with DIALTONE_REAL_KEYRING=1 the real one is used instead). Test only.
type fileKeyring struct{ path string }

func (k fileKeyring) load() map[string]string {
	m := map[string]string{}
	if data, err := os.ReadFile(k.path); err == nil {
		_ = json.Unmarshal(data, &m)
	}
	return m
}

func (k fileKeyring) save(m map[string]string) error {
	data, _ := json.Marshal(m)
	return os.WriteFile(k.path, data, 0o600)
}

func (k fileKeyring) Get(service, user string) (string, error) {
	if v, ok := k.load()[service+"/"+user]; ok {
		return v, nil
	}
	return "", gokeyring.ErrNotFound
}

func (k fileKeyring) Set(service, user, secret string) error {
	m := k.load()
	m[service+"/"+user] = secret
	return k.save(m)
}

func (k fileKeyring) Delete(service, user string) error {
	m := k.load()
	delete(m, service+"/"+user)
	return k.save(m)
}

func crashKeyring(path string) *keyring.Store {
	k := &keyring.Store{Service: "dialtone-crash-test"}
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		k.Backend = fileKeyring{path}
	}
	return k
}

// TestCrashChild is the child process of TestKillDuringRotation: it
// resumes the parent's session and stops dead at the crash point.
func TestCrashChild(t *testing.T) {
	stage := os.Getenv("DIALTONE_CRASH_STAGE")
	if stage == "" {
		t.Skip("child process of TestKillDuringRotation")
	}
	s := NewStore(testClient(&authtest.FollowBrowser{}), crashKeyring(os.Getenv("DIALTONE_CRASH_KEYRING")), &Folder{Dir: os.Getenv("DIALTONE_CRASH_DIR")})
	s.crashPoint = func(at string) {
		if at == stage {
			fmt.Println("CRASHPOINT")
			select {} // wait for kill -9
		}
	}
	_, err := s.Resume(t.Context())
	t.Fatalf("the crash point %q was never reached (Resume: %v)", stage, err)
}

func TestKillDuringRotation(t *testing.T) {
	tests := []struct {
		stage      string
		wantSignIn bool // true: the next start signs in silently; false: it asks to sign in
	}{
		{"refreshed", false},   // the spent token is gone and the new one was never stored
		{"token stored", true}, // the new token is in the keyring; the metadata lags
	}
	for _, tt := range tests {
		t.Run(tt.stage, func(t *testing.T) {
			f := newSessionsFixture(t)
			keyPath := filepath.Join(t.TempDir(), "keyring.json")
			f.keyring = crashKeyring(keyPath)
			f.sessions = f.newSessions()
			f.login(t)
			killAtCrashPoint(t, tt.stage, f.dir, keyPath)

			meta, err := (&Folder{Dir: f.dir}).Load()
			if err != nil || meta.Session == nil {
				t.Fatalf("after the crash the metadata = %+v, %v; want the session record intact", meta, err)
			}
			_, err = f.newSessions().Resume(t.Context())
			switch {
			case tt.wantSignIn && err != nil:
				t.Fatalf("Resume after a crash at %q = %v, want signed in", tt.stage, err)
			case !tt.wantSignIn && !errors.Is(err, ErrLoginRequired):
				t.Fatalf("Resume after a crash at %q = %v, want ErrLoginRequired", tt.stage, err)
			}
			leftovers, _ := filepath.Glob(filepath.Join(f.dir, "*.tmp*"))
			if len(leftovers) > 0 {
				t.Errorf("half-written files left: %v", leftovers)
			}
		})
	}
}

// killAtCrashPoint runs TestCrashChild and kills it with SIGKILL once it
// reports the crash point.
func killAtCrashPoint(t *testing.T, stage, dir, keyPath string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DIALTONE_CRASH_STAGE="+stage, "DIALTONE_CRASH_DIR="+dir, "DIALTONE_CRASH_KEYRING="+keyPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "CRASHPOINT") {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the child did not reach the crash point: %q, %v", line, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}
