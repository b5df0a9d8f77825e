package authtest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// FollowBrowser is a test browser for FakeOP, whose authorize endpoint
// redirects straight back: it follows the redirects to the loopback
// callback in the background, like a browser with an IdP session.
type FollowBrowser struct {
	// Edit, when set, changes the callback URL before it is requested.
	Edit func(u string) string

	mu     sync.Mutex
	urls   []string
	status int
	body   string
}

// Open follows u in the background.
func (b *FollowBrowser) Open(ctx context.Context, u string) error {
	b.mu.Lock()
	b.urls = append(b.urls, u)
	b.mu.Unlock()
	go b.walk(u)
	return nil
}

func (b *FollowBrowser) walk(u string) {
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if b.Edit != nil && req.URL.Path == "/callback" {
			edited, err := url.Parse(b.Edit(req.URL.String()))
			if err == nil {
				req.URL = edited
				req.Host = edited.Host
			}
		}
		return nil
	}}
	resp, err := hc.Get(u)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	b.mu.Lock()
	b.status, b.body = resp.StatusCode, sb.String()
	b.mu.Unlock()
}

// LastStatus is the status of the last page the browser ended on.
func (b *FollowBrowser) LastStatus() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}
