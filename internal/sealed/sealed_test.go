package sealed

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := ParseKey(NewKeyText())
	if err != nil {
		t.Fatal(err)
	}
	s := k.Seal([]byte("the client secret"), "client-secret acme/okta")
	if strings.Contains(s, "secret") {
		t.Errorf("sealed text %q shows the plaintext", s)
	}
	got, err := k.Open(s, "client-secret acme/okta")
	if err != nil || string(got) != "the client secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := ParseKey(NewKeyText())
	tests := map[string]func() error{
		"another row":    func() error { _, err := k.Open(s, "client-secret globex/okta"); return err },
		"another key":    func() error { _, err := other.Open(s, "client-secret acme/okta"); return err },
		"damaged":        func() error { _, err := k.Open(s[:len(s)-2]+"AA", "client-secret acme/okta"); return err },
		"not sealed":     func() error { _, err := k.Open("plain", "client-secret acme/okta"); return err },
		"empty":          func() error { _, err := k.Open("", "x"); return err },
		"truncated body": func() error { _, err := k.Open("v1.AAAA", "x"); return err },
		"truncated v2":   func() error { _, err := k.Open("v2."+k.ID()+".AAAA", "x"); return err },
		"no key ID":      func() error { _, err := k.Open("v2.AAAA", "x"); return err },
	}
	for name, open := range tests {
		if err := open(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
	if a, b := k.Seal([]byte("x"), "c"), k.Seal([]byte("x"), "c"); a == b {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
}

func TestParseKey(t *testing.T) {
	good := NewKeyText()
	for _, text := range []string{good, " " + good + "\n", strings.TrimRight(good, "="), strings.NewReplacer("+", "-", "/", "_").Replace(good)} {
		if _, err := ParseKey(text); err != nil {
			t.Errorf("ParseKey(%q) = %v", text, err)
		}
	}
	for _, text := range []string{"", "short", "AAAA", good + good} {
		if _, err := ParseKey(text); err == nil {
			t.Errorf("ParseKey(%q) accepted", text)
		}
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte(NewKeyText()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := LoadKey(file, ""); err != nil || k == nil {
		t.Fatalf("LoadKey(600 file) = %v, %v", k, err)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(file, ""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("LoadKey(644 file) = %v, want a refusal", err)
	}
	t.Setenv("TEST_SEALED_KEY", NewKeyText())
	if k, err := LoadKey("", "TEST_SEALED_KEY"); err != nil || k == nil {
		t.Errorf("LoadKey(env) = %v, %v", k, err)
	}
	if k, err := LoadKey("", "TEST_SEALED_NOT_SET"); k != nil || err != nil {
		t.Errorf("LoadKey(nothing) = %v, %v, want nil, nil", k, err)
	}
}

func TestDerive(t *testing.T) {
	k, _ := ParseKey(NewKeyText())
	a, a2, b := k.Derive("a"), k.Derive("a"), k.Derive("b")
	if a == b || a != a2 {
		t.Error("Derive is not a function of the purpose")
	}
}

func mustKey(t *testing.T, text string) *Key {
	t.Helper()
	k, err := ParseKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRotation walks a rotation: a key file of the old key alone, then
// old and new (the old seals), then new and old (the new seals), then the
// new alone. Values sealed at each step open at the next; after Reseal
// under the new key, the old key is retired and every value still opens;
// the retired key opens none of them, and the new key alone opens nothing
// the old one sealed and nobody re-sealed.
func TestRotation(t *testing.T) {
	old, next := NewKeyText(), NewKeyText()
	stage := []*Key{mustKey(t, old), mustKey(t, old+"\n"+next), mustKey(t, "# the new key seals\n"+next+"\n"+old+"\n"), mustKey(t, next)}
	oldID, newID := stage[0].ID(), stage[3].ID()
	if oldID == newID || stage[1].ID() != oldID || stage[2].ID() != newID || !slices.Equal(stage[2].IDs(), []string{newID, oldID}) {
		t.Fatalf("IDs: stages seal with %s %s %s %s; want old, old, new, new", stage[0].ID(), stage[1].ID(), stage[2].ID(), stage[3].ID())
	}
	const ctx = "upstream-refresh s1"
	sealedBy := make([]string, 3)
	for i := range 3 {
		sealedBy[i] = stage[i].Seal([]byte("token"), ctx)
		if got, err := stage[i+1].Open(sealedBy[i], ctx); err != nil || string(got) != "token" {
			t.Errorf("a value sealed at stage %d opens at stage %d: %q, %v", i, i+1, got, err)
		}
	}
	if !strings.HasPrefix(sealedBy[0], "v2."+oldID+".") || !strings.HasPrefix(sealedBy[2], "v2."+newID+".") {
		t.Errorf("sealed values do not name their key: %q, %q", sealedBy[0][:12], sealedBy[2][:12])
	}
	resealed, changed, err := stage[2].Reseal(sealedBy[0], ctx)
	if err != nil || !changed || !strings.HasPrefix(resealed, "v2."+newID+".") {
		t.Fatalf("Reseal of an old value = %q, %v, %v", resealed, changed, err)
	}
	if again, changed, err := stage[2].Reseal(resealed, ctx); err != nil || changed || again != resealed {
		t.Errorf("Reseal of a value under the new key = changed %v, %v; want it as it is", changed, err)
	}
	if got, err := stage[3].Open(resealed, ctx); err != nil || string(got) != "token" {
		t.Errorf("the re-sealed value with the new key alone: %q, %v", got, err)
	}
	if _, err := stage[0].Open(resealed, ctx); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), newID) {
		t.Errorf("the retired key opens a re-sealed value: %v, want ErrOpen naming key %s", err, newID)
	}
	if _, err := stage[3].Open(sealedBy[0], ctx); !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), oldID) {
		t.Errorf("a value nobody re-sealed, after the old key's retirement: %v, want ErrOpen naming key %s", err, oldID)
	}
	if _, _, err := stage[3].Reseal(sealedBy[0], ctx); !errors.Is(err, ErrOpen) {
		t.Errorf("Reseal of a value no key opens = %v, want ErrOpen", err)
	}
}

// TestOpenV1 opens values sealed before key IDs (format v1) with any of
// the keys, and re-seals them as v2.
func TestOpenV1(t *testing.T) {
	old, next := NewKeyText(), NewKeyText()
	k := mustKey(t, old)
	v2 := k.Seal([]byte("secret"), "c")
	// A v1 value is the same bytes without the key ID.
	v1 := "v1." + v2[strings.LastIndexByte(v2, '.')+1:]
	ring := mustKey(t, next+"\n"+old)
	if got, err := ring.Open(v1, "c"); err != nil || string(got) != "secret" {
		t.Fatalf("Open(v1) with the old key second = %q, %v", got, err)
	}
	if _, err := mustKey(t, next).Open(v1, "c"); !errors.Is(err, ErrOpen) {
		t.Errorf("Open(v1) without its key = %v, want ErrOpen", err)
	}
	if out, changed, err := ring.Reseal(v1, "c"); err != nil || !changed || !strings.HasPrefix(out, "v2."+ring.ID()+".") {
		t.Errorf("Reseal(v1) = %q, %v, %v; want it under the first key", out, changed, err)
	}
}

func TestParseKeys(t *testing.T) {
	a, b := NewKeyText(), NewKeyText()
	for _, text := range []string{a + "\n" + b, a + " " + b, a + "," + b, "# comment\n\n" + a + "\n  " + b + "  \n"} {
		k, err := ParseKey(text)
		if err != nil || len(k.IDs()) != 2 || k.ID() != mustKey(t, a).ID() {
			t.Errorf("ParseKey(%q) = %v, %v; want two keys, the first sealing", text, k, err)
		}
	}
	for text, want := range map[string]string{
		a + "\n" + a:       "key 2 of 2 is key 1 again",
		a + "\nnot-a-key":  "key 2 of 2: a key is base64",
		"# only a comment": "no key",
	} {
		if _, err := ParseKey(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseKey(%q) = %v, want %q", text, err, want)
		}
		if _, err := ParseKey(text); err != nil && strings.Contains(err.Error(), a) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}
