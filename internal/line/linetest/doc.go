// Package linetest has the parts the line and registrar tests share: an
// identity provider on loopback that signs access tokens, a token source
// that counts its calls, and a clock the test moves by hand. It must never
// import Fyne, the keyring, or any other Dialtone package.
package linetest
