// Package keyringtest has a fake keyring.Backend for unit tests. Tests that
// prove Dialtone works use the real Secret Service instead (.ci/with-keyring).
//
// It must never import a Dialtone package, internal/keyring included:
// keyring's own tests use it, so it satisfies keyring.Backend without
// naming it.
package keyringtest

import (
	"sync"

	gokeyring "github.com/zalando/go-keyring"
)

// Memory is a keyring.Backend in memory, for tests: it refuses secrets
// over 2560 bytes as the Windows Credential Manager does. When Err is set
// every call fails with it; when Block is set every call waits until it is
// closed (a keyring waiting for an unlock dialog nobody answers).
type Memory struct {
	Err   error
	Block chan struct{}

	mu    sync.Mutex
	items map[string]string
}

// Get returns the secret stored under (service, user).
func (m *Memory) Get(service, user string) (string, error) {
	if err := m.wait(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[service+"\x00"+user]
	if !ok {
		return "", gokeyring.ErrNotFound
	}
	return v, nil
}

// Set stores secret under (service, user).
func (m *Memory) Set(service, user, secret string) error {
	if err := m.wait(); err != nil {
		return err
	}
	if len(secret) > 2560 {
		return gokeyring.ErrSetDataTooBig
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[service+"\x00"+user] = secret
	return nil
}

// Delete removes the secret under (service, user).
func (m *Memory) Delete(service, user string) error {
	if err := m.wait(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[service+"\x00"+user]; !ok {
		return gokeyring.ErrNotFound
	}
	delete(m.items, service+"\x00"+user)
	return nil
}

func (m *Memory) wait() error {
	if m.Block != nil {
		<-m.Block
	}
	return m.Err
}
