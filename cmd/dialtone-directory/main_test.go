package main

import (
	"bytes"
	"context"
	"dialtone/internal/broker"
	"dialtone/internal/directory"
	"dialtone/internal/dirserver"
	"dialtone/internal/dirstore/dirstoretest"
	"dialtone/internal/ratelimit"
	"dialtone/internal/sealed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects run's output while it runs.
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

var listening = regexp.MustCompile(`listening on (http://\S+) `)

// start runs the command as main would and returns its base URL.
func start(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, out) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			stop := func() error { cancel(); return <-done }
			return m[1], out, stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run ended before listening: %v\n%s", err, out)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("run did not listen within 10 s:\n%s", out)
	return "", nil, nil
}

func TestRunServesSeedAndKeepsIt(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		db := b.NewDSN(t)
		base, out, stop := start(t, "-db", db, "-listen", "127.0.0.1:0", "-seed", "-seed-issuer", "https://idp.example.com")
		if !strings.Contains(out.String(), "admin token (shown once") {
			t.Errorf("the first start printed no admin token:\n%s", out)
		}
		if u, err := url.Parse(db); err == nil && u.User != nil {
			if password, _ := u.User.Password(); strings.Contains(out.String(), password) {
				t.Errorf("the output shows the database password:\n%s", out)
			}
		}
		list, err := (&directory.Client{URL: base}).Lookup(context.Background(), "agent@acme.test")
		if err != nil || len(list.Providers) != 1 || list.Providers[0].Issuer != "https://idp.example.com" || !list.Providers[0].Enforced {
			t.Fatalf("acme lookup = %+v, %v; want one enforced provider", list, err)
		}
		if err := stop(); err != nil {
			t.Fatalf("run after cancel: %v", err)
		}

		t.Setenv("DIALTONE_DIRECTORY_DB", db)
		base, out, stop = start(t, "-listen", "127.0.0.1:0")
		defer stop()
		if strings.Contains(out.String(), "admin token") {
			t.Errorf("the second start printed a token again:\n%s", out)
		}
		list, err = (&directory.Client{URL: base}).Lookup(context.Background(), "agent@globex.test")
		if err != nil || !slices.Equal([]string{list.Providers[0].ID, list.Providers[1].ID}, []string{"globex-sso", "globex-contractors"}) {
			t.Fatalf("globex after a restart from $DIALTONE_DIRECTORY_DB = %+v, %v", list, err)
		}
	})
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-listen", "0.0.0.0:8470"}, "plain HTTP is allowed only on"},
		{[]string{"-listen", "[::1]:8470"}, ""},
		{[]string{"-tls-cert", "c.pem"}, "give both"},
		{[]string{"-listen", "0.0.0.0:8470", "-tls-cert", "c.pem", "-tls-key", "k.pem"}, ""},
		{[]string{"-unknown", "all"}, "-unknown must be"},
		{[]string{"-unknown", "default"}, ""},
		{[]string{"-origin", "https://directory.example.com"}, ""},
		{[]string{"-origin", "https://directory.example.com/admin"}, "-origin"},
		{[]string{"-origin", "directory.example.com"}, "-origin"},
		{[]string{"-broker-token-limit", "2000,40/s", "-broker-session-limit", "off"}, ""},
		{[]string{"-broker-signin-limit", "300"}, "not BURST,RATE/UNIT"},
		{[]string{"-broker-session-limit", "10,2/day"}, "not s, min or h"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, &bytes.Buffer{})
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("parseFlags(%q) = %v, want %q", tt.args, err, tt.wantErr)
		}
	}
}

