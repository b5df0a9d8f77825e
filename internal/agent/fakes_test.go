package agent

import (
	"context"
	"sync"
	"testing"
	"time"

	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// patience is how long a test waits for the agent before it fails.
const patience = 5 * time.Second

// fakeSessions hands every KeepAlive to the test through keeps, and answers Logout with result and err.
type fakeSessions struct {
	keeps chan *keepCall

	mu      sync.Mutex
	logouts []bool // the everywhere of each Logout
	result  session.LogoutResult
	err     error
	line    *sipaddr.Config // the live session's line; nil: none
	issuer  string
	token   string // what AccessToken and RenewAccessToken return
}

// keepCall is a running KeepAlive: the test reports statuses through it until the agent cancels ctx.
type keepCall struct {
	ctx    context.Context
	report func(session.Status)
}

func newFakeSessions() *fakeSessions {
	return &fakeSessions{keeps: make(chan *keepCall, 4)}
}

func (f *fakeSessions) KeepAlive(ctx context.Context, report func(session.Status)) {
	f.keeps <- &keepCall{ctx: ctx, report: report}
	<-ctx.Done()
}

func (f *fakeSessions) Logout(_ context.Context, everywhere bool) (session.LogoutResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logouts = append(f.logouts, everywhere)
	return f.result, f.err
}

func (f *fakeSessions) Line() (*sipaddr.Config, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.line, f.issuer
}

func (f *fakeSessions) AdoptLine(_ context.Context, line *sipaddr.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.line = line
	return nil
}

func (f *fakeSessions) AccessToken(context.Context, time.Duration) (string, error) {
	return f.token, nil
}

func (f *fakeSessions) RenewAccessToken(context.Context) (string, error) { return f.token, nil }

// next returns the next KeepAlive the agent starts.
func (f *fakeSessions) next(t *testing.T) *keepCall {
	t.Helper()
	select {
	case k := <-f.keeps:
		return k
	case <-time.After(patience):
		t.Fatal("the agent started no KeepAlive")
		return nil
	}
}

// fakeBrowser records the addresses it opens and fails with err.
type fakeBrowser struct {
	mu     sync.Mutex
	opened []string
	err    error
}

func (b *fakeBrowser) Open(_ context.Context, url string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opened = append(b.opened, url)
	return b.err
}

// reports collects the Updates an agent reports.
type reports chan Update

func (r reports) report(u Update) { r <- u }

// next returns the next Update reported.
func (r reports) next(t *testing.T) Update {
	t.Helper()
	select {
	case u := <-r:
		return u
	case <-time.After(patience):
		t.Fatal("the agent reported nothing")
		return Update{}
	}
}

// none fails if an Update was reported.
func (r reports) none(t *testing.T) {
	t.Helper()
	select {
	case u := <-r:
		t.Errorf("reported %+v, want nothing", u)
	default:
	}
}
