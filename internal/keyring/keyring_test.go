package keyring

import (
	"bufio"
	"context"
	"crypto/sha256"
	"dialtone/internal/keyring/keyringtest"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	dbus "github.com/godbus/dbus/v5"
	gokeyring "github.com/zalando/go-keyring"
	ss "github.com/zalando/go-keyring/secret_service"
)

// Tests run against an in-memory keyring and, when DIALTONE_REAL_KEYRING=1
// (set by .ci/with-keyring), also against the real Secret Service through
// go-keyring. The in-memory keyring refuses items over 2560 bytes, as
// Windows does.

const testService = "dialtone-test"

// keyringBackend is a Store under test and raw, the store beneath it,
// to look at the items it wrote.
type keyringBackend struct {
	name string
	k    *Store
	raw  Backend
}

func keyringBackends(t *testing.T) []keyringBackend {
	mem := &keyringtest.Memory{}
	backends := []keyringBackend{{"memory", &Store{Service: testService, Backend: mem}, mem}}
	if realKeyring(t) {
		backends = append(backends, keyringBackend{"secret-service", &Store{Service: testService}, goKeyring{}})
	}
	return backends
}

// realKeyring reports whether the tests must also use the real keyring, and
// fails the test when they must but it does not work. It checks on D-Bus
// that go-keyring really writes to the Secret Service, as another test's
// keyring.MockInit() would silently replace it for the whole process.
func realKeyring(t *testing.T) bool {
	t.Helper()
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		return false
	}
	if err := probeRealKeyring(t); err != nil {
		t.Fatalf("DIALTONE_REAL_KEYRING=1 but the Secret Service does not work: %v", err)
	}
	return true
}

func probeRealKeyring(t *testing.T) error {
	ctx := context.Background()
	k := &Store{Service: testService}
	if err := k.Set(ctx, "probe", "probe-secret"); err != nil {
		return err
	}
	defer k.Delete(ctx, "probe")
	if got, err := k.Get(ctx, "probe"); err != nil || got != "probe-secret" {
		return fmt.Errorf("read back %q, %v", got, err)
	}
	svc, err := ss.NewSecretService()
	if err != nil {
		return err
	}
	items, err := svc.SearchItems(svc.GetLoginCollection(), map[string]string{"service": testService, "username": "probe"})
	if err != nil || len(items) != 1 {
		return fmt.Errorf("the item go-keyring saved is not in the Secret Service (found %d, %v): did a test call keyring.MockInit()?", len(items), err)
	}
	return nil
}

// testKey is a key of its own for each test, shaped like session.SecretKey's.
func testKey(t *testing.T) string {
	sum := sha256.Sum256([]byte(t.Name()))
	return "refresh:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestKeyringRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		items  int // keyring items used
	}{
		{"short", "rt-" + strings.Repeat("a", 40), 1},
		{"exactly one chunk", strings.Repeat("b", chunkSize), 1},
		{"one byte over", strings.Repeat("c", chunkSize+1), 3},
		{"10 KB", strings.Repeat("0123456789", 1024), 7},
		{"multi-byte runes across a chunk boundary", "x" + strings.Repeat("é", chunkSize), 4},
		{"looks like a chunk header", chunkHeaderPrefix + "1:00", 2},
	}
	for _, b := range keyringBackends(t) {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				key := testKey(t)
				t.Cleanup(func() { b.k.Delete(ctx, key) })
				if err := b.k.Set(ctx, key, tt.secret); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, err := b.k.Get(ctx, key)
				if err != nil {
					t.Fatalf("Get: %v", err)
				}
				if got != tt.secret {
					t.Errorf("Get returned %d bytes, want the %d stored", len(got), len(tt.secret))
				}
				if n := countItems(t, b.raw, key); n != tt.items {
					t.Errorf("the secret uses %d keyring items, want %d", n, tt.items)
				}
			})
		}
	}
}

// countItems counts key and its chunks key#1… in raw, checking that none
// is over chunkSize.
func countItems(t *testing.T, raw Backend, key string) int {
	t.Helper()
	n := 0
	for i := 0; i <= maxChunks+1; i++ {
		item := key
		if i > 0 {
			item = chunkKey(key, i)
		}
		v, err := raw.Get(testService, item)
		if errors.Is(err, gokeyring.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("go-keyring Get(%q): %v", item, err)
		}
		if len(v) > chunkSize {
			t.Errorf("item %q holds %d bytes, more than %d", item, len(v), chunkSize)
		}
		if !utf8.ValidString(v) {
			t.Errorf("item %q was cut inside a UTF-8 sequence", item)
		}
		n++
	}
	return n
}

