package dirserver

import (
	"bytes"
	"context"
	"dialtone/internal/dirstore/dirstoretest"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// send makes an admin API request with extra headers and returns the
// status, ETag and body.
func (d *testDir) send(t testing.TB, method, path string, body any, header map[string]string) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, d.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("ETag"), data
}

// TestParallelAccountSavesLoseNoUpdate has 20 writers each add their own
// user to one account by read-modify-write with If-Match, at once. Every
// save answers 200 or 412; a writer that got 412 reads again and retries;
// at the end all 20 users are there.
func TestParallelAccountSavesLoseNoUpdate(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}})
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				for {
					_, tag, data := d.send(t, "GET", "/admin/v1/accounts/acme", nil, nil)
					var a Account
					if err := json.Unmarshal(data, &a); err != nil {
						t.Error(err)
						return
					}
					a.Users = append(a.Users, fmt.Sprintf("user%02d@example.net", i))
					status, _, _ := d.send(t, "PUT", "/admin/v1/accounts/acme", a, map[string]string{"If-Match": tag})
					mu.Lock()
					statuses[status]++
					mu.Unlock()
					if status != http.StatusPreconditionFailed {
						return
					}
				}
			})
		}
		wg.Wait()
		if len(statuses) > 2 || statuses[200] != 20 {
			t.Errorf("statuses %v, want 20 × 200 and the rest 412", statuses)
		}
		a, err := d.Account(context.Background(), "acme")
		if err != nil || len(a.Users) != 20 {
			t.Errorf("acme has %d users (%v), want all 20: an update was lost", len(a.Users), err)
		}
	})
}

func TestAdminAPIConditionalWrites(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		acme := Account{Domains: []string{"acme.test"}}
		provider := ProviderInput{Type: "oidc", Issuer: "https://idp.example.com", ClientID: "c"}
		status, created, _ := d.send(t, "PUT", "/admin/v1/accounts/acme", acme, nil)
		if status != 200 || created == "" {
			t.Fatalf("create without If-Match: %d ETag %q, want 200 with an ETag", status, created)
		}
		d.mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/p", provider)
		_, current, _ := d.send(t, "GET", "/admin/v1/accounts/acme", nil, nil)
		if current == created {
			t.Errorf("the account's ETag %s did not change when a provider was added", current)
		}
		_, providerTag, _ := d.send(t, "GET", "/admin/v1/accounts/acme/providers/p", nil, nil)
		tests := []struct {
			name, method, path string
			body               any
			header             map[string]string
			want               int
		}{
			{"replace without If-Match", "PUT", "/admin/v1/accounts/acme", acme, nil, 428},
			{"replace with a stale ETag", "PUT", "/admin/v1/accounts/acme", acme, map[string]string{"If-Match": created}, 412},
			{"replace with a weak ETag", "PUT", "/admin/v1/accounts/acme", acme, map[string]string{"If-Match": "W/" + current}, 412},
			{"create only, but it exists", "PUT", "/admin/v1/accounts/acme", acme, map[string]string{"If-None-Match": "*"}, 412},
			{"If-Match * on a new account", "PUT", "/admin/v1/accounts/globex", Account{Domains: []string{}}, map[string]string{"If-Match": "*"}, 412},
			{"provider replace without If-Match", "PUT", "/admin/v1/accounts/acme/providers/p", provider, nil, 428},
			{"toggle with a stale ETag", "PATCH", "/admin/v1/accounts/acme/providers/p", ProviderFlags{Enabled: ptr(true)}, map[string]string{"If-Match": `"999"`}, 412},
			{"delete with a stale ETag", "DELETE", "/admin/v1/accounts/acme/providers/p", nil, map[string]string{"If-Match": `"999"`}, 412},
			{"delete the account with a stale ETag", "DELETE", "/admin/v1/accounts/acme", nil, map[string]string{"If-Match": created}, 412},
			{"toggle without If-Match", "PATCH", "/admin/v1/accounts/acme/providers/p", ProviderFlags{Enabled: ptr(true)}, nil, 200},
			{"provider replace with the ETag read before the toggle", "PUT", "/admin/v1/accounts/acme/providers/p", provider, map[string]string{"If-Match": providerTag}, 412},
		}
		for _, tt := range tests {
			if status, _, body := d.send(t, tt.method, tt.path, tt.body, tt.header); status != tt.want {
				t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.want)
			}
		}
		_, current, _ = d.send(t, "GET", "/admin/v1/accounts/acme", nil, nil)
		status, next, _ := d.send(t, "PUT", "/admin/v1/accounts/acme", Account{Title: "Acme", Domains: []string{"acme.test"}}, map[string]string{"If-Match": current})
		if status != 200 || next == current || next == "" {
			t.Errorf("replace with the current ETag: %d ETag %q (was %q), want 200 and a new ETag", status, next, current)
		}
	})
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// TestAdminPageStaleFormDoesNotOverwrite opens the account page, lets
// someone else change the account through the API, then saves the page's
// account form and a provider's edit form: both say the account was
// changed and nothing is overwritten.
func TestAdminPageStaleFormDoesNotOverwrite(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		d := newTestDirOn(t, b, Options{})
		if err := d.Seed(context.Background(), SeedOptions{}); err != nil {
			t.Fatal(err)
		}
		c := newPageClient(t, d)
		csrf := c.signIn()
		_, page := c.get("/admin/accounts/acme")
		versions := versionField.FindAllStringSubmatch(page, -1)
		if len(versions) != 2 { // the provider's edit form, then the account's form
			t.Fatalf("the page has %d version fields, want 2", len(versions))
		}
		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme", Account{Domains: []string{"acme.test"}, Users: []string{"someone.else@example.net"}})
		d.withHeader("If-Match", "*").mustAPI(t, 200, "PUT", "/admin/v1/accounts/acme/providers/acme-sso", ProviderInput{Type: "oidc", Name: "Changed elsewhere", Issuer: "https://other.example.com", ClientID: "c", Enabled: true})

		status, body := c.post("/admin/accounts/acme", url.Values{"csrf": {csrf}, "version": {versions[1][1]}, "title": {"Mine"}, "domains": {"acme.test"}}, d.URL)
		if status != http.StatusConflict || !strings.Contains(body, "Someone else changed this account") {
			t.Errorf("stale account form: %d, want 409 saying someone else changed it", status)
		}
		form := url.Values{"csrf": {csrf}, "id": {"acme-sso"}, "version": {versions[0][1]}, "type": {"oidc"}, "name": {"Mine"},
			"issuer": {"https://mine.example.com"}, "client_id": {"c"}, "userinfo_method": {"GET"}, "action": {"save"}}
		status, body = c.post("/admin/accounts/acme/providers", form, d.URL)
		if status != http.StatusConflict || !strings.Contains(body, "Someone else changed this account") {
			t.Errorf("stale provider form: %d, want 409 saying someone else changed it", status)
		}
		a, err := d.Account(context.Background(), "acme")
		if err != nil || !slices.Equal(a.Users, []string{"someone.else@example.net"}) || a.Title != "" || a.Providers[0].Name != "Changed elsewhere" {
			t.Errorf("after the stale forms acme = %+v, %v; want the other change kept", a, err)
		}
	})
}
