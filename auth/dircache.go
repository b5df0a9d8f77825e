package auth

import (
	"context"
	"time"
)

// MetadataDirectoryCache keeps the last good directory answer per email in
// the session metadata, so a start while the directory is down still shows
// the agent's providers. It implements DirectoryCache.
type MetadataDirectoryCache struct {
	Store *MetadataStore
}

// Get returns the cached answer for email.
func (c MetadataDirectoryCache) Get(email string) (*ProviderList, time.Time, bool) {
	meta, _ := c.Store.Load() // a damaged file was set aside; the cache is just empty
	cached, ok := meta.ProvidersFor(email)
	if !ok {
		return nil, time.Time{}, false
	}
	return &cached.List, cached.FetchedAt, true
}

// Put stores list as the answer for email, under the store's lock so it
// does not race a session being saved by another process. Failures only
// cost the cache and are ignored.
func (c MetadataDirectoryCache) Put(email string, list *ProviderList, fetchedAt time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := c.Store.Lock(ctx)
	if err != nil {
		return
	}
	defer unlock()
	meta, _ := c.Store.Load()
	meta.CacheProviders(email, *list, fetchedAt)
	_ = c.Store.Save(meta)
}
