package demo

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"dialtone/internal/regularfile"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"
)

// stateName is the provider's state file in Options.StateDir.
const stateName = "provider-state.json"

const stateVersion = 1

// maxStateSize bounds what loadState reads.
const maxStateSize = 4 << 20

// providerState is what the demo identity provider keeps across restarts:
// its signing key, and the live refresh tokens, each under the SHA-256 of
// the token. A refresh token itself is never written anywhere: nothing on
// disk can be presented to the token endpoint.
type providerState struct {
	Version int `json:"version"`
	// SigningKey is the RSA private key in PKCS #8 DER form.
	SigningKey []byte `json:"signing_key_pkcs8"`
	// RefreshTokens maps the hex SHA-256 of each live refresh token to
	// what it was granted for.
	RefreshTokens map[string]refreshRecord `json:"refresh_tokens"`
}

// refreshRecord is what a refresh token was issued for.
type refreshRecord struct {
	UserID    string    `json:"user_id"`
	ClientID  string    `json:"client_id"`
	Scopes    []string  `json:"scopes"`
	AMR       []string  `json:"amr,omitempty"`
	AuthTime  time.Time `json:"auth_time"`
	ExpiresAt time.Time `json:"expires_at"`

	// accessTokenID is the access token issued with it, revoked when the
	// refresh token is rotated or revoked. Access tokens live in memory
	// only, so it is not saved.
	accessTokenID string
}

// loadState reads the state file in dir. A missing file gives a new
// signing key and no refresh tokens, saved at once so that the key is the
// same at the next start. Refresh tokens past their expiry are dropped.
func loadState(dir string, now time.Time) (*providerState, *rsa.PrivateKey, error) {
	path := filepath.Join(dir, stateName)
	data, err := readLimited(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(dir)
	}
	if errors.Is(err, regularfile.ErrNotRegular) {
		return nil, nil, fmt.Errorf("demo: %s is not a regular file; delete it to start afresh (agents then sign in again): %w", path, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("demo: could not read %s: %w", path, err)
	}
	st, key, err := decodeState(data)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: the state file %s is damaged (delete it to start afresh; agents then sign in again): %w", path, err)
	}
	maps.DeleteFunc(st.RefreshTokens, func(_ string, r refreshRecord) bool { return !r.ExpiresAt.After(now) })
	return st, key, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := regularfile.Open(path) // a FIFO in its place is refused, never waited on
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err == nil && len(data) > maxStateSize {
		err = fmt.Errorf("it is larger than %d bytes", maxStateSize)
	}
	return data, err
}

func decodeState(data []byte) (*providerState, *rsa.PrivateKey, error) {
	var st providerState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, nil, err
	}
	if st.Version != stateVersion {
		return nil, nil, fmt.Errorf("version %d, want %d", st.Version, stateVersion)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(st.SigningKey)
	if err != nil {
		return nil, nil, fmt.Errorf("signing key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("signing key: %T is not an RSA key", parsed)
	}
	if st.RefreshTokens == nil {
		st.RefreshTokens = map[string]refreshRecord{}
	}
	return &st, key, nil
}

// newState makes a new signing key and saves it.
func newState(dir string) (*providerState, *rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: could not make a signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: could not encode the signing key: %w", err)
	}
	st := &providerState{Version: stateVersion, SigningKey: der, RefreshTokens: map[string]refreshRecord{}}
	if err := saveState(dir, st); err != nil {
		return nil, nil, err
	}
	return st, key, nil
}

// saveState writes st to the state file in dir atomically: a temporary
// file with mode 0600 in the same directory, synced, then renamed over the
// old one.
func saveState(dir string, st *providerState) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("demo: could not encode the provider state: %w", err)
	}
	path := filepath.Join(dir, stateName)
	if err := writeAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("demo: could not save %s: %w", path, err)
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()      // CreateTemp makes it with mode 0600
	defer os.Remove(tmp) // fails harmlessly once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
