package session

import (
	"dialtone/auth"
	"dialtone/internal/idp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sampleMetadata() *Metadata {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	p := idp.Provider{ID: "okta", Type: idp.TypeOkta, Name: "Okta", Issuer: "https://acme.okta.com", ClientID: "0oa1", Scopes: idp.DefaultScopes, UserinfoMethod: "GET", EmailClaim: "email", RedirectHost: "127.0.0.1"}
	return &Metadata{
		LastEmail: "Agent@Acme.example",
		Session: &Record{
			Email: "agent@acme.example", Account: "acme", ProviderID: "okta", Issuer: p.Issuer, ClientID: p.ClientID,
			Subject: "00u1", Name: "Ann Agent", Provider: p, AccessTokenExpiry: at.Add(time.Hour), SignedInAt: at, RefreshedAt: at,
		},
		Directory: map[string]CachedProviders{
			"agent@acme.example": {List: idp.ProviderList{Account: "acme", Email: "agent@acme.example", Providers: []idp.Provider{p}}, FetchedAt: at},
		},
		Discovery: map[string]auth.Snapshot{
			p.Issuer: {
				Document:      idp.Discovery{Issuer: p.Issuer, AuthorizationEndpoint: p.Issuer + "/authorize", TokenEndpoint: p.Issuer + "/token", JWKSURI: p.Issuer + "/keys", FetchedAt: at},
				JWKS:          json.RawMessage(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`),
				JWKSFetchedAt: at,
			},
		},
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	store := &Folder{Dir: filepath.Join(t.TempDir(), "dialtone")}
	want := sampleMetadata()
	if err := store.Save(want); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := store.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load returned\n%+v\nwant\n%+v", got, want)
	}
	checkMode(t, filepath.Join(store.Dir, metadataName), 0o600)
	checkMode(t, store.Dir, 0o700|fs.ModeDir)
	checkOnly(t, store.Dir, metadataName)
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode() & (fs.ModeType | fs.ModePerm); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

// checkOnly checks that dir holds exactly names: no temporary file left.
func checkOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

func TestMetadataLoadWithoutFile(t *testing.T) {
	for _, tt := range []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"no folder", func(t *testing.T) string { return filepath.Join(t.TempDir(), "dialtone") }},
		{"empty folder", func(t *testing.T) string { return t.TempDir() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			m, err := (&Folder{Dir: dir}).Load()
			if err != nil || m == nil || !reflect.DeepEqual(*m, Metadata{}) {
				t.Errorf("Load = %+v, %v; want empty Metadata, nil", m, err)
			}
			if _, err := os.Stat(filepath.Join(dir, metadataName)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Load created %s (%v); it must only read", metadataName, err)
			}
		})
	}
}

func TestMetadataCorruptFileIsSetAside(t *testing.T) {
	valid, err := encodeMetadata(sampleMetadata())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("\x00\x01not json")},
		{"truncated", valid[:len(valid)/2]},
		{"empty", nil},
		{"no version", []byte(`{"last_email":"a@b.example"}`)},
		{"null", []byte("null")},
		{"trailing data", append(slices.Clone(valid), []byte(`{"version":1}`)...)},
		{"wrong type", []byte(`{"version":1,"session":"yes"}`)},
		{"session without subject", []byte(`{"version":1,"session":{"issuer":"https://i.example","client_id":"c"}}`)},
		{"too large", append([]byte(`{"version":1,"last_email":"`), append(slices.Repeat([]byte("a"), maxMetadataSize), '"', '}')...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &Folder{Dir: t.TempDir()}
			path := filepath.Join(store.Dir, metadataName)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			m, err := store.Load()
			var ce *CorruptError
			if !errors.As(err, &ce) || m == nil || !reflect.DeepEqual(*m, Metadata{}) {
				t.Fatalf("Load = %+v, %v; want empty Metadata and a *CorruptError", m, err)
			}
			if ce.Path != path || !strings.HasPrefix(ce.SetAside, path+".corrupt-") {
				t.Errorf("CorruptError %+v: want Path %s and SetAside beside it", ce, path)
			}
			if aside, err := os.ReadFile(ce.SetAside); err != nil || !slices.Equal(aside, tt.data) {
				t.Errorf("set-aside file: %v; want the damaged bytes kept", err)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s still there after Load (%v)", path, err)
			}
			t.Logf("%v", err)
			if err := store.Save(sampleMetadata()); err != nil {
				t.Fatalf("Save after a corrupt file: %v", err)
			}
			if _, err := store.Load(); err != nil {
				t.Errorf("Load after Save: %v", err)
			}
		})
	}
}

func TestMetadataSaveFailsCleanly(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) (dir string)
		is    error
	}{
		{"folder under a regular file", func(t *testing.T) string {
			file := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(file, []byte("not a folder"), 0o600); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(file, "dialtone")
		}, syscall.ENOTDIR},
		{"folder not writable", readOnlyDir, fs.ErrPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" {
				t.Skip("permissions and error numbers differ on Windows")
			}
			dir := tt.setup(t)
			before, _ := os.ReadFile(filepath.Join(dir, metadataName))
			err := (&Folder{Dir: dir}).Save(sampleMetadata())
			t.Logf("Save: %v", err)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Save: %v; want an error naming %s and wrapping %v", err, dir, tt.is)
			}
			after, _ := os.ReadFile(filepath.Join(dir, metadataName))
			if !slices.Equal(before, after) {
				t.Errorf("the metadata file changed although Save failed")
			}
		})
	}
}

