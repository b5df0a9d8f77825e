package linetest

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Tokens is a line.TokenSource for tests. Mint makes the n-th token
// (n counts from 1 over both methods); Err, when set, is returned instead.
type Tokens struct {
	Mint func(n int) string

	mu       sync.Mutex
	Err      error
	access   int
	refresh  int
	minValid []time.Duration
}

// AccessToken returns a new token from Mint and records minValid.
func (s *Tokens) AccessToken(ctx context.Context, minValid time.Duration) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.access++
	s.minValid = append(s.minValid, minValid)
	return s.next()
}

// Refresh returns a new token from Mint.
func (s *Tokens) Refresh(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh++
	return s.next()
}

func (s *Tokens) next() (string, error) {
	if s.Err != nil {
		return "", s.Err
	}
	if s.Mint == nil {
		return "token-" + strconv.Itoa(s.access+s.refresh), nil
	}
	return s.Mint(s.access + s.refresh), nil
}

// Calls returns how often AccessToken and Refresh were called.
func (s *Tokens) Calls() (access, refresh int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.access, s.refresh
}

// SetErr makes the next calls fail with err (nil: succeed again).
func (s *Tokens) SetErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Err = err
}
