package dirserver

import (
	"bytes"
	"context"
	"dialtone/internal/dirstore/dirstoretest"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const testToken = "test-admin-token-0123456789"

// testDir is a directory on a real SQLite file, served on 127.0.0.1.
type testDir struct {
	*Server
	URL  string
	Path string
	http *httptest.Server
	// header is added to every admin API request (see withHeader).
	header http.Header
}

// withHeader returns d sending header k: v with every API request, such
// as If-Match: * to replace what is there.
func (d *testDir) withHeader(k, v string) *testDir {
	c := *d
	c.header = d.header.Clone()
	if c.header == nil {
		c.header = http.Header{}
	}
	c.header.Set(k, v)
	return &c
}

// newTestDir opens a directory on a new SQLite file.
func newTestDir(t testing.TB, opts Options) *testDir {
	t.Helper()
	path := filepath.Join(t.TempDir(), "directory.db")
	return openTestDir(t, path, opts)
}

// newTestDirOn opens a directory on a new database of backend b.
func newTestDirOn(t testing.TB, b dirstoretest.Backend, opts Options) *testDir {
	t.Helper()
	return openTestDir(t, b.NewDSN(t), opts)
}

func openTestDir(t testing.TB, path string, opts Options) *testDir {
	t.Helper()
	if opts.AdminToken == "" && !opts.ResetAdminToken {
		opts.AdminToken = testToken
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		s.Close()
	})
	return &testDir{Server: s, URL: srv.URL, Path: path, http: srv}
}

// api sends an admin API request with the test token and decodes a JSON
// answer into out (when not nil). It returns the status.
func (d *testDir) api(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	status, data := d.apiRaw(t, method, path, body, "Bearer "+testToken)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: could not decode %s: %v", method, path, data, err)
		}
	}
	return status
}

func (d *testDir) apiRaw(t testing.TB, method, path string, body any, authz string) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, d.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	for k, v := range d.header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// mustAPI is api that fails the test unless the status is want.
func (d *testDir) mustAPI(t testing.TB, want int, method, path string, body any) {
	t.Helper()
	var e apiError
	if got := d.api(t, method, path, body, &e); got != want {
		t.Fatalf("%s %s = %d %+v, want %d", method, path, got, e, want)
	}
}

// lookupRaw asks the public lookup for email.
func (d *testDir) lookupRaw(t testing.TB, email string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.URL+"/v1/sso/providers?email="+email, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func ptr[T any](v T) *T { return &v }

// fakeOP is a minimal OpenID provider on 127.0.0.1: a discovery document
// (changed by edit) and a JWKS (jwks, or a real-looking key when empty).
func fakeOP(t testing.TB, edit func(doc map[string]any), jwks string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if jwks == "" {
		jwks = `{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"k1","n":"sXch","e":"AQAB"}]}`
	}
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		doc := map[string]any{
			"issuer":                                srv.URL,
			"authorization_endpoint":                srv.URL + "/authorize",
			"token_endpoint":                        srv.URL + "/token",
			"jwks_uri":                              srv.URL + "/jwks",
			"userinfo_endpoint":                     srv.URL + "/userinfo",
			"scopes_supported":                      []string{"openid", "email", "profile", "offline_access"},
			"code_challenge_methods_supported":      []string{"S256"},
			"token_endpoint_auth_methods_supported": []string{"none", "client_secret_basic"},
		}
		if edit != nil {
			edit(doc)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(jwks, "status:") {
			var code int
			fmt.Sscanf(jwks, "status:%d", &code)
			w.WriteHeader(code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, jwks)
	})
	return srv
}

// syncBuffer collects a server's log while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// getRaw sends a GET without credentials and returns the status and body.
func (d *testDir) getRaw(t testing.TB, path string) (int, string) {
	t.Helper()
	status, body := d.apiRaw(t, "GET", path, nil, "")
	return status, string(body)
}
