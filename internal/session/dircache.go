package session

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"dialtone/internal/idp"
	"dialtone/internal/keyring"
)

// cacheKeyName is the keyring item holding the key that seals cached
// directory answers.
const cacheKeyName = "directory-cache-key:v1"

// cacheTimeout bounds the keyring and the file lock for one Get or Put.
const cacheTimeout = 5 * time.Second

// DirectoryCache keeps the last good directory answer per email in the
// session metadata, so a start while the directory is down still shows the
// agent's providers. It implements directory.Cache.
//
// Security: the answer says where the agent's next sign-in goes, and the
// metadata file is not trusted (see binding.go). So each answer is sealed
// with an HMAC under a random key that only the keyring holds (made by the
// first Put). An answer whose seal does not match, and every answer while
// the keyring cannot be used, is not used: the agent is told the directory
// cannot be reached rather than sent to an issuer written into the file.
type DirectoryCache struct {
	Folder *Folder
	// Keys is the keyring holding the sealing key. Nil means no cache.
	Keys *keyring.Store
}

// Get returns the cached answer for email, if its seal holds.
func (c DirectoryCache) Get(email string) (*idp.ProviderList, time.Time, bool) {
	if c.Keys == nil {
		return nil, time.Time{}, false
	}
	meta, _ := c.Folder.Load() // a damaged file was set aside; the cache is just empty
	cached, ok := meta.ProvidersFor(email)
	if !ok || cached.Seal == "" {
		return nil, time.Time{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), cacheTimeout)
	defer cancel()
	key, err := c.sealingKey(ctx, false)
	if err != nil {
		return nil, time.Time{}, false
	}
	want, err := base64.RawURLEncoding.DecodeString(cached.Seal)
	if err != nil || !hmac.Equal(want, sealAnswer(key, email, &cached.List, cached.FetchedAt)) {
		return nil, time.Time{}, false
	}
	return &cached.List, cached.FetchedAt, true
}

// Put stores list, sealed, as the answer for email, under the folder's
// lock so it does not race a session being saved by another process.
// Failures (no keyring, no disk) only cost the cache and are ignored.
func (c DirectoryCache) Put(email string, list *idp.ProviderList, fetchedAt time.Time) {
	if c.Keys == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cacheTimeout)
	defer cancel()
	key, err := c.sealingKey(ctx, true)
	if err != nil {
		return
	}
	unlock, err := c.Folder.Lock(ctx)
	if err != nil {
		return
	}
	defer unlock()
	meta, _ := c.Folder.Load()
	seal := base64.RawURLEncoding.EncodeToString(sealAnswer(key, email, list, fetchedAt))
	meta.CacheProviders(email, *list, fetchedAt, seal)
	_ = c.Folder.Save(meta)
}

// sealingKey reads the key from the keyring, making and storing one when
// there is none and create is set.
func (c DirectoryCache) sealingKey(ctx context.Context, create bool) ([]byte, error) {
	v, err := c.Keys.Get(ctx, cacheKeyName)
	if err == nil {
		key, err := base64.RawURLEncoding.DecodeString(v)
		if err == nil && len(key) == 32 {
			return key, nil
		}
	}
	if !create || (err != nil && !errors.Is(err, keyring.ErrNoSecret)) {
		return nil, errors.New("session: no key for the directory cache")
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	if err := c.Keys.Set(ctx, cacheKeyName, base64.RawURLEncoding.EncodeToString(key)); err != nil {
		return nil, err
	}
	return key, nil
}

// sealAnswer is the HMAC of one cached answer: the email it is for, the
// list and when it was fetched.
func sealAnswer(key []byte, email string, list *idp.ProviderList, fetchedAt time.Time) []byte {
	data, err := json.Marshal(struct {
		Email     string
		List      *idp.ProviderList
		FetchedAt int64
	}{emailKey(email), list, fetchedAt.UnixNano()})
	if err != nil {
		panic(err) // a provider list always marshals
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("dialtone directory cache v1\x00"))
	mac.Write(data)
	return mac.Sum(nil)
}