func TestBrokerLimitFlags(t *testing.T) {
	c, err := parseFlags([]string{"-broker-token-limit", "2000,40/s", "-broker-session-limit", "off",
		"-broker-userinfo-limit", "50,1/s", "-broker-endsession-limit", "off"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	got := c.options(nil).BrokerLimits
	want := broker.Limits{SignIn: broker.DefaultSignInLimit, Token: ratelimit.Policy{Burst: 2000, Rate: 40}, Session: ratelimit.Off,
		Metadata: broker.DefaultMetadataLimit, Userinfo: ratelimit.Policy{Burst: 50, Rate: 1}, EndSession: ratelimit.Off}
	if got != want {
		t.Errorf("BrokerLimits = %+v, want %+v", got, want)
	}
}

func TestRunBrokerNeedsTheKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "directory.db")
	_, out, stop := start(t, "-db", db, "-listen", "127.0.0.1:0")
	if !strings.Contains(out.String(), "Brokered mode is off: give -secret-key-file") {
		t.Errorf("without a key the output does not say Brokered mode is off:\n%s", out)
	}
	stop()

	var keyText bytes.Buffer
	if err := run(context.Background(), []string{"-new-secret-key"}, &keyText); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "directory.key")
	if err := os.WriteFile(keyFile, keyText.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"-db", db, "-listen", "127.0.0.1:0", "-secret-key-file", keyFile}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key file others may read = %v, want refused", err)
	}
	if err := os.Chmod(keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	base, out, stop := start(t, "-db", db, "-listen", "127.0.0.1:0", "-secret-key-file", keyFile)
	defer stop()
	if !strings.Contains(out.String(), "broker "+base+"/broker (redirect URI to register for Brokered providers: "+base+"/broker/idpresponse)") {
		t.Errorf("the output does not name the broker:\n%s", out)
	}
	resp, err := http.Get(base + "/broker/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct{ Issuer string }
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.Issuer != base+"/broker" {
		t.Errorf("the broker's discovery document names %q (%v), want %s/broker", doc.Issuer, err, base)
	}
	if strings.Contains(out.String(), strings.TrimSpace(keyText.String())) {
		t.Error("the output shows the secret key")
	}
	key, _ := sealed.ParseKey(keyText.String())
	if !strings.Contains(out.String(), "secret key "+key.ID()+" seals\n") {
		t.Errorf("the output does not name the key that seals:\n%s", out)
	}
}

// writeKey writes a key file of the given keys, newest first.
func writeKey(t *testing.T, keys ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "directory.key")
	if err := os.WriteFile(file, []byte(strings.Join(keys, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestResealSecrets runs -reseal-secrets on a directory whose Brokered
// provider's secret is sealed under the old key: with the new key first in
// the file it is re-sealed, a second pass finds it done, and a file
// without the key it was sealed under reports it and fails.
func TestResealSecrets(t *testing.T) {
	dirstoretest.Run(t, func(t *testing.T, b dirstoretest.Backend) {
		ctx := context.Background()
		db := b.NewDSN(t)
		oldText, newText, otherText := sealed.NewKeyText(), sealed.NewKeyText(), sealed.NewKeyText()
		oldKey, _ := sealed.ParseKey(oldText)
		newKey, _ := sealed.ParseKey(newText)
		srv, err := dirserver.Open(ctx, db, dirserver.Options{AdminToken: "reseal-test-admin-token", SecretKey: oldKey, BrokerIssuer: "http://127.0.0.1:1/broker"})
		if err != nil {
			t.Fatal(err)
		}
		secret := "the web app's secret"
		err = errors.Join(srv.SaveAccount(ctx, &dirserver.Account{Name: "acme", Domains: []string{"acme.test"}}),
			srv.SaveProvider(ctx, "acme", "okta", &dirserver.ProviderInput{Mode: dirserver.ModeBrokered, Type: "oidc",
				Issuer: "https://idp.example.com", ClientID: "web", ClientSecret: &secret}))
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}

		var out bytes.Buffer
		if err := run(ctx, []string{"-db", db, "-secret-key-file", writeKey(t, newText, oldText), "-reseal-secrets"}, &out); err != nil {
			t.Fatalf("-reseal-secrets: %v\n%s", err, &out)
		}
		for _, want := range []string{"under key " + newKey.ID(), "client secrets of Brokered providers: 1 re-sealed, 0 already under it",
			"keys " + oldKey.ID() + " can be retired"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("the first pass's output lacks %q:\n%s", want, &out)
			}
		}
		out.Reset()
		if err := run(ctx, []string{"-db", db, "-secret-key-file", writeKey(t, newText), "-reseal-secrets"}, &out); err != nil ||
			!strings.Contains(out.String(), "0 re-sealed, 1 already under it") {
			t.Errorf("a second pass with the old key retired: %v\n%s", err, &out)
		}
		out.Reset()
		err = run(ctx, []string{"-db", db, "-secret-key-file", writeKey(t, otherText), "-reseal-secrets"}, &out)
		if err == nil || !strings.Contains(out.String(), "1 open with none of the keys (providers account_id=") {
			t.Errorf("a pass without the key: %v\n%s; want the value named and an error", err, &out)
		}
		if strings.Contains(out.String(), secret) || strings.Contains(out.String(), newText) {
			t.Errorf("the output shows a secret:\n%s", &out)
		}
		if err := run(ctx, []string{"-db", db, "-reseal-secrets"}, &out); err == nil || !strings.Contains(err.Error(), "needs the secret key") {
			t.Errorf("-reseal-secrets without a key = %v", err)
		}
	})
}
