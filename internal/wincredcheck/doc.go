// Package wincredcheck holds only a test: it proves, on Windows (and under
// wine, which emulates the Credential Manager in its prefix), that the
// keyring's chunking keeps a refresh token far over Credential Manager's
// 2560-byte blob limit — every item at most 2000 bytes — and reads it back
// whole, in this process and in another one. It uses the production
// keyring code (internal/keyring) over
// the real go-keyring backend, wincred.
//
//	GOOS=windows go test -c -o wincredcheck.test.exe ./internal/wincredcheck
//	.ci/windows/wine wincredcheck.test.exe -test.v
//
// It has no code of its own and must never be imported. Its test must
// never import more of Dialtone than the keyring and the session store
// (for the key name Dialtone really stores a token under), nor Fyne.
package wincredcheck