func TestKeyringOverwriteRemovesStaleChunks(t *testing.T) {
	long := strings.Repeat("L", 10*1024)
	tests := []struct {
		name, second string
		items        int
	}{
		{"long to short", "short-refresh-token", 1},
		{"long to shorter long", strings.Repeat("M", 3*chunkSize-1), 4},
	}
	for _, b := range keyringBackends(t) {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				key := testKey(t)
				t.Cleanup(func() { b.k.Delete(ctx, key) })
				if err := b.k.Set(ctx, key, long); err != nil {
					t.Fatalf("Set long: %v", err)
				}
				if err := b.k.Set(ctx, key, tt.second); err != nil {
					t.Fatalf("Set second: %v", err)
				}
				if got, err := b.k.Get(ctx, key); err != nil || got != tt.second {
					t.Errorf("Get after overwrite: %d bytes, %v; want the %d of the second value", len(got), err, len(tt.second))
				}
				if n := countItems(t, b.raw, key); n != tt.items {
					t.Errorf("after overwrite %d keyring items remain, want %d", n, tt.items)
				}
			})
		}
	}
}

func TestKeyringDelete(t *testing.T) {
	for _, b := range keyringBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			key := testKey(t)
			if err := b.k.Delete(ctx, key); err != nil {
				t.Errorf("Delete of an absent key: %v, want nil", err)
			}
			if err := b.k.Set(ctx, key, strings.Repeat("d", 10*1024)); err != nil {
				t.Fatalf("Set: %v", err)
			}
			// Orphans an interrupted Set could leave past the header.
			for _, i := range []int{7, 8} {
				if err := b.raw.Set(testService, chunkKey(key, i), "orphan"); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.k.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if n := countItems(t, b.raw, key); n != 0 {
				t.Errorf("after Delete %d keyring items remain, want 0", n)
			}
			if _, err := b.k.Get(ctx, key); !errors.Is(err, ErrNoSecret) {
				t.Errorf("Get after Delete: %v, want ErrNoSecret", err)
			}
		})
	}
}

func TestKeyringDetectsTornChunks(t *testing.T) {
	tests := []struct {
		name   string
		damage func(raw Backend, key string) error
		want   string
	}{
		{"chunk replaced", func(raw Backend, key string) error {
			return raw.Set(testService, chunkKey(key, 2), strings.Repeat("x", chunkSize))
		}, "checksum"},
		{"chunk missing", func(raw Backend, key string) error {
			return raw.Delete(testService, chunkKey(key, 3))
		}, "chunk 3 of 6 is missing"},
		{"header damaged", func(raw Backend, key string) error {
			return raw.Set(testService, key, chunkHeaderPrefix+"6:nothex")
		}, "header is damaged"},
	}
	for _, b := range keyringBackends(t) {
		for _, tt := range tests {
			t.Run(b.name+"/"+tt.name, func(t *testing.T) {
				ctx := context.Background()
				key := testKey(t)
				t.Cleanup(func() { b.k.Delete(ctx, key) })
				if err := b.k.Set(ctx, key, strings.Repeat("t", 5*chunkSize+1)); err != nil {
					t.Fatalf("Set: %v", err)
				}
				if err := tt.damage(b.raw, key); err != nil {
					t.Fatal(err)
				}
				got, err := b.k.Get(ctx, key)
				if !errors.Is(err, ErrNoSecret) || !strings.Contains(err.Error(), tt.want) || got != "" {
					t.Errorf("Get: %d bytes, %v; want ErrNoSecret saying %q", len(got), err, tt.want)
				}
			})
		}
	}
}

func TestKeyringRefusesBadInput(t *testing.T) {
	k := &Store{Service: testService, Backend: &keyringtest.Memory{}}
	ctx := context.Background()
	for _, key := range []string{"", "refresh:a#1", "has space", "tab\t", strings.Repeat("k", 201), "ünïcode"} {
		if err := k.Set(ctx, key, "secret"); err == nil {
			t.Errorf("Set(%q) succeeded, want an invalid key error", key)
		}
		if _, err := k.Get(ctx, key); err == nil || errors.Is(err, ErrNoSecret) {
			t.Errorf("Get(%q) = %v, want an invalid key error", key, err)
		}
	}
	if err := k.Set(ctx, "refresh:x", ""); err == nil {
		t.Error("Set of an empty secret succeeded")
	}
	err := k.Set(ctx, "refresh:x", strings.Repeat("z", chunkSize*maxChunks+1))
	var ke *Error
	if !errors.As(err, &ke) || ke.Problem != Failed {
		t.Errorf("Set of a 64 KB secret: %v, want a *Error Failed", err)
	}
}