// TestMetadataSaveOnReadOnlyFileSystem saves into a folder bind-mounted
// read-only in a mount namespace of a child process. It needs root and
// unshare(1), so it runs on Linux CI machines as root and skips elsewhere.
func TestMetadataSaveOnReadOnlyFileSystem(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs root on Linux to mount a read-only folder")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare(1)")
	}
	dir := t.TempDir()
	old := []byte(`{"version":1,"last_email":"old@acme.example"}`)
	if err := os.WriteFile(filepath.Join(dir, metadataName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 99; exec "$2" -test.run='^TestMetadataHelperProcess$'`
	cmd := exec.Command("unshare", "-m", "sh", "-c", script, "sh", dir, os.Args[0])
	cmd.Env = append(os.Environ(), "DIALTONE_METADATA_HELPER_DIR="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 99 {
		t.Skipf("cannot mount a read-only folder here: %s", out)
	}
	t.Logf("Save on a read-only file system: %s", out)
	if err == nil || !strings.Contains(string(out), "could not save the session file") || !strings.Contains(string(out), "read-only file system") {
		t.Errorf("helper: %v, %q; want Save to fail with a read-only file system error", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, metadataName)); !slices.Equal(got, old) {
		t.Errorf("the metadata file is now %q, want it untouched", got)
	}
	checkOnly(t, dir, metadataName)
}

// readOnlyDir returns a folder holding an old metadata file that the
// test process cannot write to. Root ignores permissions, so as root the
// folder is made immutable (chattr +i, Linux), which binds root too.
func readOnlyDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, metadataName), []byte(`{"version":1,"last_email":"old@acme.example"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
		return dir
	}
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		t.Skipf("running as root and cannot make a folder immutable (chattr +i: %v %s)", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("chattr", "-i", dir).CombinedOutput(); err != nil {
			t.Errorf("chattr -i %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// faultyFile fails like a full disk: Write stores budget bytes and then
// fails, or Sync or Close fails.
type faultyFile struct {
	tempFile
	budget                      int
	writeErr, syncErr, closeErr error
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if f.writeErr == nil || len(p) <= f.budget {
		return f.tempFile.Write(p)
	}
	n, err := f.tempFile.Write(p[:f.budget])
	if err != nil {
		return n, err
	}
	return n, f.writeErr
}

func (f *faultyFile) Sync() error {
	if f.syncErr != nil {
		return f.syncErr
	}
	return f.tempFile.Sync()
}

func (f *faultyFile) Close() error {
	err := f.tempFile.Close()
	if f.closeErr != nil {
		return f.closeErr
	}
	return err
}

func TestMetadataSaveDiskFull(t *testing.T) {
	tests := []struct {
		name string
		file faultyFile
		is   error
	}{
		{"write fails half-way", faultyFile{budget: 10, writeErr: syscall.ENOSPC}, syscall.ENOSPC},
		{"write fails at once", faultyFile{writeErr: syscall.ENOSPC}, syscall.ENOSPC},
		{"sync fails", faultyFile{syncErr: syscall.EIO}, syscall.EIO},
		{"close fails", faultyFile{closeErr: syscall.ENOSPC}, syscall.ENOSPC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			old := []byte(`{"version":1,"last_email":"old@acme.example"}`)
			if err := os.WriteFile(filepath.Join(dir, metadataName), old, 0o600); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			faulty := func(root *os.Root, name string) (tempFile, error) {
				f, err := createTemp(root, name)
				file := tt.file
				file.tempFile = f
				return &file, err
			}
			data, err := encodeMetadata(sampleMetadata())
			if err != nil {
				t.Fatal(err)
			}
			if err := writeFileAtomic(root, metadataName, data, faulty); !errors.Is(err, tt.is) {
				t.Errorf("writeFileAtomic: %v, want %v", err, tt.is)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, metadataName)); !slices.Equal(got, old) {
				t.Errorf("the metadata file is now %q, want the old one untouched", got)
			}
			checkOnly(t, dir, metadataName)
		})
	}
}

// TestMetadataPermissions checks modes 0600 and 0700 whatever the umask
// (set in a child process) and whatever the modes were before.
func TestMetadataPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix modes")
	}
	for _, umask := range []string{"000", "022", "277"} {
		t.Run("umask "+umask, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "config", "dialtone")
			cmd := exec.Command("sh", "-c", `umask "$1" && exec "$2" -test.run='^TestMetadataHelperProcess$'`, "sh", umask, os.Args[0])
			cmd.Env = append(os.Environ(), "DIALTONE_METADATA_HELPER_DIR="+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			checkMode(t, dir, 0o700|fs.ModeDir)
			checkMode(t, filepath.Join(dir, metadataName), 0o600)
			checkMode(t, filepath.Join(dir, lockName), 0o600)
		})
	}
	t.Run("loose modes before", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, metadataName), []byte(`{"version":1}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := (&Folder{Dir: dir}).Save(sampleMetadata()); err != nil {
			t.Fatal(err)
		}
		checkMode(t, dir, 0o700|fs.ModeDir)
		checkMode(t, filepath.Join(dir, metadataName), 0o600)
	})
}

// TestMetadataHelperProcess is not a test: TestMetadataPermissions runs the
// test binary again under another umask, with the folder in an
// environment variable, to Save and Lock there.
func TestMetadataHelperProcess(t *testing.T) {
	dir := os.Getenv("DIALTONE_METADATA_HELPER_DIR")
	if dir == "" {
		return
	}
	store := &Folder{Dir: dir}
	err := store.Save(sampleMetadata())
	if err == nil {
		var unlock func() error
		unlock, err = store.Lock(t.Context())
		if err == nil {
			err = unlock()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestMetadataStaysInsideDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	outside := filepath.Join(t.TempDir(), "outside.json")
	if err := os.WriteFile(outside, []byte(`{"version":1,"last_email":"outside@acme.example"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, metadataName)); err != nil {
		t.Fatal(err)
	}
	store := &Folder{Dir: dir}
	if m, err := store.Load(); err == nil || m.LastEmail != "" {
		t.Errorf("Load through a link leading out of Dir = %+v, %v; want an error and empty Metadata", m, err)
	}
	if err := store.Save(sampleMetadata()); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got, _ := os.ReadFile(outside); string(got) != `{"version":1,"last_email":"outside@acme.example"}` {
		t.Errorf("Save wrote outside Dir: %s is now %q", outside, got)
	}
	checkMode(t, filepath.Join(dir, metadataName), 0o600)

	for _, bad := range []string{"relative/dialtone", "."} {
		if err := (&Folder{Dir: bad}).Save(sampleMetadata()); err == nil {
			t.Errorf("Save with Dir %q succeeded, want an error", bad)
		}
	}
}

