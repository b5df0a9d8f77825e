//go:build windows

package wincredcheck

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"dialtone/internal/keyring"
	"dialtone/internal/session"
)

// service is the keyring service the test writes under, apart from
// Dialtone's own.
const service = "dialtone-wincredcheck"

// itemLimit is Credential Manager's limit on one secret (CRED_MAX_CREDENTIAL_BLOB_SIZE).
const itemLimit = 2560

func newKeyring() *keyring.Store { return &keyring.Store{Service: service, Timeout: 30 * time.Second} }

// token returns n bytes that look like an opaque refresh token.
func token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// items counts the Credential Manager items holding key (the header) and
// its chunks key#1, key#2, … — the naming of keyring.Store — and fails when
// one is over itemLimit bytes.
func items(t *testing.T, key string) int {
	t.Helper()
	n := 0
	for i := 0; i <= 40; i++ {
		name := key
		if i > 0 {
			name = key + "#" + strconv.Itoa(i)
		}
		v, err := gokeyring.Get(service, name)
		if errors.Is(err, gokeyring.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("wincred Get(%q): %v", name, err)
		}
		if len(v) > itemLimit {
			t.Errorf("item %q holds %d bytes, over Credential Manager's %d", name, len(v), itemLimit)
		}
		n++
	}
	return n
}

func TestWincredRefusesABigSecretWhole(t *testing.T) {
	err := gokeyring.Set(service, "whole", token(6600))
	t.Cleanup(func() { gokeyring.Delete(service, "whole") })
	if !errors.Is(err, gokeyring.ErrSetDataTooBig) {
		t.Fatalf("go-keyring Set of 6600 bytes on wincred: %v, want ErrSetDataTooBig (why the keyring chunks)", err)
	}
}

func TestBigSecretRoundTripOnWincred(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		items int // header + chunks of at most 2000 bytes
	}{
		{"fits one item", 2000, 1},
		{"one byte over", 2001, 3},
		{"6.6 KB refresh token", 6600, 5},
		{"30 KB", 30000, 16},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyring()
			key := session.SecretKey("https://issuer.test", "client", t.Name())
			secret := token(tt.size)
			t.Cleanup(func() { k.Delete(ctx, key) })
			if err := k.Set(ctx, key, secret); err != nil {
				t.Fatalf("Set %d bytes: %v", tt.size, err)
			}
			got, err := k.Get(ctx, key)
			if err != nil || got != secret {
				t.Fatalf("Get = %d bytes, %v; want the %d stored", len(got), err, len(secret))
			}
			if n := items(t, key); n != tt.items {
				t.Errorf("the secret uses %d Credential Manager items, want %d", n, tt.items)
			}
			if err := k.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := k.Get(ctx, key); !errors.Is(err, keyring.ErrNoSecret) {
				t.Errorf("Get after Delete: %v, want ErrNoSecret", err)
			}
			if n := items(t, key); n != 0 {
				t.Errorf("%d items left after Delete, want 0", n)
			}
		})
	}
}

// TestBigSecretSurvivesTheProcess saves a 6.6 KB token, reads it back in
// another process, shrinks it to one item and checks no chunk is left.
func TestBigSecretSurvivesTheProcess(t *testing.T) {
	ctx := context.Background()
	k := newKeyring()
	key := session.SecretKey("https://issuer.test", "client", t.Name())
	secret := token(6600)
	t.Cleanup(func() { k.Delete(ctx, key) })
	if err := k.Set(ctx, key, secret); err != nil {
		t.Fatalf("Set: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRead$")
	cmd.Env = append(os.Environ(), "WINCREDCHECK_KEY="+key)
	out, err := cmd.CombinedOutput()
	if want := fmt.Sprintf("sha256 %x\n", sha256.Sum256([]byte(secret))); err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("the other process read: %v\n%s\nwant %q", err, out, want)
	}
	if err := k.Set(ctx, key, "short"); err != nil {
		t.Fatalf("Set a short secret over the long one: %v", err)
	}
	if n := items(t, key); n != 1 {
		t.Errorf("after replacing it with a short secret, %d items, want 1 (stale chunks left)", n)
	}
}

// TestHelperRead is the other process of TestBigSecretSurvivesTheProcess.
func TestHelperRead(t *testing.T) {
	key := os.Getenv("WINCREDCHECK_KEY")
	if key == "" {
		t.Skip("only run as a helper process")
	}
	got, err := newKeyring().Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	fmt.Printf("sha256 %x\n", sha256.Sum256([]byte(got)))
}