// TestKeyringChunksFitEveryPlatform checks the largest item against the
// limits go-keyring v0.2.8 enforces: 2560 bytes on Windows, and on macOS a
// `security -i` command line of at most 4096 bytes with the secret base64
// encoded behind "go-keyring-base64:".
func TestKeyringChunksFitEveryPlatform(t *testing.T) {
	chunk := strings.Repeat("\xff", chunkSize)
	key := chunkKey("refresh:"+strings.Repeat("k", 51-len("refresh:")), maxChunks)
	if len(chunk) > 2560 {
		t.Errorf("a chunk of %d bytes is over Windows' 2560", len(chunk))
	}
	password := "go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte(chunk))
	command := fmt.Sprintf("add-generic-password -U -s '%s' -a '%s' -w '%s'\n", DefaultService, key, password)
	if len(command) > 4096-200 {
		t.Errorf("macOS command for a full chunk is %d bytes; want a 200-byte margin under 4096", len(command))
	}
}

func TestKeyringErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		problem Problem
	}{
		// Texts measured with go-keyring v0.2.8 and gnome-keyring 42.
		{"no bus", errors.New("dial unix /run/user/1000/bus: connect: no such file or directory"), Unreachable},
		{"no address", errors.New("dbus: couldn't determine address of session bus"), Unreachable},
		{"no provider", errors.New("The name org.freedesktop.secrets was not provided by any .service files"), Unreachable},
		{"unsupported OS", gokeyring.ErrUnsupportedPlatform, Unreachable},
		{"locked", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), Locked},
		{"other", errors.New("org.freedesktop.DBus.Error.NoReply"), Failed},
	}
	ops := []struct {
		name string
		run  func(*Store) error
		says string
	}{
		{"read", func(k *Store) error { _, err := k.Get(context.Background(), "refresh:x"); return err }, "sign in again; you stay signed in for this session only"},
		{"save", func(k *Store) error { return k.Set(context.Background(), "refresh:x", "secret-value") }, "you stay signed in for this session only"},
		{"delete", func(k *Store) error { return k.Delete(context.Background(), "refresh:x") }, "the saved sign-in may still be in the keyring"},
	}
	for _, tt := range tests {
		for _, op := range ops {
			t.Run(tt.name+"/"+op.name, func(t *testing.T) {
				err := op.run(&Store{Service: testService, Backend: &keyringtest.Memory{Err: tt.err}})
				var ke *Error
				if !errors.As(err, &ke) || !errors.Is(err, ErrUnavailable) || !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want a *Error matching ErrUnavailable and wrapping the cause", err)
				}
				if ke.Problem != tt.problem || ke.Op != op.name {
					t.Errorf("got problem %d op %q, want %d %q", ke.Problem, ke.Op, tt.problem, op.name)
				}
				if msg := err.Error(); !strings.HasSuffix(msg, op.says) || strings.Contains(msg, "secret-value") {
					t.Errorf("message %q: want it to end with %q and not to show the secret", msg, op.says)
				}
			})
		}
	}
}

func TestKeyringTimeout(t *testing.T) {
	hung := &keyringtest.Memory{Block: make(chan struct{})}
	t.Cleanup(func() { close(hung.Block) })
	k := &Store{Service: testService, Timeout: 50 * time.Millisecond, Backend: hung}

	start := time.Now()
	_, err := k.Get(context.Background(), "refresh:x")
	var ke *Error
	if !errors.As(err, &ke) || ke.Problem != TimedOut || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get on a hung keyring: %v, want a *Error TimedOut", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Get on a hung keyring returned after %v, want about 50ms", elapsed)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = (&Store{Service: testService, Timeout: time.Hour, Backend: hung}).Set(ctx, "refresh:x", "secret")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("Set with a cancelled ctx: %v, want context.Canceled and not ErrUnavailable", err)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = (&Store{Service: testService, Timeout: time.Hour, Backend: hung}).Delete(ctx, "refresh:x")
	if !errors.As(err, &ke) || ke.Problem != TimedOut {
		t.Errorf("Delete past the caller's deadline: %v, want TimedOut", err)
	}
}

