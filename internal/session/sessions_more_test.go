package session

import (
	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/keyring/keyringtest"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestResumeRefreshesStaleDiscoveryInBackground(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	store := &Folder{Dir: f.dir}
	meta, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	cached := meta.Discovery[f.op.Issuer]
	cached.Document.FetchedAt = time.Now().Add(-25 * time.Hour)
	meta.Discovery[f.op.Issuer] = cached
	if err := store.Save(meta); err != nil {
		t.Fatal(err)
	}
	before := f.op.Count("/.well-known/openid-configuration")
	if _, err := f.newSessions().Resume(t.Context()); err != nil {
		t.Fatalf("Resume with a stale discovery cache: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		meta, _ := store.Load()
		if time.Since(meta.Discovery[f.op.Issuer].Document.FetchedAt) < time.Hour {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stale discovery document was not refreshed (fetches: %d)", f.op.Count("/.well-known/openid-configuration")-before)
		}
		time.Sleep(20 * time.Millisecond) // polling a file another goroutine writes, with a deadline
	}
}

func TestUseAnotherAccountLeavesTheBrowserSession(t *testing.T) {
	tests := []struct {
		name       string
		advertised []string
		want       string
	}{
		{"provider lists select_account", []string{"none", "login", "consent", "select_account"}, "select_account"},
		{"provider lacks select_account", []string{"none", "login", "consent"}, "login"},
		{"provider lists nothing", nil, "select_account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			if tt.advertised != nil {
				f.op.Disc = func(d map[string]any) { d["prompt_values_supported"] = tt.advertised }
			}
			if _, err := f.sessions.Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test", Prompt: "select_account"}}); err != nil {
				t.Fatal(err)
			}
			if got := f.op.LastReq.Get("prompt"); got != tt.want {
				t.Errorf("prompt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoginWithoutSecretServiceWritesNoToken(t *testing.T) {
	f := newSessionsFixture(t)
	unreachable := errors.New("The name org.freedesktop.secrets was not provided by any .service files")
	k := &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{Err: unreachable}}
	s, err := NewStore(testClient(&authtest.FollowBrowser{}), k, &Folder{Dir: f.dir}).Login(t.Context(), LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}})
	if err != nil {
		t.Fatalf("Login without a Secret Service = %v, want a session for this run", err)
	}
	if !errors.Is(s.KeyringErr, keyring.ErrUnavailable) {
		t.Errorf("KeyringErr = %v, want an unavailable keyring", s.KeyringErr)
	}
	for _, dir := range []string{f.dir, os.TempDir()} {
		assertNotInTree(t, dir, s.RefreshToken())
		assertNotInTree(t, dir, s.AccessToken())
	}
}

func TestMetadataDirectoryCacheRoundTrip(t *testing.T) {
	c := DirectoryCache{Folder: &Folder{Dir: t.TempDir()}, Keys: &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{}}}
	if _, _, ok := c.Get("agent@acme.test"); ok {
		t.Fatal("empty cache answered")
	}
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	c.Put("agent@acme.test", &idp.ProviderList{Providers: []idp.Provider{{ID: "okta"}}}, at)
	list, got, ok := c.Get("Agent@Acme.test")
	if !ok || !got.Equal(at) || len(list.Providers) != 1 || list.Providers[0].ID != "okta" {
		t.Errorf("Get = %+v, %v, %v; want the okta list fetched at %v", list, got, ok, at)
	}
}

// The cached directory answer says where the next sign-in goes, and the
// file is not trusted: an answer edited on disk, moved to another address,
// or read while its key is gone from the keyring (or the keyring is out of
// reach) is not used.
func TestDirectoryCacheIsSealedByTheKeyring(t *testing.T) {
	at := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	answer := &idp.ProviderList{Account: "acme", Providers: []idp.Provider{{ID: "okta", Type: "okta", Issuer: "https://acme.okta.com", ClientID: "dialtone"}}}
	tests := []struct {
		name   string
		change func(t *testing.T, f *Folder, mem *keyringtest.Memory)
	}{
		{"the issuer edited", func(t *testing.T, f *Folder, _ *keyringtest.Memory) {
			editFile(t, f, "https://acme.okta.com", "https://evil.example")
		}},
		{"the client ID edited", func(t *testing.T, f *Folder, _ *keyringtest.Memory) {
			editFile(t, f, `"dialtone"`, `"other"`)
		}},
		{"the answer moved to another address", func(t *testing.T, f *Folder, _ *keyringtest.Memory) {
			editFile(t, f, `"agent@acme.test"`, `"boss@acme.test"`)
		}},
		{"the seal removed", func(t *testing.T, f *Folder, _ *keyringtest.Memory) {
			meta, err := f.Load()
			if err != nil {
				t.Fatal(err)
			}
			c := meta.Directory["agent@acme.test"]
			c.Seal = ""
			meta.Directory["agent@acme.test"] = c
			if err := f.Save(meta); err != nil {
				t.Fatal(err)
			}
		}},
		{"the key gone from the keyring", func(t *testing.T, _ *Folder, mem *keyringtest.Memory) {
			if err := mem.Delete("dialtone-test", cacheKeyName); err != nil {
				t.Fatal(err)
			}
		}},
		{"the keyring out of reach", func(t *testing.T, _ *Folder, mem *keyringtest.Memory) {
			mem.Err = errors.New("the name org.freedesktop.secrets was not provided by any .service files")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := &keyringtest.Memory{}
			f := &Folder{Dir: t.TempDir()}
			c := DirectoryCache{Folder: f, Keys: &keyring.Store{Service: "dialtone-test", Backend: mem}}
			c.Put("agent@acme.test", answer, at)
			if _, _, ok := c.Get("agent@acme.test"); !ok {
				t.Fatal("the untouched answer was not used")
			}
			tt.change(t, f, mem)
			for _, email := range []string{"agent@acme.test", "boss@acme.test"} {
				if list, _, ok := c.Get(email); ok {
					t.Errorf("Get(%s) = %+v after %s; want no answer", email, list, tt.name)
				}
			}
		})
	}
}

// editFile replaces old with new in the metadata file.
func editFile(t *testing.T, f *Folder, old, new string) {
	t.Helper()
	path := filepath.Join(f.Dir, metadataName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not hold %s", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(data), old, new)), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResumeAfterAnotherProcessFinishedUsesTheRotatedToken(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	if _, err := f.newSessions().Resume(t.Context()); err != nil { // process A refreshes and exits
		t.Fatal(err)
	}
	before := f.op.Count("/token")
	s, err := f.newSessions().Resume(t.Context()) // process B starts afterwards
	if err != nil || s.AccessToken() == "" {
		t.Fatalf("Resume after another process = %v, %v; want signed in with its own access token", s, err)
	}
	if got := f.op.Count("/token") - before; got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}
