package session

import (
	"context"
	"dialtone/internal/idp"
	"time"
)

// DirectoryCache keeps the last good directory answer per email in the
// session metadata, so a start while the directory is down still shows the
// agent's providers. It implements directory.Cache.
type DirectoryCache struct {
	Folder *Folder
}

// Get returns the cached answer for email.
func (c DirectoryCache) Get(email string) (*idp.ProviderList, time.Time, bool) {
	meta, _ := c.Folder.Load() // a damaged file was set aside; the cache is just empty
	cached, ok := meta.ProvidersFor(email)
	if !ok {
		return nil, time.Time{}, false
	}
	return &cached.List, cached.FetchedAt, true
}

// Put stores list as the answer for email, under the folder's lock so it
// does not race a session being saved by another process. Failures only
// cost the cache and are ignored.
func (c DirectoryCache) Put(email string, list *idp.ProviderList, fetchedAt time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := c.Folder.Lock(ctx)
	if err != nil {
		return
	}
	defer unlock()
	meta, _ := c.Folder.Load()
	meta.CacheProviders(email, *list, fetchedAt)
	_ = c.Folder.Save(meta)
}
