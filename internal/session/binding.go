package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"dialtone/auth"
	"dialtone/internal/sipaddr"
)

// The session metadata lives in a plain file that anything running as the
// agent can edit, and it says where the refresh token goes: the provider
// configuration, and the cached discovery document with the token and
// revocation endpoints. So the file is never trusted with that:
//
//   - the keyring item holds, with the refresh token, the issuer it was
//     issued by (storedToken). A refresh goes to that issuer, whatever the
//     file's provider configuration says;
//   - the issuer's cached discovery document and the phone line (whose
//     registrar receives the access token) are sealed with an HMAC whose key
//     is derived from the refresh token, which only the keyring holds
//     (seal). A document whose seal does not match — an edited file, or a
//     crash between saving the token and saving the file — is not used: the
//     document is fetched afresh from the issuer, and the next save seals it
//     again;
//   - the time a process last refreshed (RefreshedAt), which lets another
//     process skip its own refresh, is sealed the same way (sealRefresh):
//     an edited time would otherwise keep a revoked session "just
//     refreshed" forever.

// storedPrefix starts a keyring item that holds a storedToken. An item
// without it was saved by Dialtone 0.1, which kept the bare token.
const storedPrefix = "dialtone-session:v1:"

// storedToken is what the keyring item of a session holds.
type storedToken struct {
	RefreshToken string `json:"refresh_token"`
	Issuer       string `json:"issuer"` // the provider configuration's issuer, normalised
}

// errOldItem reports a keyring item from before the issuer was stored with
// the token: the file alone would decide where the token goes, so it is
// not used.
var errOldItem = errors.New("the saved sign-in was made by an older Dialtone and must be made again once")

// encode is the keyring item's value.
func (t storedToken) encode() string {
	data, err := json.Marshal(t)
	if err != nil {
		panic(err) // two strings always marshal
	}
	return storedPrefix + string(data)
}

// decodeStored reads a keyring item's value.
func decodeStored(v string) (storedToken, error) {
	rest, ok := strings.CutPrefix(v, storedPrefix)
	if !ok {
		return storedToken{}, errOldItem
	}
	var t storedToken
	if err := json.Unmarshal([]byte(rest), &t); err != nil || t.RefreshToken == "" || t.Issuer == "" {
		return storedToken{}, fmt.Errorf("the saved sign-in in the keyring is damaged")
	}
	return t, nil
}

// The labels separate each seal's key from any other use of the token.
const (
	sealLabel        = "dialtone discovery seal v1"
	refreshSealLabel = "dialtone refreshed-at seal v1"
)

// seal is the HMAC of issuer's discovery snapshot and the account's phone
// line under a key derived from the refresh token rt.
func seal(rt, issuer string, snap *auth.Snapshot, line *sipaddr.Config) string {
	data, err := json.Marshal(struct {
		Issuer string
		Snap   *auth.Snapshot
		Line   *sipaddr.Config
	}{issuer, snap, line})
	if err != nil {
		return "" // cannot happen for these types; an empty seal only costs a discovery fetch
	}
	return macUnder(rt, sealLabel, data)
}

// sealRefresh is the HMAC of the time a process refreshed the session of
// issuer and subject, under a key derived from the refresh token rt the
// refresh returned. Another process trusts that refresh (justRefreshed)
// only when the seal matches under the token the keyring holds.
func sealRefresh(rt, issuer, subject string, at time.Time) string {
	data, err := json.Marshal(struct {
		Issuer, Subject string
		At              int64
	}{issuer, subject, at.UnixNano()})
	if err != nil {
		return "" // cannot happen for these types; an empty seal only costs a refresh
	}
	return macUnder(rt, refreshSealLabel, data)
}

// refreshSealed reports whether rec's RefreshedAt is sealed under t's token.
func refreshSealed(t storedToken, rec *Record) bool {
	return rec.RefreshedAtSeal != "" &&
		hmac.Equal([]byte(rec.RefreshedAtSeal), []byte(sealRefresh(t.RefreshToken, t.Issuer, rec.Subject, rec.RefreshedAt)))
}

// macUnder is the HMAC-SHA256 of data under a key derived from the refresh
// token rt for the use label, base64url.
func macUnder(rt, label string, data []byte) string {
	kdf := hmac.New(sha256.New, []byte(rt))
	kdf.Write([]byte(label))
	mac := hmac.New(sha256.New, kdf.Sum(nil))
	mac.Write(data)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// trusted returns the cached discovery document of t's issuer and reports
// true when rec's seal vouches for it and for rec's line under t's token.
// Otherwise neither is trusted: the caller fetches the document from the
// issuer, and the line from the directory.
func (m *Metadata) trusted(t storedToken, rec *Record) (*auth.Snapshot, bool) {
	snap := m.snapshot(t.Issuer)
	if snap == nil || rec.Binding == "" || !hmac.Equal([]byte(rec.Binding), []byte(seal(t.RefreshToken, t.Issuer, snap, rec.Line))) {
		return nil, false
	}
	return snap, true
}

// StoredRefreshToken returns the refresh token and its issuer held in the
// value of a session's keyring item (under the key SecretKey), for tools
// and tests that look into the keyring. Callers must not log the token.
func StoredRefreshToken(item string) (token, issuer string, err error) {
	t, err := decodeStored(item)
	return t.RefreshToken, t.Issuer, err
}
