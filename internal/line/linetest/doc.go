// Package linetest has the parts the line and registrar tests share: an
// identity provider on loopback that signs access tokens, a token source
// that counts its calls, a clock the test moves by hand, a state recorder
// and a sipregistrar runner. Besides line and sipregistrar it must never
// import a Dialtone package, nor Fyne or the keyring.
package linetest
