package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/internal/keyring"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/broker"
	"dialtone/internal/demo"
	"dialtone/internal/directory"
	"dialtone/internal/idp"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// These tests run the demo as `dialtone --demo` does, on free loopback
// ports, and sign in with Dialtone's real client. With
// DIALTONE_REAL_KEYRING=1 (set by .ci/with-keyring) refresh tokens go to a
// real Secret Service; otherwise to go-keyring's in-memory mock.

const acme = "agent@acme.test"

// startDemo starts a demo with opts and closes it when the test ends.
func startDemo(t *testing.T, opts demo.Options) *demo.Demo {
	t.Helper()
	d, err := demo.Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// freeOptions uses free ports and a state directory that Start creates.
func freeOptions(t *testing.T) demo.Options {
	return demo.Options{StateDir: filepath.Join(t.TempDir(), "state"), IssuerAddr: "127.0.0.1:0", DirectoryAddr: "127.0.0.1:0", RegistrarAddr: "127.0.0.1:0"}
}

// sameAddresses returns opts with the ports d got, for a restart.
func sameAddresses(t *testing.T, opts demo.Options, d *demo.Demo) demo.Options {
	t.Helper()
	opts.IssuerAddr, opts.DirectoryAddr = hostOf(t, d.Issuer), hostOf(t, d.DirectoryURL)
	return opts
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("url %q: %v", raw, err)
	}
	return u.Host
}

// agentMachine is one agent's computer: a keyring and a config directory.
type agentMachine struct {
	keyring *keyring.Store
	config  string
}

// newAgentMachine returns a machine with a keyring service of its own, so
// that two machines of a test keep two sessions.
func newAgentMachine(t *testing.T) *agentMachine {
	t.Helper()
	if os.Getenv("DIALTONE_REAL_KEYRING") != "1" {
		mockKeyring.Do(keyring.MockInit)
	}
	service := fmt.Sprintf("dialtone-test-%s-%d", t.Name(), machines.Add(1))
	return &agentMachine{keyring: &keyring.Store{Service: service}, config: t.TempDir()}
}

var (
	mockKeyring sync.Once
	machines    atomic.Int64
)

// sessions is one Dialtone process on the machine.
func (m *agentMachine) sessions(b auth.Browser) *session.Store {
	return session.NewStore(auth.NewClient(auth.Config{Browser: b, Timeout: time.Minute}), m.keyring, &session.Folder{Dir: m.config})
}

// refreshToken is the refresh token the keyring holds for the session. The
// keyring item is "dialtone-session:v1:" and a JSON object with the token
// and its issuer (internal/session).
func (m *agentMachine) refreshToken(t *testing.T) string {
	t.Helper()
	rec := m.sessions(nil).Stored()
	if rec == nil {
		t.Fatal("no stored session")
	}
	item, err := m.keyring.Get(t.Context(), rec.SecretKey())
	if err != nil {
		t.Fatalf("keyring: %v", err)
	}
	var stored struct {
		RefreshToken string `json:"refresh_token"`
	}
	rest, ok := strings.CutPrefix(item, "dialtone-session:v1:")
	if !ok || json.Unmarshal([]byte(rest), &stored) != nil || stored.RefreshToken == "" {
		t.Fatal("the keyring item holds no stored session")
	}
	return stored.RefreshToken
}

// lookup asks the demo's directory, as the email screen does.
func lookup(t *testing.T, d *demo.Demo, email string) *idp.ProviderList {
	t.Helper()
	list, err := (&directory.Client{URL: d.DirectoryURL}).Lookup(t.Context(), email)
	if err != nil {
		t.Fatalf("Lookup(%s): %v", email, err)
	}
	return list
}

