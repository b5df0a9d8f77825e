package auth

import (
	"time"

	"golang.org/x/oauth2"
)

// Session is a signed-in agent. Its tokens are unexported: they never
// appear in its JSON form, its String, or a log line.
type Session struct {
	Email      string    `json:"email"`
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	ProviderID string    `json:"provider"`
	Name       string    `json:"name,omitempty"`
	ExpiresAt  time.Time `json:"expires_at"`

	// KeyringErr, when not nil, says why the session is kept in memory
	// only and will not survive a restart (a *KeyringError).
	KeyringErr error `json:"-"`

	// StoreErr, when not nil, says why the session's metadata could not be
	// saved in the config folder (read-only, full): the next launch asks
	// to sign in again.
	StoreErr error `json:"-"`

	token *oauth2.Token
}

// AccessToken returns the current access token, for a phone line that
// authenticates with it. Callers must not log or persist it.
func (s *Session) AccessToken() string {
	if s.token == nil {
		return ""
	}
	return s.token.AccessToken
}

// HasRefreshToken reports whether the provider issued a refresh token, so
// the session can be renewed without the browser.
func (s *Session) HasRefreshToken() bool {
	return s.token != nil && s.token.RefreshToken != ""
}

// String describes the session without any token.
func (s *Session) String() string {
	return s.Email + " (" + s.Subject + ") at " + s.Issuer
}
