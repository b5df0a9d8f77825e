// Package sealed keeps the provider directory's secrets encrypted at rest:
// the upstream client secrets of brokered providers, the broker's signing
// keys and the upstream refresh tokens it holds. It seals with AES-256-GCM
// under one 32-byte key that never enters the database: it comes from a
// file or an environment variable, so a copy of the database alone reveals
// no secret.
//
// Each sealed value is bound to a context string naming where it is
// stored (for example "client-secret acme/okta"), so a value copied to
// another row does not open there. The package imports nothing of
// Dialtone, and never logs.
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// KeySize is the size of a key in bytes.
const KeySize = 32

// prefix names the format of a sealed value, so that a later format can be
// told apart.
const prefix = "v1."

// ErrOpen reports a sealed value that does not open with this key and
// context: another key, another row, or damaged data.
var ErrOpen = errors.New("sealed: the value does not open with this key (another key, another row, or damaged)")

// Key seals and opens values. It is safe for concurrent use.
type Key struct {
	raw  []byte
	aead cipher.AEAD
}

// NewKeyText returns a new random key in the text form ParseKey reads:
// base64 of 32 random bytes.
func NewKeyText() string {
	return base64.StdEncoding.EncodeToString(randomBytes(KeySize))
}

// ParseKey reads a key in base64 (standard or URL alphabet, with or without
// padding, surrounding white space ignored) of exactly 32 bytes.
func ParseKey(text string) (*Key, error) {
	t := strings.TrimRight(strings.TrimSpace(text), "=")
	raw, err := base64.RawStdEncoding.DecodeString(t)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(t)
	}
	if err != nil || len(raw) != KeySize {
		return nil, fmt.Errorf("sealed: a key is base64 of %d random bytes (make one with: head -c %d /dev/urandom | base64)", KeySize, KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	return &Key{raw: raw, aead: aead}, nil
}

// LoadKey reads the key from file when file is not "", else from the
// environment variable env. A key file that other users may read (mode
// bits 077 set, on Unix) is refused: it protects every secret the
// directory holds. It returns (nil, nil) when neither is set.
func LoadKey(file, env string) (*Key, error) {
	if file == "" {
		text := os.Getenv(env)
		if text == "" {
			return nil, nil
		}
		return ParseKey(text)
	}
	info, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("sealed: could not read the key file: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("sealed: the key file %s can be read by other users (mode %v); chmod 600 it", file, info.Mode().Perm())
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("sealed: could not read the key file: %w", err)
	}
	return ParseKey(string(text))
}

// Seal encrypts plaintext for the row context names and returns it as
// text for a TEXT column.
func (k *Key) Seal(plaintext []byte, context string) string {
	nonce := randomBytes(k.aead.NonceSize())
	out := k.aead.Seal(nonce, nonce, plaintext, []byte(context))
	return prefix + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value Seal made for the same context. Any other value is
// ErrOpen.
func (k *Key) Open(sealed, context string) ([]byte, error) {
	body, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, ErrOpen
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return nil, ErrOpen
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Derive returns a 32-byte key for purpose, derived from k with HKDF-SHA256,
// for a part that needs a symmetric key of its own that every replica
// shares (the OpenID provider's token encryption).
func (k *Key) Derive(purpose string) [KeySize]byte {
	var out [KeySize]byte
	b, err := hkdf.Key(sha256.New, k.raw, nil, "dialtone-directory "+purpose, KeySize)
	if err != nil {
		panic("sealed: HKDF of 32 bytes cannot fail: " + err.Error())
	}
	copy(out[:], b)
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}