// login signs in with the only enforced provider of typed's account, as
// signedIn at the provider's login page.
func login(t *testing.T, d *demo.Demo, m *agentMachine, typed string, b *authtest.FormBrowser) (*session.Session, error) {
	t.Helper()
	enforced := lookup(t, d, typed).Offered()
	if len(enforced) != 1 {
		t.Fatalf("%s: %d enforced providers, want 1", typed, len(enforced))
	}
	s, err := m.sessions(b).Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: enforced[0], Email: typed}})
	if werr := b.Err(); err != nil && werr != nil {
		t.Logf("browser walk: %v", werr)
	}
	return s, err
}

func TestDirectoryAnswersForTheDemoProvider(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	tests := []struct {
		email     string
		providers int
		enforced  bool
		line      *sipaddr.Config
	}{
		{"agent@acme.test", 1, true, &sipaddr.Config{Registrar: d.Registrar, Resource: demo.LineResource}},
		{"agent@globex.test", 2, false, nil},
		{"agent@initech.test", 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			list := lookup(t, d, tt.email)
			if len(list.Providers) != tt.providers {
				t.Fatalf("got %d providers, want %d: %+v", len(list.Providers), tt.providers, list.Providers)
			}
			for _, p := range list.Providers {
				issuer, client := d.Issuer, demo.ClientID
				if p.ID == "globex-contractors" { // Brokered: the desktop signs in at the broker
					issuer, client = d.DirectoryURL+"/broker", broker.DefaultClientID
				}
				if p.Issuer != issuer || p.ClientID != client || p.ClientSecret != "" || p.Enforced != tt.enforced {
					t.Errorf("provider %s: issuer %q, client %q, secret set %v, enforced %v; want %q, %q, no secret, enforced %v",
						p.ID, p.Issuer, p.ClientID, p.ClientSecret != "", p.Enforced, issuer, client, tt.enforced)
				}
			}
			if (list.Line == nil) != (tt.line == nil) || list.Line != nil && *list.Line != *tt.line {
				t.Errorf("line = %+v, want %+v", list.Line, tt.line)
			}
		})
	}
}

// TestSignInThenSilentlyAfterRestart is the demo's promise: sign in once in
// the browser, restart the demo (and Dialtone), and be signed in without
// the browser.
func TestSignInThenSilentlyAfterRestart(t *testing.T) {
	opts := freeOptions(t)
	d := startDemo(t, opts)
	opts = sameAddresses(t, opts, d)
	m := newAgentMachine(t)

	s, err := login(t, d, m, acme, &authtest.FormBrowser{Username: acme, Password: demo.Password})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if s.Email != acme || s.Name != "Ada Agent" || s.Issuer != d.Issuer || !s.HasRefreshToken() || s.KeyringErr != nil {
		t.Fatalf("session = %v, name %q, refresh token %v, keyring error %v; want %s (Ada Agent) at %s, stored with a refresh token",
			s, s.Name, s.HasRefreshToken(), s.KeyringErr, acme, d.Issuer)
	}
	first := m.refreshToken(t)

	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	d = startDemo(t, opts)
	s, err = m.sessions(noBrowser{t}).Resume(t.Context())
	if err != nil {
		t.Fatalf("Resume after the demo restarted: %v", err)
	}
	if s.Email != acme || s.AccessToken() == "" {
		t.Errorf("resumed = %v, want %s with an access token", s, acme)
	}
	second := m.refreshToken(t)
	if second == first {
		t.Error("the refresh token was not rotated")
	}
	if code := refreshGrant(t, d, first); code != "invalid_grant" {
		t.Errorf("refresh with the rotated-out token: %q, want invalid_grant", code)
	}
	assertNotOnDisk(t, []string{first, second}, opts.StateDir, m.config)
}

