package auth

import (
	"maps"
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

	token    *oauth2.Token
	resolved *Resolved
	claims   map[string]any // the ID token's claims over userinfo's, at sign-in
}

// AccessToken returns the current access token, for a phone line that
// authenticates with it. Callers must not log or persist it.
func (s *Session) AccessToken() string {
	if s.token == nil {
		return ""
	}
	return s.token.AccessToken
}

// RefreshToken returns the refresh token the provider issued, or "". It is
// for the session store to keep in the OS keyring, the only place it may
// ever be written; callers must not log it.
func (s *Session) RefreshToken() string {
	if s.token == nil {
		return ""
	}
	return s.token.RefreshToken
}

// HasRefreshToken reports whether the provider issued a refresh token, so
// the session can be renewed without the browser.
func (s *Session) HasRefreshToken() bool { return s.RefreshToken() != "" }

// Resolved returns the provider the session was made with, for Refresh,
// Revoke and the next launch's Snapshot. It is nil for a Session built by
// hand (for example from stored metadata, before it is refreshed).
func (s *Session) Resolved() *Resolved { return s.resolved }

// Claims returns a copy of the claims the provider sent at sign-in: those
// of userinfo, overlaid by those of the (verified) ID token. It is nil for
// a session that was refreshed or built by hand. It is for a server that
// reports what a provider sends (a broker's "Save and authorise"); claims
// are personal data, so callers must not log them.
func (s *Session) Claims() map[string]any {
	if s.claims == nil {
		return nil
	}
	return maps.Clone(s.claims)
}

// String describes the session without any token.
func (s *Session) String() string {
	return s.Email + " (" + s.Subject + ") at " + s.Issuer
}

// renewed is s with the tokens of a refresh from r.
func (s *Session) renewed(r *Resolved, tok *oauth2.Token) *Session {
	c := *s
	c.token, c.resolved, c.ExpiresAt, c.claims = tok, r, tok.Expiry, nil
	return &c
}

// IDToken returns the raw ID token of the last sign-in or refresh that
// carried one, or "". It is for the provider's end-session request
// (id_token_hint) and for tests; callers must not log or persist it.
func (s *Session) IDToken() string {
	if s.token == nil {
		return ""
	}
	return idTokenOf(s.token)
}