// TestKeyringRealLocked locks the real login collection and checks that
// every call fails at once with Locked, then unlocks it with the
// password .ci/with-keyring chose and checks nothing was lost.
func TestKeyringRealLocked(t *testing.T) {
	if !realKeyring(t) {
		t.Skip("needs a real Secret Service: run under .ci/with-keyring")
	}
	ctx := context.Background()
	k := &Store{Service: testService}
	key := testKey(t)
	t.Cleanup(func() { k.Delete(ctx, key) })
	if err := k.Set(ctx, key, "kept-while-locked"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	lockLoginCollection(t)
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"read", func() error { _, err := k.Get(ctx, key); return err }},
		{"save", func() error { return k.Set(ctx, key, "new") }},
		{"delete", func() error { return k.Delete(ctx, key) }},
	} {
		start := time.Now()
		err := op.run()
		elapsed := time.Since(start)
		t.Logf("%s on a locked keyring (%v): %v", op.name, elapsed.Round(time.Millisecond), err)
		var ke *Error
		if !errors.As(err, &ke) || ke.Problem != Locked {
			t.Errorf("%s on a locked keyring: %v, want a *Error Locked", op.name, err)
		}
		if elapsed > 2*time.Second {
			t.Errorf("%s on a locked keyring took %v, want well under 2s", op.name, elapsed)
		}
	}
	unlockLoginCollection(t)
	if got, err := k.Get(ctx, key); err != nil || got != "kept-while-locked" {
		t.Errorf("Get after unlocking: %q, %v; want the secret saved before", got, err)
	}
}

func loginCollection(t *testing.T) (*ss.SecretService, dbus.ObjectPath) {
	t.Helper()
	svc, err := ss.NewSecretService()
	if err != nil {
		t.Fatalf("connect to the Secret Service: %v", err)
	}
	return svc, svc.GetLoginCollection().Path()
}

// lockLoginCollection locks the collection go-keyring uses, and makes sure
// it is unlocked again when the test ends.
func lockLoginCollection(t *testing.T) {
	t.Helper()
	if os.Getenv("DIALTONE_KEYRING_PASSWORD") == "" {
		t.Fatal("DIALTONE_KEYRING_PASSWORD is not set: the test could lock the keyring but not unlock it")
	}
	svc, path := loginCollection(t)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err := svc.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{path}).Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		t.Fatalf("lock %s: locked %v, %v", path, locked, err)
	}
	t.Cleanup(func() { unlockLoginCollection(t) })
}

// unlockLoginCollection unlocks without a prompt through gnome-keyring's
// own interface, with the password .ci/with-keyring chose.
func unlockLoginCollection(t *testing.T) {
	t.Helper()
	svc, path := loginCollection(t)
	session, err := svc.OpenSession()
	if err != nil {
		t.Fatalf("open a Secret Service session: %v", err)
	}
	defer svc.Close(session)
	secret := ss.NewSecret(session.Path(), os.Getenv("DIALTONE_KEYRING_PASSWORD"))
	err = svc.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface.UnlockWithMasterPassword", 0, path, secret).Err
	if err != nil {
		t.Fatalf("unlock %s again: %v", path, err)
	}
}

// keyringResult is what TestKeyringHelperProcess reports for one call.
type keyringResult struct {
	Op          string
	Err         string
	Unavailable bool
	Problem     Problem
	Elapsed     time.Duration
}

// TestKeyringHelperProcess is not a test: the keyring tests run the test
// binary again with DIALTONE_KEYRING_HELPER set, so that go-keyring dials
// the session bus they chose (godbus keeps its first connection for the
// life of a process).
func TestKeyringHelperProcess(t *testing.T) {
	ops := os.Getenv("DIALTONE_KEYRING_HELPER")
	if ops == "" {
		return
	}
	timeout, _ := time.ParseDuration(os.Getenv("DIALTONE_KEYRING_HELPER_TIMEOUT"))
	k := &Store{Service: testService, Timeout: timeout}
	key := "refresh:helper"
	ctx := context.Background()
	enc := json.NewEncoder(os.Stdout)
	for _, op := range strings.Split(ops, ",") {
		start := time.Now()
		var err error
		switch op {
		case "read":
			_, err = k.Get(ctx, key)
		case "save":
			err = k.Set(ctx, key, "secret")
		case "delete":
			err = k.Delete(ctx, key)
		}
		r := keyringResult{Op: op, Elapsed: time.Since(start), Unavailable: errors.Is(err, ErrUnavailable)}
		var ke *Error
		if errors.As(err, &ke) {
			r.Problem = ke.Problem
		}
		if err != nil {
			r.Err = err.Error()
		}
		enc.Encode(r)
	}
	os.Exit(0)
}