// TestBrokeredGlobexSignsInThroughTheBroker: Globex's contractors sign in
// through the directory's broker, which signs in at the demo provider as
// its confidential client; after a restart of the demo the session renews
// silently (the broker's state and key are in the state directory).
func TestBrokeredGlobexSignsInThroughTheBroker(t *testing.T) {
	opts := freeOptions(t)
	d := startDemo(t, opts)
	opts = sameAddresses(t, opts, d)
	m := newAgentMachine(t)
	const globex = "agent@globex.test"
	p, ok := lookup(t, d, globex).Find("globex-contractors")
	if !ok {
		t.Fatal("globex has no globex-contractors")
	}
	b := &authtest.FormBrowser{Username: globex, Password: demo.Password}
	s, err := m.sessions(b).Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: p, Email: globex}})
	if err != nil {
		t.Fatalf("Login through the broker: %v (browser: %v)", err, b.Err())
	}
	if s.Issuer != d.DirectoryURL+"/broker" || s.Email != globex || s.Name != "Gus Globex" {
		t.Fatalf("session = %v, name %q; want %s at the broker", s, s.Name, globex)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	startDemo(t, opts)
	if s, err = m.sessions(noBrowser{t}).Resume(t.Context()); err != nil || s.Email != globex {
		t.Fatalf("Resume at the broker after a restart: %v, %v", s, err)
	}
}

func TestLogoutRevokesAtTheProvider(t *testing.T) {
	opts := freeOptions(t)
	d := startDemo(t, opts)
	opts = sameAddresses(t, opts, d)
	m := newAgentMachine(t)
	if _, err := login(t, d, m, acme, &authtest.FormBrowser{Username: acme, Password: demo.Password}); err != nil {
		t.Fatalf("Login: %v", err)
	}
	rt := m.refreshToken(t)

	res, err := m.sessions(nil).Logout(t.Context(), false)
	if err != nil || !res.Revoked {
		t.Fatalf("Logout = %+v, %v; want revoked", res, err)
	}
	if code := refreshGrant(t, d, rt); code != "invalid_grant" {
		t.Errorf("refresh after logout: %q, want invalid_grant", code)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	d = startDemo(t, opts)
	if code := refreshGrant(t, d, rt); code != "invalid_grant" {
		t.Errorf("refresh after logout and a restart: %q, want invalid_grant (the revocation must be saved)", code)
	}
}

func TestWrongPasswordIsRejected(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	m := newAgentMachine(t)
	b := &authtest.FormBrowser{Username: acme, Password: "not-the-password"}
	// A person would give up at the form; Dialtone's Cancel ends the wait.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	giveUp := func(string, error) {
		go func() { <-b.Done(); cancel() }()
	}
	_, err := m.sessions(b).Login(ctx, session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: lookup(t, d, acme).Providers[0], Email: acme, OnBrowser: giveUp}})
	if !errors.Is(err, auth.ErrCancelled) {
		t.Fatalf("Login with a wrong password = %v, want it cancelled at the form", err)
	}
	if werr := b.Wait(t.Context()); !errors.Is(werr, authtest.ErrLoginRejected) {
		t.Errorf("browser walk = %v, want the login form shown again", werr)
	}
}

func TestAnotherUserAtTheProviderIsAMismatch(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	m := newAgentMachine(t)
	_, err := login(t, d, m, acme, &authtest.FormBrowser{Username: "agent@initech.test", Password: demo.Password})
	var ee *auth.EmailError
	if !errors.As(err, &ee) || ee.Problem != auth.EmailMismatch || ee.Got != "agent@initech.test" {
		t.Fatalf("Login as another user = %v, want an email mismatch", err)
	}
}

func TestSigningKeySurvivesRestart(t *testing.T) {
	opts := freeOptions(t)
	d := startDemo(t, opts)
	opts = sameAddresses(t, opts, d)
	before := keyIDs(t, d)
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	d = startDemo(t, opts)
	if after := keyIDs(t, d); len(before) != 1 || strings.Join(after, ",") != before[0] {
		t.Errorf("key IDs before %v, after a restart %v; want one, the same", before, after)
	}
	assertMode(t, opts.StateDir, 0o700)
	assertMode(t, filepath.Join(opts.StateDir, "provider-state.json"), 0o600)
}

