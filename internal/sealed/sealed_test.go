package sealed

import (
	"errors"
	"os"
	"path/filepath"
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
