// Package sealed keeps the provider directory's secrets encrypted at rest:
// the upstream client secrets of brokered providers, the broker's signing
// keys and the upstream refresh tokens it holds. It seals with AES-256-GCM
// under the directory's secret key, 32 bytes that never enter the
// database: they come from a file or an environment variable, so a copy of
// the database alone reveals no secret.
//
// Each sealed value is bound to a context string naming where it is
// stored (for example "client-secret acme/okta"), so a value copied to
// another row does not open there.
//
// The key can be rotated without stopping the directory: a Key holds one
// key or several, newest first. The first seals; every one opens. Each
// sealed value names the key that sealed it by a key ID (a fingerprint,
// not a secret), so it opens with that key at once, Reseal moves a value
// under the first key, and a value whose key was retired does not open.
// It must never import a Dialtone package, and never logs.
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

// The formats of a sealed value: v1 (before key IDs, sealed with the
// directory's only key) is "v1." and the sealed bytes; v2 is "v2.", the
// ID of the key that sealed it, "." and the sealed bytes. Seal writes v2;
// Open reads both.
const (
	prefixV1 = "v1."
	prefixV2 = "v2."
)

// ErrOpen reports a sealed value that does not open with these keys and
// this context: another key (one retired, or another directory's), another
// row, or damaged data.
var ErrOpen = errors.New("sealed: the value does not open with this key (another key, another row, or damaged)")

// Key is the directory's secret key: the key that seals, and the older
// keys that still open values sealed before a rotation. It is safe for
// concurrent use.
type Key struct {
	keys []*aesKey // newest first; keys[0] seals
}

// aesKey is one of a Key's keys.
type aesKey struct {
	id   string
	raw  []byte
	aead cipher.AEAD
}

// NewKeyText returns a new random key in the text form ParseKey reads:
// base64 of 32 random bytes.
func NewKeyText() string {
	return base64.StdEncoding.EncodeToString(randomBytes(KeySize))
}

// ParseKey reads one key or several, newest first: each base64 (standard
// or URL alphabet, with or without padding) of exactly 32 bytes, on lines
// of their own or separated by spaces or commas. Blank lines and lines
// starting with # are ignored. The first key seals, every key opens.
func ParseKey(text string) (*Key, error) {
	var fields []string
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields = append(fields, strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })...)
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("sealed: no key: a key is base64 of %d random bytes (make one with: head -c %d /dev/urandom | base64)", KeySize, KeySize)
	}
	k := &Key{}
	seen := map[string]int{}
	for i, f := range fields {
		one, err := parseOne(f)
		if err != nil {
			return nil, fmt.Errorf("sealed: key %d of %d: %w", i+1, len(fields), err)
		}
		if j, dup := seen[one.id]; dup {
			return nil, fmt.Errorf("sealed: key %d of %d is key %d again", i+1, len(fields), j+1)
		}
		seen[one.id] = i
		k.keys = append(k.keys, one)
	}
	return k, nil
}

func parseOne(text string) (*aesKey, error) {
	t := strings.TrimRight(text, "=")
	raw, err := base64.RawStdEncoding.DecodeString(t)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(t)
	}
	if err != nil || len(raw) != KeySize {
		return nil, fmt.Errorf("a key is base64 of %d random bytes (make one with: head -c %d /dev/urandom | base64)", KeySize, KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &aesKey{id: keyID(raw), raw: raw, aead: aead}, nil
}

// keyID is a key's fingerprint: 48 bits of HKDF-SHA256 of the key, in
// base64url. It names the key in sealed values and in messages; it tells
// nothing about the key.
func keyID(raw []byte) string {
	b, err := hkdf.Key(sha256.New, raw, nil, "dialtone-directory key id", 6)
	if err != nil {
		panic("sealed: HKDF of 6 bytes cannot fail: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// LoadKey reads the key (one or several, see ParseKey) from file when file
// is not "", else from the environment variable env. A key file that
// other users may read (mode bits 077 set, on Unix) is refused: it
// protects every secret the directory holds. It returns (nil, nil) when
// neither is set.
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
	if !info.Mode().IsRegular() { // a FIFO would block ReadFile for good
		return nil, fmt.Errorf("sealed: the key file %s is not a regular file (%v)", file, info.Mode().Type())
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

// ID returns the ID of the key that seals: the first.
func (k *Key) ID() string { return k.keys[0].id }

// IDs returns the IDs of every key, newest (the one that seals) first.
func (k *Key) IDs() []string {
	ids := make([]string, len(k.keys))
	for i, one := range k.keys {
		ids[i] = one.id
	}
	return ids
}

// Seal encrypts plaintext for the row context names, under the first key,
// and returns it as text for a TEXT column.
func (k *Key) Seal(plaintext []byte, context string) string {
	one := k.keys[0]
	nonce := randomBytes(one.aead.NonceSize())
	out := one.aead.Seal(nonce, nonce, plaintext, []byte(context))
	return prefixV2 + one.id + "." + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value Seal made for the same context, under any of the
// keys. Any other value is ErrOpen; one sealed under a key that is not
// among them (retired) says so.
func (k *Key) Open(sealed, context string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(sealed, prefixV2); ok {
		id, body, _ := strings.Cut(rest, ".")
		for _, one := range k.keys {
			if one.id == id {
				return one.open(body, context)
			}
		}
		return nil, fmt.Errorf("%w: it was sealed under key %s, which is not one of this directory's keys", ErrOpen, id)
	}
	if body, ok := strings.CutPrefix(sealed, prefixV1); ok {
		for _, one := range k.keys {
			if plain, err := one.open(body, context); err == nil {
				return plain, nil
			}
		}
	}
	return nil, ErrOpen
}

func (one *aesKey) open(body, context string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(body)
	n := one.aead.NonceSize()
	if err != nil || len(raw) < n {
		return nil, ErrOpen
	}
	plain, err := one.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Reseal returns sealed under the first key: the same value when it is
// already (and opens), else the value opened and sealed again. changed
// says which. A value that does not open is ErrOpen and is not changed.
func (k *Key) Reseal(sealed, context string) (out string, changed bool, err error) {
	plain, err := k.Open(sealed, context)
	if err != nil {
		return sealed, false, err
	}
	if strings.HasPrefix(sealed, prefixV2+k.ID()+".") {
		return sealed, false, nil
	}
	return k.Seal(plain, context), true, nil
}

// Derive returns a 32-byte key for purpose, derived from the first key
// with HKDF-SHA256, for a part that needs a symmetric key of its own that
// every replica shares (the OpenID provider's token encryption). It
// changes when the first key does.
func (k *Key) Derive(purpose string) [KeySize]byte {
	var out [KeySize]byte
	b, err := hkdf.Key(sha256.New, k.keys[0].raw, nil, "dialtone-directory "+purpose, KeySize)
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
