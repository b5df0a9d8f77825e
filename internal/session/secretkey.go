package session

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
)

// SecretKey is the keyring key of the refresh token for one (issuer,
// client ID, subject). It is "refresh:" followed by the unpadded base64url
// SHA-256 of the three values, each prefixed with its length: stable,
// 51 ASCII characters whatever the inputs (Windows and macOS limit key
// lengths), and it does not show the subject, a personal identifier, in
// keyring browsers. Record tells which account a key belongs to.
func SecretKey(issuer, clientID, subject string) string {
	h := sha256.New()
	for _, s := range []string{issuer, clientID, subject} {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	return "refresh:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