func TestMetadataDefaultDir(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config) // Linux, BSD
	t.Setenv("HOME", config)            // macOS: $HOME/Library/Application Support
	t.Setenv("AppData", config)         // Windows
	t.Setenv("home", config)            // Plan 9
	if err := (&Folder{}).Save(sampleMetadata()); err != nil {
		t.Fatal(err)
	}
	want, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(want, "dialtone", metadataName)); err != nil {
		t.Errorf("Save with no Dir did not write under os.UserConfigDir()/dialtone: %v", err)
	}
}

// TestMetadataHoldsNoSecrets lists every field the metadata file can hold
// and fails on any name that suggests a secret, unless it is known not to
// be one. A new field named like a token must be looked at, not stored.
func TestMetadataHoldsNoSecrets(t *testing.T) {
	allowed := map[string]string{
		"session.access_token_expiry":                                  "a time",
		"session.refreshed_at":                                         "a time",
		"session.refreshed_at_seal":                                    "an HMAC of a time; its key is derived from the token, which it does not reveal",
		"session.provider.client_secret":                               "not confidential by contract (see idp.Provider)",
		"directory.*.list.providers[].client_secret":                   "not confidential by contract (see idp.Provider)",
		"discovery.*.document.token_endpoint":                          "a URL",
		"discovery.*.document.jwks_uri":                                "a URL",
		"discovery.*.document.token_endpoint_auth_methods_supported[]": "method names",
		"discovery.*.document.code_challenge_methods_supported[]":      "method names",
		"discovery.*.document.id_token_signing_alg_values_supported[]": "algorithm names",
		"discovery.*.jwks":                                             "public keys",
		"discovery.*.jwks_fetched_at":                                  "a time",
	}
	suspicious := regexp.MustCompile(`(?i)token|code|verifier|nonce|state|secret|password|refresh|credential|cookie|jwk`)
	for _, path := range jsonPaths(reflect.TypeFor[Metadata](), "") {
		if suspicious.MatchString(path) && allowed[path] == "" {
			t.Errorf("metadata field %s may hold a secret: secrets go to the Keyring only", path)
		}
	}
}