// runKeyringHelper runs ops in a new test process whose session bus is
// busAddress, and returns what each call did.
func runKeyringHelper(t *testing.T, busAddress string, timeout time.Duration, ops ...string) []keyringResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringHelperProcess$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DBUS_SESSION_BUS_ADDRESS="+busAddress,
		"DIALTONE_KEYRING_HELPER="+strings.Join(ops, ","), "DIALTONE_KEYRING_HELPER_TIMEOUT="+timeout.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("keyring helper: %v\n%s", err, out)
	}
	var results []keyringResult
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var r keyringResult
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("keyring helper output %q: %v", out, err)
		}
		results = append(results, r)
	}
	if len(results) != len(ops) {
		t.Fatalf("keyring helper reported %d calls, want %d: %s", len(results), len(ops), out)
	}
	return results
}

func TestKeyringNoSecretService(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is Linux's keyring")
	}
	bus := "unix:path=" + filepath.Join(t.TempDir(), "no-such-bus")
	for _, r := range runKeyringHelper(t, bus, 5*time.Second, "read", "save", "delete") {
		t.Logf("%s with no session bus (%v): %s", r.Op, r.Elapsed.Round(time.Microsecond), r.Err)
		if !r.Unavailable || r.Problem != Unreachable || r.Elapsed > time.Second {
			t.Errorf("%s with no session bus: %+v, want ErrUnavailable, Unreachable, under 1s", r.Op, r)
		}
	}
}

// TestKeyringPrivateBus runs go-keyring against a D-Bus of its own: one
// where no Secret Service exists, and one where a fake Secret Service never
// answers, as gnome-keyring does while its unlock dialog is open.
func TestKeyringPrivateBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the Secret Service is Linux's keyring")
	}
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		if os.Getenv("DIALTONE_REAL_KEYRING") == "1" {
			t.Fatal("DIALTONE_REAL_KEYRING=1 but dbus-daemon is not installed")
		}
		t.Skip("dbus-daemon is not installed")
	}
	bus := startPrivateBus(t)

	t.Run("no provider", func(t *testing.T) {
		for _, r := range runKeyringHelper(t, bus, 5*time.Second, "read", "save") {
			t.Logf("%s with no Secret Service on the bus (%v): %s", r.Op, r.Elapsed.Round(time.Microsecond), r.Err)
			if !r.Unavailable || r.Problem != Unreachable || r.Elapsed > time.Second {
				t.Errorf("%s: %+v, want ErrUnavailable, Unreachable, under 1s", r.Op, r)
			}
		}
	})
	t.Run("never answers", func(t *testing.T) {
		serveHungSecretService(t, bus)
		const timeout = 300 * time.Millisecond
		for _, r := range runKeyringHelper(t, bus, timeout, "read", "save") {
			t.Logf("%s with a Secret Service that never answers (%v): %s", r.Op, r.Elapsed.Round(time.Millisecond), r.Err)
			if !r.Unavailable || r.Problem != TimedOut || r.Elapsed < timeout || r.Elapsed > timeout+2*time.Second {
				t.Errorf("%s: %+v, want ErrUnavailable, TimedOut, after about %v", r.Op, r, timeout)
			}
		}
	})
}

// startPrivateBus starts a dbus-daemon with no activatable services and
// returns its address.
func startPrivateBus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	config := `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + filepath.Join(dir, "bus") + `</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
	if err := os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+filepath.Join(dir, "bus.conf"), "--nofork", "--print-address")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read dbus-daemon's address: %v", err)
	}
	return strings.TrimSpace(addr)
}

// hungSecretService answers nothing until release is closed.
type hungSecretService struct{ release chan struct{} }

func (h hungSecretService) Unlock(objects []dbus.ObjectPath) ([]dbus.ObjectPath, dbus.ObjectPath, *dbus.Error) {
	<-h.release
	return nil, "/", nil
}

func (h hungSecretService) OpenSession(algorithm string, input dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
	<-h.release
	return dbus.MakeVariant(""), "/", nil
}

func serveHungSecretService(t *testing.T, bus string) {
	t.Helper()
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatalf("connect to the private bus: %v", err)
	}
	h := hungSecretService{release: make(chan struct{})}
	t.Cleanup(func() {
		close(h.release)
		conn.Close()
	})
	if err := conn.Export(h, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.secrets", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.freedesktop.secrets: %v, %v", reply, err)
	}
}