// TestPortInUse: a taken port of any of the demo's servers stops the start
// with a ListenError that names it, and lets the other ports go.
func TestPortInUse(t *testing.T) {
	tests := []struct {
		name, network string
		set           func(*demo.Options, string)
	}{
		{"identity provider", "tcp", func(o *demo.Options, a string) { o.IssuerAddr = a }},
		{"provider directory", "tcp", func(o *demo.Options, a string) { o.DirectoryAddr = a }},
		{"phone registrar", "tcp", func(o *demo.Options, a string) { o.RegistrarAddr = a }},
		{"phone registrar", "udp", func(o *demo.Options, a string) { o.RegistrarAddr = a }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.network, func(t *testing.T) {
			taken := take(t, tt.network)
			opts := freeOptions(t)
			tt.set(&opts, taken)
			_, err := demo.Start(t.Context(), opts)
			var le *demo.ListenError
			if !errors.As(err, &le) || !le.InUse || le.Server != tt.name || !strings.Contains(err.Error(), taken) || !strings.Contains(err.Error(), "another Dialtone demo") {
				t.Fatalf("Start with %s taken = %v, want a ListenError of the %s naming it and asking about another demo", taken, err, tt.name)
			}
			tt.set(&opts, "127.0.0.1:0")
			startDemo(t, opts) // the other servers' sockets were closed
		})
	}
}

// take listens on a free loopback port with network until the test ends,
// and returns its address.
func take(t *testing.T, network string) string {
	t.Helper()
	var c io.Closer
	var addr string
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, addr = pc, pc.LocalAddr().String()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c, addr = ln, ln.Addr().String()
	}
	t.Cleanup(func() { c.Close() })
	return addr
}

func TestOnlyLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "192.0.2.1:0", "nonsense"} {
		for _, server := range []string{"directory", "registrar"} {
			opts := freeOptions(t)
			if server == "directory" {
				opts.DirectoryAddr = addr
			} else {
				opts.RegistrarAddr = addr
			}
			_, err := demo.Start(t.Context(), opts)
			var le *demo.ListenError
			if !errors.As(err, &le) || le.InUse {
				t.Errorf("Start with the %s on %q = %v, want a ListenError", server, addr, err)
			}
		}
	}
}

func TestInstructions(t *testing.T) {
	d := startDemo(t, freeOptions(t))
	got := d.Instructions()
	for _, want := range []string{d.Issuer, d.DirectoryURL, d.Registrar, demo.LineResource, demo.Password, "agent@acme.test", "agent@globex.test", "agent@initech.test", d.AdminToken} {
		if !strings.Contains(got, want) {
			t.Errorf("Instructions lack %q:\n%s", want, got)
		}
	}
}

// noBrowser fails the test if a sign-in opens the browser.
type noBrowser struct{ t *testing.T }

func (b noBrowser) Open(context.Context, string) error {
	b.t.Error("the browser was opened")
	return errors.New("no browser in this test")
}

// refreshGrant spends rt at the demo's token endpoint and returns the
// OAuth error code, or "" on success.
func refreshGrant(t *testing.T, d *demo.Demo, rt string) string {
	t.Helper()
	resp, err := http.PostForm(d.Issuer+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {demo.ClientID}})
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token response: %v", err)
	}
	return body.Error
}

// keyIDs returns the kid of every key the provider publishes.
func keyIDs(t *testing.T, d *demo.Demo) []string {
	t.Helper()
	resp, err := http.Get(d.Issuer + "/keys")
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("keys: %v", err)
	}
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.Kid)
	}
	return ids
}

// assertNotOnDisk fails if any file below dirs contains one of secrets.
func assertNotOnDisk(t *testing.T, secrets []string, dirs ...string) {
	t.Helper()
	files := 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			for _, s := range secrets {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s holds a refresh token", path)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s: %v", dir, err)
		}
	}
	if files < 3 {
		t.Errorf("scanned %d files, want at least the provider state, the directory and the session metadata", files)
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", path, got, want)
	}
}