// jsonPaths lists the JSON paths of the leaves of type typ.
func jsonPaths(typ reflect.Type, prefix string) []string {
	switch typ.Kind() {
	case reflect.Pointer:
		return jsonPaths(typ.Elem(), prefix)
	case reflect.Map:
		return jsonPaths(typ.Elem(), prefix+".*")
	case reflect.Slice:
		if typ == reflect.TypeFor[json.RawMessage]() {
			return []string{prefix}
		}
		return jsonPaths(typ.Elem(), prefix+"[]")
	case reflect.Struct:
		if typ == reflect.TypeFor[time.Time]() {
			return []string{prefix}
		}
		var paths []string
		for _, f := range reflect.VisibleFields(typ) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || f.Anonymous || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			paths = append(paths, jsonPaths(f.Type, strings.TrimPrefix(prefix+"."+name, "."))...)
		}
		return paths
	}
	return []string{prefix}
}

func TestMetadataCacheProviders(t *testing.T) {
	var m Metadata
	base := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	m.CacheProviders("  Agent@ACME.example ", idp.ProviderList{Account: "acme"}, base, "")
	if got, ok := m.ProvidersFor("agent@acme.example"); !ok || got.List.Account != "acme" || !got.FetchedAt.Equal(base) {
		t.Errorf("ProvidersFor = %+v, %v; want the answer cached under the lower-case address", got, ok)
	}
	for i := range maxCachedEmails + 5 {
		m.CacheProviders(fmt.Sprintf("agent%d@acme.example", i), idp.ProviderList{}, base.Add(time.Duration(i+1)*time.Minute), "")
	}
	if len(m.Directory) != maxCachedEmails {
		t.Errorf("the directory cache holds %d answers, want %d", len(m.Directory), maxCachedEmails)
	}
	if _, ok := m.ProvidersFor("agent@acme.example"); ok {
		t.Error("the oldest answer was kept, want it dropped")
	}
	if _, ok := m.ProvidersFor(fmt.Sprintf("agent%d@acme.example", maxCachedEmails+4)); !ok {
		t.Error("the newest answer was dropped")
	}
}

// TestLockRemovesOrphanedTemporaryFiles: a Save interrupted by a crash
// leaves session.json.tmp-*; the next Lock removes those old enough to be
// nobody's.
func TestLockRemovesOrphanedTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	old, fresh := filepath.Join(dir, "session.json.tmp-OLD"), filepath.Join(dir, "session.json.tmp-NEW")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * orphanAge)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	unlock, err := (&Folder{Dir: dir}).Lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := os.Stat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the orphaned temporary file is still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a temporary file another process may be writing was removed: %v", err)
	}
}
